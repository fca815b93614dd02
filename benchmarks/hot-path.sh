#!/usr/bin/env bash
# Hot-path cost: JMH benchmarks of the work the starter adds per connection and per
# request, in nanoseconds, set against the server's CPU time per request (benchmark 1,
# request-overhead.sh, column "cpu off"): in its core (HotPathBenchmark: tracking,
# state changes, the Connection: close decision), in Spring WebFlux's layer
# (WebFluxPathBenchmark: the stream tracking, with and without it) and on Reactor
# Netty's pipeline (NettyPipelineBenchmark: the adapter's handlers, with and without
# them). The with/without pairs print the difference, what the starter adds.
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

(cd "$ROOT" && ./mvnw -q -pl terminator-autoconfigure,terminator-reactor-netty -am install -DskipTests)
(cd "$ROOT" && ./mvnw -q -f benchmarks/jmh/pom.xml package)
OUT="$(mktemp)"
java -jar "$ROOT/benchmarks/jmh/target/benchmarks.jar" -rf csv -rff "$OUT" \
  'HotPathBenchmark|WebFluxPathBenchmark|NettyPipelineBenchmark' >&2
printf '%-42s %10s %10s %12s %s\n' benchmark "ns/op" "error ns" "added ns" "added, share of ${SERVER_CPU_MICROS} us of server CPU"
# Columns: benchmark, mode, threads, samples, score, error, unit, then the parameters
# in name order (body, tracked), empty for a benchmark without them.
tail -n +2 "$OUT" | tr -d '"\r' | awk -F, -v cpu="$SERVER_CPU_MICROS" '{
  n = split($1, parts, "."); name = parts[n - 1] "." parts[n]
  tracked = (NF >= 8) ? $NF : ""; body = (NF >= 9) ? $(NF - 1) : ""
  label = name (body != "" ? " " body : "") (tracked != "" ? " tracked=" tracked : "")
  if (tracked == "") { added = $5 }
  else if (tracked == "false") { base[name body] = $5; added = "" }
  else { added = $5 - base[name body] }
  if (added == "") printf "%-42s %10.1f %10.1f %12s\n", label, $5, $6, "-"
  else printf "%-42s %10.1f %10.1f %12.1f %.3f%%\n", label, $5, $6, added, added / (cpu * 1000) * 100 }'
rm -f "$OUT"
