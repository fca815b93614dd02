#!/usr/bin/env bash
# Request overhead: what the starter costs a trivial endpoint (GET /fast of the
# sample application, a short body), with keep-alive and with one connection per
# request (a new connection for every request: the churn case), starter enabled
# against disabled, on each (Spring Boot line, server) pair, with the noise floor of
# the same run beside it.
#
#   benchmarks/request-overhead.sh [PAIR|both|all]     (default all)
#
# PAIR: tomcat, undertow, jetty, netty (Spring Boot 3.5; netty is Reactor Netty with
# the WebFlux sample), boot4-tomcat, boot4-jetty, boot4-netty; both is Tomcat and
# Undertow on Spring Boot 3.5; all is every pair.
#
# Three JVMs of the same jar run side by side, each on its own port, started once
# and warmed up: the starter enabled, disabled, and enabled again. Every round
# measures each with wrk, one after the other, in an order that changes from round
# to round through the six orders (ABC, CBA, BCA, ACB, CAB, BAC), so that over six
# rounds each JVM is measured twice first, twice in the middle and twice last, and
# drift of the machine, or a JVM measured twice in a row, falls on all alike (with
# ABC and CBA alone, the disabled JVM was always measured in the middle). Each round
# gives two ratios: enabled/disabled, what the starter costs, and enabled/enabled
# again, the noise floor: what two identical JVMs differ by on this machine. The
# table shows their min, median and max over the rounds, for throughput and for the
# server's CPU time per request (user + system time of its process, from /proc,
# divided by the requests served), with the medians of throughput, p99 latency and
# CPU per request.
#
# Needs java 17, and wrk (installed from Debian's packages if missing). Builds the
# sample application for each pair if its jar is missing. Listens on 127.0.0.1 only.
#
# Settings, from the environment:
#   MODES         keepalive, close, or both (default "keepalive close")
#   ROUNDS        rounds per pair and connection mode (default 6; a multiple of 6
#                 gives each JVM each place in the order equally)
#   DURATION      seconds of one measurement (default 10)
#   WARMUP        seconds of load on each JVM before the rounds (default 90:
#                 Undertow was still compiling after 15 on 2 cores, and WebFlux on
#                 Reactor Netty got faster round after round for 90 s of load)
#   CONNECTIONS   concurrent wrk connections (default 16)
#   THREADS       wrk threads (default 1: the machine has 2 cores, the server needs one)
#   BASE_PORT     the JVMs listen on BASE_PORT to BASE_PORT+2 (default 19080)
#   JAVA_OPTS     options of the application JVMs

set -euo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
SERVERS="$(servers "${1:-all}")"
MODES="${MODES:-keepalive close}"
ROUNDS="${ROUNDS:-6}"
DURATION="${DURATION:-10}"
WARMUP="${WARMUP:-90}"
CONNECTIONS="${CONNECTIONS:-16}"
THREADS="${THREADS:-1}"
BASE_PORT="${BASE_PORT:-19080}"
TICKS="$(getconf CLK_TCK)"
VARIANTS=(enabled disabled again)
# Each round's order, as indexes into VARIANTS: every permutation once.
ORDERS=("0 1 2" "2 1 0" "1 2 0" "0 2 1" "2 0 1" "1 0 2")

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

port_of() {
  case "$1" in
    enabled) echo "$BASE_PORT" ;;
    disabled) echo "$((BASE_PORT + 1))" ;;
    again) echo "$((BASE_PORT + 2))" ;;
  esac
}

require_package wrk
printf '%-13s %-11s %9s %9s %-19s %-19s %8s %8s %-19s %-19s %-19s\n' pair connection "on req/s" "off req/s" \
  "req/s on/off" "req/s floor" "cpu on" "cpu off" "cpu on/off" "cpu floor" "p99 on/off"
for server in $SERVERS; do
  jar="$(sample_jar "$server")"
  start_app "$server-enabled" "$jar" "$(port_of enabled)" --terminator.enabled=true
  start_app "$server-disabled" "$jar" "$(port_of disabled)" --terminator.enabled=false
  start_app "$server-again" "$jar" "$(port_of again)" --terminator.enabled=true
  for mode in $MODES; do
    log "$server, $mode: warming up"
    for variant in "${VARIANTS[@]}"; do
      measure "$server-$variant" "$(port_of "$variant")" "$mode" "$WARMUP" >/dev/null
    done
    rounds="$WORK/$server-$mode.rounds"
    : >"$rounds"
    for round in $(seq 1 "$ROUNDS"); do
      order=()
      for index in ${ORDERS[$(((round - 1) % ${#ORDERS[@]}))]}; do
        order+=("${VARIANTS[$index]}")
      done
      declare -A got=()
      for variant in "${order[@]}"; do
        got[$variant]="$(measure "$server-$variant" "$(port_of "$variant")" "$mode" "$DURATION")"
      done
      log "$server, $mode, round $round: enabled ${got[enabled]}, disabled ${got[disabled]}, enabled again ${got[again]} (requests/s, p99 us, cpu us/request)"
      # Columns: enabled 1-3, disabled 4-6, enabled again 7-9.
      echo "${got[enabled]} ${got[disabled]} ${got[again]}" >>"$rounds"
      unset got
    done
    printf '%-13s %-11s %9.0f %9.0f %-19s %-19s %6.1fus %6.1fus %-19s %-19s %-19s\n' "$server" \
      "$([[ $mode == close ]] && echo per-request || echo keep-alive)" \
      "$(awk '{ print $1 }' "$rounds" | median)" "$(awk '{ print $4 }' "$rounds" | median)" \
      "$(awk '{ print $1 / $4 }' "$rounds" | spread)" "$(awk '{ print $1 / $7 }' "$rounds" | spread)" \
      "$(awk '{ print $3 }' "$rounds" | median)" "$(awk '{ print $6 }' "$rounds" | median)" \
      "$(awk '{ print $3 / $6 }' "$rounds" | spread)" "$(awk '{ print $3 / $9 }' "$rounds" | spread)" \
      "$(awk '{ print $2 / $5 }' "$rounds" | spread)"
  done
  stop_app "$server-enabled"
  stop_app "$server-disabled"
  stop_app "$server-again"
done
