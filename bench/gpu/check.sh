#!/usr/bin/env bash
# The TornadoVM backend on the lent GPU machine (NVIDIA H200 through TornadoVM's OpenCL backend). Run from the
# repository root there, with .device/gpu staged by bench/gpu/prepare.sh and named in `carry`:
#
#   run(command="bash bench/gpu/check.sh 2>&1 | tee $OUT/check.log", carry=[".device/gpu"], timeout_s=590)
#
# Steps, each under its own time limit so that one slow step still leaves a table: unpack the JDK runtime and the
# SDK, point the OpenCL ICD loader at NVIDIA's driver, list the devices, run the tornado-tasks device tests,
# synthesize a Bamboo-7B-shaped model in F16 and Q8_0 (PowerInfer layout, on the machine's own disk), and
# benchmark decode (dense, exact, predicted) on each, printing one table. Works on any OpenCL device (here, pocl
# on the CPU: then it skips the 7B models unless BAMBOO_CHECK_7B=1 and benchmarks the demo model).
set -uo pipefail
root=$(cd "$(dirname "$(readlink -f "$0")")/../.." && pwd)
stage="$root/.device/gpu"
tmp=${BAMBOO_CHECK_TMP:-/tmp/bamboo-gpu}
tokens=${BAMBOO_CHECK_TOKENS:-48}
[ -f "$stage/jdk.tar.xz" ] || { echo "error: $stage is missing: run bench/gpu/prepare.sh here and carry .device/gpu" >&2; exit 1; }
start=$(date +%s)
step() { echo; echo "== [$(( $(date +%s) - start ))s] $*"; }

step "unpack"
rm -rf "$tmp" && mkdir -p "$tmp/models" "$tmp/icd"
tar -C "$tmp" -xJf "$stage/jdk.tar.xz" && tar -C "$tmp" -xJf "$stage/sdk.tar.xz" || exit 1
export JAVA_HOME="$tmp/jdk" TORNADOVM_HOME="$tmp/sdk"
sed "s|\${TORNADOVM_HOME}|$TORNADOVM_HOME|g" "$TORNADOVM_HOME/tornado-argfile.template" > "$TORNADOVM_HOME/tornado-argfile"
mkdir -p "$root/runtime/target" "$root/tornado-tasks/target"
cp "$stage/bamboo.jar" "$root/runtime/target/" && cp "$stage/bamboo-tornado-tasks.jar" "$root/tornado-tasks/target/"

step "OpenCL"
nv=$(find /usr/local/nvidia /usr/lib/x86_64-linux-gnu /usr/lib64 /usr/lib /usr/local/cuda*/ -name 'libnvidia-opencl.so.1' 2>/dev/null | head -n 1)
if [ -n "$nv" ]; then
  echo "$nv" > "$tmp/icd/nvidia.icd"
  export OCL_ICD_VENDORS="$tmp/icd"            # the ICD loader's vendor folder, instead of /etc/OpenCL/vendors
  export LD_LIBRARY_PATH="$(dirname "$nv"):${LD_LIBRARY_PATH:-}"
  echo "NVIDIA OpenCL driver: $nv"
else
  echo "no libnvidia-opencl.so.1 found: using the ICDs in /etc/OpenCL/vendors: $(ls /etc/OpenCL/vendors 2>/dev/null | tr '\n' ' ')"
fi
ldconfig -p | grep -q 'libOpenCL.so.1 ' || export LD_LIBRARY_PATH="$stage/lib:${LD_LIBRARY_PATH:-}"
command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader

export BAMBOO_PREBUILT=1 TORNADO_DEVICE_MEMORY=${TORNADO_DEVICE_MEMORY:-100GB} BAMBOO_HEAP=${BAMBOO_HEAP:-16g}
java=("$JAVA_HOME/bin/java" --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -Xss8m -Xmx16g
      "@$TORNADOVM_HOME/tornado-argfile" -Dtornado.recover.bailout=False "-Dtornado.device.memory=$TORNADO_DEVICE_MEMORY")

step "devices"
timeout 60 "$root/bamboo" devices
gpu=$("$root/bamboo" devices 2>/dev/null | grep -ci 'nvidia\|h200')

step "device tests (kernels, reference logits, greedy = CPU engine)"
cp_tests="$stage/tornado-tasks-tests.jar:$(ls "$stage"/junit/*.jar | tr '\n' ':')$root/runtime/target/bamboo.jar:$root/tornado-tasks/target/bamboo-tornado-tasks.jar"
(cd "$root/tornado-tasks" && timeout "${BAMBOO_CHECK_TEST_S:-180}" "${java[@]}" -cp "$cp_tests" JUnitRunner \
    dev.bamboo.tornado.kernels.MatVecKernelsTest dev.bamboo.tornado.kernels.SparseFfnKernelsTest dev.bamboo.tornado.kernels.FlashDecodeAttentionTest \
    dev.bamboo.tornado.kernels.NormRopeResidualTest dev.bamboo.tornado.kernels.SelectionKernelsTest \
    dev.bamboo.tornado.forward.FolderModelReferenceTest dev.bamboo.tornado.forward.GreedyDeviceTest) 2>&1 | grep -v '^WARNING' | tail -n 80

models=()
if [ "$gpu" -gt 0 ] || [ -n "${BAMBOO_CHECK_7B:-}" ]; then
  if "$root/bamboo" synth --help >/dev/null 2>&1; then
    for type in f16 q8_0; do
      step "synthesize bamboo-7b $type"
      f="$tmp/models/bamboo-7b.$type.powerinfer.gguf"
      timeout 150 "$root/bamboo" synth --shape bamboo-7b --type "$type" --format powerinfer -o "$f" 2>&1 | grep -v '^WARNING' | tail -n 3
      [ -s "$f" ] && models+=("$f") && ls -la "$f"
    done
  else
    echo "this bamboo.jar has no 'synth' command (merge the bench branch, then prepare.sh again): benchmarking the demo model only"
  fi
fi
[ ${#models[@]} -gt 0 ] || models=("$root/models/bamboo-demo")

table="$tmp/table.txt"
: > "$table"
for f in "${models[@]}"; do
  step "decode benchmark: $(basename "$f")"
  timeout "${BAMBOO_CHECK_BENCH_S:-170}" "${java[@]}" -cp "$root/runtime/target/bamboo.jar:$root/tornado-tasks/target/bamboo-tornado-tasks.jar" \
      dev.bamboo.tornado.bench.DecodeBenchmark "$f" "$tokens" "${BAMBOO_CHECK_MODES:-dense,predicted,exact}" 2>&1 | grep -v '^WARNING' | tee -a "$table"
done

step "summary (decode: $tokens tokens after a 4-token prompt, logits downloaded every token)"
head -n 1 "$table"
grep -v '^model ' "$table" | grep -v '^\s*$'
[ -n "${OUT:-}" ] && cp "$table" "$OUT/decode-table.txt"
echo "done in $(( $(date +%s) - start ))s"
