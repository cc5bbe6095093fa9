#!/usr/bin/env bash
# Stages everything bench/gpu/check.sh needs on the lent GPU machine into .device/gpu/ (ignored by git), to be
# named in the device tool's `carry`: the jars (built here with -Ptornadovm against $TORNADOVM_HOME), the
# tornado-tasks test classes with JUnit and a small runner, a jlink'ed JDK 25 runtime (xz), the TornadoVM SDK
# without its tests/examples/benchmarks (xz), and the OpenCL ICD loader. Builds nothing of TornadoVM itself.
#
#   JAVA_HOME=/usr/lib/jvm/temurin-25-jdk-amd64 TORNADOVM_HOME=/work/tornadovm-sdk bench/gpu/prepare.sh
set -euo pipefail
root=$(cd "$(dirname "$(readlink -f "$0")")/../.." && pwd)
: "${TORNADOVM_HOME:?set TORNADOVM_HOME to the TornadoVM SDK the jars are built against}"
export JAVA_HOME=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}
stage="$root/.device/gpu"
m2=${M2_REPO:-$HOME/.m2/repository}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
rm -rf "$stage"
mkdir -p "$stage/lib"

echo "== jars"
(cd "$root" && ./mvnw -o -q -Ptornadovm -DskipTests -pl runtime,tornado-tasks -am package)
cp "$root/runtime/target/bamboo.jar" "$root/tornado-tasks/target/bamboo-tornado-tasks.jar" "$stage/"
"$JAVA_HOME/bin/jar" cf "$stage/tornado-tasks-tests.jar" -C "$root/tornado-tasks/target/test-classes" .
# runtime's shared test helpers (TestData, GgufReferenceCheck), which the device tests use
helpers=()
for c in $(cd "$root/runtime/target/test-classes" && ls dev/bamboo/runtime/*.class); do helpers+=(-C "$root/runtime/target/test-classes" "$c"); done
"$JAVA_HOME/bin/jar" uf "$stage/tornado-tasks-tests.jar" "${helpers[@]}"
junit=$(sed -n 's|.*<junit.version>\(.*\)</junit.version>.*|\1|p' "$root/pom.xml")
platform="1.${junit#5.}"
jars=("$m2/org/junit/jupiter/junit-jupiter-api/$junit/junit-jupiter-api-$junit.jar"
      "$m2/org/junit/jupiter/junit-jupiter-engine/$junit/junit-jupiter-engine-$junit.jar"
      "$m2/org/junit/jupiter/junit-jupiter-params/$junit/junit-jupiter-params-$junit.jar"
      "$m2/org/junit/platform/junit-platform-commons/$platform/junit-platform-commons-$platform.jar"
      "$m2/org/junit/platform/junit-platform-engine/$platform/junit-platform-engine-$platform.jar"
      "$m2/org/junit/platform/junit-platform-launcher/$platform/junit-platform-launcher-$platform.jar"
      "$(ls "$m2"/org/opentest4j/opentest4j/*/opentest4j-*.jar | sort -V | tail -n 1)"
      "$(ls "$m2"/org/apiguardian/apiguardian-api/*/apiguardian-api-*.jar | sort -V | tail -n 1)")
mkdir -p "$stage/junit" "$work/runner"
cp "${jars[@]}" "$stage/junit/"
"$JAVA_HOME/bin/javac" -d "$work/runner" -cp "$(IFS=:; echo "${jars[*]}")" "$root/bench/gpu/JUnitRunner.java"
"$JAVA_HOME/bin/jar" cf "$stage/junit/runner.jar" -C "$work/runner" .

echo "== JDK runtime image (jlink)"
"$JAVA_HOME/bin/jlink" --add-modules java.base,java.logging,java.management,jdk.management,jdk.unsupported,jdk.internal.vm.ci,java.desktop,jdk.incubator.vector \
    --strip-debug --no-header-files --no-man-pages --output "$work/jdk"
tar -C "$work" -cf - jdk | xz -9 -T2 > "$stage/jdk.tar.xz"

echo "== TornadoVM SDK (runtime parts only)"
sdk="$work/sdk"
mkdir -p "$sdk/share/java/tornado" "$sdk/share/java/graalJars"
cp -r "$TORNADOVM_HOME/lib" "$TORNADOVM_HOME/etc" "$sdk/"
cp "$TORNADOVM_HOME/tornado-argfile.template" "$sdk/"
# The Graal compiler needs collections, word and truffle-compiler; truffle-api (which requires java.sql, absent
# from the runtime image), polyglot and graal-sdk are left out.
for j in "$TORNADOVM_HOME"/share/java/graalJars/*.jar; do
  case "$(basename "$j")" in
    truffle-api-*|polyglot-*|graal-sdk-*) ;;
    *) cp "$j" "$sdk/share/java/graalJars/" ;;
  esac
done
for j in "$TORNADOVM_HOME"/share/java/tornado/*.jar; do
  case "$(basename "$j")" in
    tornado-unittests-*|tornado-benchmarks-*|tornado-examples-*|tornado-fuzz-*|tornado-cu*|junit-*|hamcrest-*|jmh-*|jopt-*|lucene-*|ejml-*) ;;
    *) cp "$j" "$sdk/share/java/tornado/" ;;
  esac
done
tar -C "$work" -cf - sdk | xz -9 -T2 > "$stage/sdk.tar.xz"

echo "== OpenCL ICD loader"
cp -L "$(ldconfig -p | sed -n 's|.*libOpenCL.so.1 (libc6,x86-64) => ||p' | head -n 1)" "$stage/lib/libOpenCL.so.1"

du -ab "$stage" | sort -n | tail -n 20
carry=$(du -sb "$stage" | cut -f1)
tree=$(cd "$root" && git ls-files -z | xargs -0 du -cb | tail -n 1 | cut -f1)
echo "staged: $((carry / 1048576)) MiB; tracked working tree: $((tree / 1048576)) MiB; the device tool takes 64 MiB in all"
[ $((carry + tree)) -lt $((64 * 1048576)) ] || echo "WARNING: working tree + staged files exceed the device tool's 64 MiB: the run will be refused" >&2
