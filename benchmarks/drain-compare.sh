#!/usr/bin/env bash
# Idle drains of builds or settings of the sample application side by side, to tell a
# change to the drain from the noise: each round starts one JVM of each variant in
# turn (the order reversed every other round), and times its drain of N keep-alive
# connections, each served one request and quiet for QUIET ms before SIGTERM, as
# drain-latency.sh's idle scenario does (DrainClient.java).
#
#   benchmarks/drain-compare.sh PAIR 'NAME|JAR|JVM OPTIONS|APPLICATION ARGUMENTS' ...
#
# A variant's JAR may be empty: the pair's sample built from this checkout. This
# checkout against a jar saved before a change, and Spring Boot alone:
#
#   benchmarks/drain-compare.sh boot4-netty 'new' 'old|/tmp/old.jar' \
#     'boot|||--terminator.enabled=false --server.shutdown=graceful'
#
# Prints, for each variant, min / median / max of the last FIN after SIGTERM and of the
# span from the first FIN to the last, in ms; each round's line goes to stderr.
#
# Settings, from the environment:
#   ROUNDS     rounds (default 7)
#   N          idle connections (default 10000)
#   QUIET      how long they are quiet before SIGTERM, in ms (default 3000, past the
#              quiet period: the drain closes them at once)
#   PORT       the application's port (default 19180)
#   JAVA_OPTS  options of every application JVM, before the variant's own

set -euo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
if (($# < 2)); then
  sed -n '2,16p' "${BASH_SOURCE[0]}" >&2
  exit 2
fi
PAIR="$(servers "$1")"
shift
ROUNDS="${ROUNDS:-7}"
N="${N:-10000}"
QUIET="${QUIET:-3000}"
PORT="${PORT:-19180}"
drain_client
sample="$(sample_jar "$PAIR")"

for round in $(seq 1 "$ROUNDS"); do
  variants=("$@")
  if ((round % 2 == 0)); then
    variants=()
    for ((i = $#; i > 0; i--)); do variants+=("${!i}"); done
  fi
  for variant in "${variants[@]}"; do
    IFS='|' read -r name jar options arguments <<<"$variant"
    # shellcheck disable=SC2086
    JAVA_OPTS="$JAVA_OPTS $options" start_app "$name" "${jar:-$sample}" "$PORT" \
      --server.tomcat.max-connections=20000 --server.tomcat.accept-count=20000 $arguments
    # fin_ms exit_ms resets unanswered left first_fin_ms
    result="$(java -cp "$CLIENT" DrainClient "${PIDS[$name]}" "$PORT" idle "$N" "$QUIET")"
    wait "${PIDS[$name]}" 2>/dev/null || true
    unset "PIDS[$name]"
    log "$name, round $round: $result (FIN ms, exit ms, resets, unanswered, left open, first FIN ms)"
    echo "$result" >>"$WORK/$name.rounds"
  done
done

printf '%-12s %-24s %-24s %s\n' variant "last FIN ms" "first to last FIN ms" "resets/unanswered"
for variant in "$@"; do
  name="${variant%%|*}"
  printf '%-12s %-24s %-24s %s\n' "$name" \
    "$(awk '{ print $1 }' "$WORK/$name.rounds" | spread %.0f)" \
    "$(awk '{ print $1 - $6 }' "$WORK/$name.rounds" | spread %.0f)" \
    "$(awk '{ r += $3; u += $4 } END { print r "/" u }' "$WORK/$name.rounds")"
done
