#!/usr/bin/env bash
# Hot-path cost: a JMH benchmark of the work the starter adds per connection and per
# request in its core (tracking, state changes, the Connection: close decision), in
# nanoseconds, set against the server's CPU time per request (benchmark 1,
# request-overhead.sh, column "cpu off").
#
#   benchmarks/hot-path.sh [SERVER_CPU_MICROS]
#
# SERVER_CPU_MICROS: the server's CPU time per request to compare with, in
# microseconds (default 46, what request-overhead.sh measured for a keep-alive
# request on Tomcat, the cheaper server, on the 2-core machine of the README's
# Performance section; pass your own).
#
# Installs the library into the local Maven repository, builds benchmarks/jmh and
# runs it: 2 forks x 5 iterations of 1 s after 5 of warm-up, per benchmark.

set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SERVER_CPU_MICROS="${1:-46}"

(cd "$ROOT" && ./mvnw -q -pl terminator-core -am install -DskipTests)
(cd "$ROOT" && ./mvnw -q -f benchmarks/jmh/pom.xml package)
OUT="$(mktemp)"
java -jar "$ROOT/benchmarks/jmh/target/benchmarks.jar" -rf csv -rff "$OUT" HotPathBenchmark >&2
printf '%-12s %14s %12s %s\n' benchmark "ns/op" "error ns" "share of ${SERVER_CPU_MICROS} us of server CPU"
tail -n +2 "$OUT" | tr -d '"' | awk -F, -v cpu="$SERVER_CPU_MICROS" '{
  n = split($1, parts, "."); printf "%-12s %14.1f %12.1f %.3f%%\n", parts[n], $5, $6, $5 / (cpu * 1000) * 100 }'
rm -f "$OUT"
