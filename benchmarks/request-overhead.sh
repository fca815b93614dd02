#!/usr/bin/env bash
# Request overhead: what the starter costs a trivial endpoint (GET /fast of the
# sample application), with keep-alive and with one connection per request (a
# new connection for every request: the churn case), starter enabled against
# disabled, on Tomcat and on Undertow.
#
#   benchmarks/request-overhead.sh [tomcat|undertow|both]     (default both)
#
# Both variants run side by side, each in its own JVM on its own port, started
# once and warmed up; then every round measures one after the other with wrk, in
# an order that alternates from round to round (AB, BA, AB, ...), so that drift of
# the machine falls on both. Each round gives a ratio enabled/disabled; the table
# shows their min, median and max over the rounds, with the medians of
# throughput, p99 latency, and the server's CPU time per request (user + system
# time of its process, from /proc, divided by the requests served).
#
# Needs java 17, and wrk (installed from Debian's packages if missing). Builds
# the sample application for each server if its jar is missing. Listens on
# 127.0.0.1 only.
#
# Settings, from the environment:
#   ROUNDS        rounds per server and connection mode (default 7)
#   DURATION      seconds of one measurement (default 10)
#   WARMUP        seconds of load on each variant before the rounds (default 40:
#                 Undertow was still compiling after 15 on 2 cores)
#   CONNECTIONS   concurrent wrk connections (default 16)
#   THREADS       wrk threads (default 1: the machine has 2 cores, the server needs one)
#   BASE_PORT     the variants listen on BASE_PORT and BASE_PORT+1 (default 19080)
#   JAVA_OPTS     options of the application JVMs

set -euo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
SERVERS="$(servers "${1:-both}")"
ROUNDS="${ROUNDS:-7}"
DURATION="${DURATION:-10}"
WARMUP="${WARMUP:-40}"
CONNECTIONS="${CONNECTIONS:-16}"
THREADS="${THREADS:-1}"
BASE_PORT="${BASE_PORT:-19080}"
TICKS="$(getconf CLK_TCK)"

cpu_ticks() {
  # utime and stime, fields 14 and 15 of /proc/PID/stat (after the command name in parentheses)
  awk '{ sub(/^.*\) /, ""); print $12 + $13 }' "/proc/$1/stat"
}

# Runs wrk against a port; prints "requests/s p99-microseconds cpu-microseconds-per-request".
measure() {
  local name="$1" port="$2" mode="$3" seconds="$4"
  local header=()
  if [[ "$mode" == "close" ]]; then
    header=(-H "Connection: close")
  fi
  local before after out
  before="$(cpu_ticks "${PIDS[$name]}")"
  out="$(wrk -t"$THREADS" -c"$CONNECTIONS" -d"${seconds}s" --latency "${header[@]}" "http://127.0.0.1:$port/fast")"
  after="$(cpu_ticks "${PIDS[$name]}")"
  if grep -q 'Non-2xx\|Socket errors: connect [1-9]\|read [1-9]' <<<"$out"; then
    log "wrk saw errors on $name ($mode): $(grep -E 'Non-2xx|Socket errors' <<<"$out" | tr '\n' ' ')"
  fi
  awk -v ticks="$((after - before))" -v hz="$TICKS" '
    function micros(v) {
      if (v ~ /us$/) return v + 0
      if (v ~ /ms$/) return v * 1000
      if (v ~ /s$/) return v * 1000000
      return v
    }
    / 99%/ { p99 = micros($2) }
    /requests in/ { requests = $1 }
    /^Requests\/sec:/ { rps = $2 }
    END { printf "%.0f %.0f %.1f\n", rps, p99, (requests > 0) ? ticks / hz * 1000000 / requests : 0 }
  ' <<<"$out"
}

require_package wrk
printf '%-9s %-11s %12s %12s %-21s %9s %9s %-21s %9s %9s\n' server connection "enabled/s" "disabled/s" "ratio min/med/max" \
  "p99 on" "p99 off" "p99 ratio min/med/max" "cpu on" "cpu off"
for server in $SERVERS; do
  jar="$(sample_jar "$server")"
  start_app "$server-enabled" "$jar" "$BASE_PORT" --terminator.enabled=true
  start_app "$server-disabled" "$jar" "$((BASE_PORT + 1))" --terminator.enabled=false
  for mode in keepalive close; do
    log "$server, $mode: warming up"
    measure "$server-enabled" "$BASE_PORT" "$mode" "$WARMUP" >/dev/null
    measure "$server-disabled" "$((BASE_PORT + 1))" "$mode" "$WARMUP" >/dev/null
    : >"$WORK/$server-$mode.rounds"
    for round in $(seq 1 "$ROUNDS"); do
      if ((round % 2)); then
        on="$(measure "$server-enabled" "$BASE_PORT" "$mode" "$DURATION")"
        off="$(measure "$server-disabled" "$((BASE_PORT + 1))" "$mode" "$DURATION")"
      else
        off="$(measure "$server-disabled" "$((BASE_PORT + 1))" "$mode" "$DURATION")"
        on="$(measure "$server-enabled" "$BASE_PORT" "$mode" "$DURATION")"
      fi
      log "$server, $mode, round $round: enabled $on, disabled $off (requests/s, p99 us, cpu us/request)"
      echo "$on $off" >>"$WORK/$server-$mode.rounds"
    done
    rounds="$WORK/$server-$mode.rounds"
    printf '%-9s %-11s %12.0f %12.0f %-21s %7.0fus %7.0fus %-21s %7.1fus %7.1fus\n' "$server" \
      "$([[ $mode == close ]] && echo per-request || echo keep-alive)" \
      "$(awk '{ print $1 }' "$rounds" | median)" "$(awk '{ print $4 }' "$rounds" | median)" \
      "$(awk '{ print $1 / $4 }' "$rounds" | spread)" \
      "$(awk '{ print $2 }' "$rounds" | median)" "$(awk '{ print $5 }' "$rounds" | median)" \
      "$(awk '{ print $2 / $5 }' "$rounds" | spread)" \
      "$(awk '{ print $3 }' "$rounds" | median)" "$(awk '{ print $6 }' "$rounds" | median)"
  done
  stop_app "$server-enabled"
  stop_app "$server-disabled"
done
