#!/usr/bin/env bash
# Runs the JMH kernel benchmarks from bench/target/benchmarks.jar and writes JSON results.
#   bench/jmh.sh                       full run (all types, shapes, 1 and 2 threads) -> bench/target/jmh-results.json
#   bench/jmh.sh -quick                1 fork, 2 warmup iterations of 3 s, 3 measurement iterations of 2 s
#   bench/jmh.sh [-quick] [JMH args]   e.g. MemoryBandwidth, or -p type=Q4_0 -p threads=2
# Throughput mode: the primary score is calls/s; the "gb" secondary result is GB/s (for matvec: weight bytes read per second).
# Build the jar first: ./mvnw -o -q -pl bench -am package -DskipTests
set -euo pipefail
cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.."
. scripts/find-jdk.sh
bamboo_find_jdk || exit 1
JAR=bench/target/benchmarks.jar
[ -f "$JAR" ] || { echo "no $JAR: build it with ./mvnw -o -q -pl bench -am package -DskipTests" >&2; exit 1; }
ARGS=()
if [ "${1:-}" = "-quick" ]; then
  shift
  ARGS=(-f 1 -wi 2 -i 3 -w 3s -r 2s)
fi
OUT="${JMH_RESULTS:-bench/target/jmh-results.json}"
exec "$BAMBOO_JAVA_HOME/bin/java" -jar "$JAR" "${ARGS[@]}" -rf json -rff "$OUT" "$@"
