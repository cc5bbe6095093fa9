# Sourced by ./bamboo and .ci/run: sets BAMBOO_JAVA_HOME to a JDK >= 25.
# Order: $JAVA_HOME, then the usual JVM folders, then java on the PATH.
bamboo_java_major() {
  # the whole output first, then the one line: a pipe that stops reading early can fail the callers' pipefail
  local settings
  settings=$("$1/bin/java" -XshowSettings:properties -version 2>&1) || return 0
  sed -n 's/^ *java\.specification\.version = \([0-9]*\).*/\1/p' <<<"$settings" | head -n 1
}

bamboo_find_jdk() {
  local candidates=() c major
  [ -n "${JAVA_HOME:-}" ] && candidates+=("$JAVA_HOME")
  for c in /usr/lib/jvm/* /usr/java/* /opt/java/* /opt/jdk* /Library/Java/JavaVirtualMachines/*/Contents/Home "$HOME"/.sdkman/candidates/java/* "$HOME"/.jdks/*; do
    [ -d "$c" ] && candidates+=("$c")
  done
  if command -v java >/dev/null 2>&1; then
    c=$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")
    candidates+=("$c")
  fi
  for c in "${candidates[@]}"; do
    [ -x "$c/bin/java" ] && [ -x "$c/bin/javac" ] || continue
    major=$(bamboo_java_major "$c")
    if [ -n "$major" ] && [ "$major" -ge 25 ]; then
      BAMBOO_JAVA_HOME="$c"
      return 0
    fi
  done
  echo "error: Bamboo needs a JDK 25 or newer, and none was found (looked at JAVA_HOME, /usr/lib/jvm, /opt/java and java on the PATH). Install one (e.g. Temurin 25) and set JAVA_HOME to it." >&2
  return 1
}
