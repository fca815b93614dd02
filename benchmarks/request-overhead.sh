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
# Four JVMs of the same jar run side by side, each on its own port, started once
# and warmed up: two with the starter enabled (on1, on2) and two with it disabled
# (off1, off2). Two JVMs of one jar can differ by several per cent for as long as
# they run (how the JIT compiled each), so one JVM of each kind would measure that
# difference along with the starter's, in every round alike. Every round measures
# each JVM with wrk, one after the other, in an order that changes from round to
# round (a balanced Latin square: over four rounds each JVM is measured once in each
# place and after each other JVM once), so that drift of the machine falls on all
# alike. Each round gives two ratios of the same shape, two JVMs against two: the
# enabled pair against the disabled pair, what the starter costs, and on1 with off1
# against on2 with off2, the noise floor, in which the starter cancels out. The
# table shows their min, median and max over the rounds, for throughput and for the
# server's CPU time per request (user + system time of its process, from /proc,
# divided by the requests served), with the medians of throughput, p99 latency and
# CPU per request (the mean of each pair).
#
# Needs java 17, and wrk (installed from Debian's packages if missing). Builds the
# sample application for each pair if its jar is missing. Listens on 127.0.0.1 only.
#
# Settings, from the environment:
#   MODES         keepalive, close, or both (default "keepalive close")
#   ROUNDS        rounds per pair and connection mode (default 8; a multiple of 4
#                 gives each JVM each place in the order equally)
#   DURATION      seconds of one measurement (default 10)
#   WARMUP        seconds of load on each JVM before the rounds (default 90:
#                 Undertow was still compiling after 15 on 2 cores, and WebFlux on
#                 Reactor Netty got faster round after round for 90 s of load)
#   CONNECTIONS   concurrent wrk connections (default 16)
#   THREADS       wrk threads (default 1: the machine has 2 cores, the server needs one)
#   FRESH         true: every round starts four new JVMs and warms each up for
#                 WARMUP seconds, so that every JVM is measured once and the rounds
#                 compare JVMs compiled independently of each other. Slower (about
#                 4 x (WARMUP + DURATION) seconds a round), and the way to tell a
#                 few per cent from how the JIT happened to compile one JVM: with
#                 the same four JVMs all along, that stays in every round alike
#                 (default false)
#   BASE_PORT     the JVMs listen on BASE_PORT to BASE_PORT+3 (default 19080)
#   JAVA_OPTS     options of the application JVMs

set -euo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
SERVERS="$(servers "${1:-all}")"
MODES="${MODES:-keepalive close}"
ROUNDS="${ROUNDS:-8}"
FRESH="${FRESH:-false}"
DURATION="${DURATION:-10}"
WARMUP="${WARMUP:-90}"
CONNECTIONS="${CONNECTIONS:-16}"
THREADS="${THREADS:-1}"
BASE_PORT="${BASE_PORT:-19080}"
TICKS="$(getconf CLK_TCK)"
VARIANTS=(on1 off1 on2 off2)
# Each round's order, as indexes into VARIANTS: a balanced Latin square.
ORDERS=("0 1 3 2" "1 2 0 3" "2 3 1 0" "3 0 2 1")

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
    on1) echo "$BASE_PORT" ;;
    off1) echo "$((BASE_PORT + 1))" ;;
    on2) echo "$((BASE_PORT + 2))" ;;
    off2) echo "$((BASE_PORT + 3))" ;;
  esac
}

start_jvms() {
  for variant in "${VARIANTS[@]}"; do
    start_app "$server-$variant" "$jar" "$(port_of "$variant")" --terminator.enabled="$([[ $variant == on* ]] && echo true || echo false)"
  done
}

stop_jvms() {
  for variant in "${VARIANTS[@]}"; do
    stop_app "$server-$variant"
  done
}

warm_up() {
  for variant in "${VARIANTS[@]}"; do
    measure "$server-$variant" "$(port_of "$variant")" "$1" "$WARMUP" >/dev/null
  done
}

require_package wrk
printf '%-13s %-11s %9s %9s %-19s %-19s %8s %8s %-19s %-19s %-19s\n' pair connection "on req/s" "off req/s" \
  "req/s on/off" "req/s floor" "cpu on" "cpu off" "cpu on/off" "cpu floor" "p99 on/off"
for server in $SERVERS; do
  jar="$(sample_jar "$server")"
  if [[ "$FRESH" != true ]]; then
    start_jvms
  fi
  for mode in $MODES; do
    if [[ "$FRESH" != true ]]; then
      log "$server, $mode: warming up"
      warm_up "$mode"
    fi
    rounds="$WORK/$server-$mode.rounds"
    : >"$rounds"
    for round in $(seq 1 "$ROUNDS"); do
      if [[ "$FRESH" == true ]]; then
        log "$server, $mode, round $round: starting four new JVMs and warming them up"
        start_jvms
        warm_up "$mode"
      fi
      order=()
      for index in ${ORDERS[$(((round - 1) % ${#ORDERS[@]}))]}; do
        order+=("${VARIANTS[$index]}")
      done
      declare -A got=()
      for variant in "${order[@]}"; do
        got[$variant]="$(measure "$server-$variant" "$(port_of "$variant")" "$mode" "$DURATION")"
      done
      log "$server, $mode, round $round (${order[*]}): on1 ${got[on1]}, off1 ${got[off1]}, on2 ${got[on2]}, off2 ${got[off2]} (requests/s, p99 us, cpu us/request)"
      # Columns: on1 1-3, off1 4-6, on2 7-9, off2 10-12.
      echo "${got[on1]} ${got[off1]} ${got[on2]} ${got[off2]}" >>"$rounds"
      unset got
      if [[ "$FRESH" == true ]]; then
        stop_jvms
      fi
    done
    printf '%-13s %-11s %9.0f %9.0f %-19s %-19s %6.1fus %6.1fus %-19s %-19s %-19s\n' "$server" \
      "$([[ $mode == close ]] && echo per-request || echo keep-alive)" \
      "$(awk '{ print ($1 + $7) / 2 }' "$rounds" | median)" "$(awk '{ print ($4 + $10) / 2 }' "$rounds" | median)" \
      "$(awk '{ print ($1 + $7) / ($4 + $10) }' "$rounds" | spread)" "$(awk '{ print ($1 + $4) / ($7 + $10) }' "$rounds" | spread)" \
      "$(awk '{ print ($3 + $9) / 2 }' "$rounds" | median)" "$(awk '{ print ($6 + $12) / 2 }' "$rounds" | median)" \
      "$(awk '{ print ($3 + $9) / ($6 + $12) }' "$rounds" | spread)" "$(awk '{ print ($3 + $6) / ($9 + $12) }' "$rounds" | spread)" \
      "$(awk '{ print ($2 + $8) / ($5 + $11) }' "$rounds" | spread)"
  done
  if [[ "$FRESH" != true ]]; then
    stop_jvms
  fi
done
