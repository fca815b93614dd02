#!/usr/bin/env bash
# Drain latency at scale, and distance from the limit: how fast a SIGTERM turns
# into closed connections and an exited process, with terminator and with Spring
# Boot's built-in graceful shutdown (terminator.enabled=false,
# server.shutdown=graceful), on the same application, on each (Spring Boot line,
# server) pair named.
#
#   benchmarks/drain-latency.sh [PAIR|both|all]     (default both; pairs in lib.sh)
#
# Scenarios (each a fresh JVM of the sample application, SIGTERM sent by the
# client, DrainClient.java, which then times what its connections see):
#   idle N Q     N keep-alive connections, each served one request, then
#                quiet for Q ms before SIGTERM: time until the last of them sees
#                its FIN, and until the process has exited. Q = 3000, past
#                terminator's quiet period (2.5 s): closed at once; Q = 0, used
#                just before SIGTERM: closed once quiet for the quiet period.
#                N = 100, 1,000, 10,000.
#   in-flight R  10 requests in flight with R = 500 ms of their handling left:
#                the same times minus R, i.e. what a termination adds to the
#                longest request.
# Every scenario runs ROUNDS times, terminator and Spring Boot alternating, and
# the table shows min/median/max in milliseconds. Each round's line on stderr also
# has when the first connection saw its end: what SIGTERM takes to reach the first
# close, against how long the closes take. The idle scenarios also run on
# a bare server (BaselineServer.java) that only accepts, and on SIGTERM closes
# every socket in a tight loop: the floor of a JVM on this machine, its client
# included. The client warms its own code up before it measures, and
# notes the exit by polling /proc (ProcessHandle.onExit polls a process that is
# not its child with a back-off of hundreds of ms).
#
# Needs java 17; builds the sample application for each server if its jar is
# missing; raises the open-files limit for 10,000 connections (ulimit -n).
#
# Settings, from the environment:
#   ROUNDS     rounds per scenario (default 7)
#   SIZES      idle connection counts (default "100 1000 10000")
#   QUIETS     how long the idle connections are quiet before SIGTERM, in ms
#              (default "3000 0")
#   SCENARIOS  "idle", "inflight" or both (default "idle inflight")
#   PORT       the application's port (default 19180)
#   VARIANTS   which to run (default "terminator boot floor")
#   JAVA_OPTS  options of the application JVMs

set -euo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
SERVERS="$(servers "${1:-both}")"
ROUNDS="${ROUNDS:-7}"
SIZES="${SIZES:-100 1000 10000}"
QUIETS="${QUIETS:-3000 0}"
PORT="${PORT:-19180}"
VARIANTS="${VARIANTS:-terminator boot floor}"
SCENARIOS="${SCENARIOS:-idle inflight}"
drain_client

# run_once SERVER VARIANT SCENARIO...: prints "fin_ms exit_ms resets unanswered left"
run_once() {
  local server="$1" variant="$2"
  shift 2
  if [[ "$variant" == floor ]]; then
    java -cp "$CLIENT" BaselineServer "$PORT" &
    PIDS[floor]=$!
    local deadline=$((SECONDS + 30))
    until (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; do
      ((SECONDS < deadline)) || { echo "the baseline server did not start" >&2; exit 1; }
      sleep 0.1
    done
    # The same connections, without their request: the floor serves none.
    java -cp "$CLIENT" DrainClient "${PIDS[floor]}" "$PORT" quiet "${@:2}"
    wait "${PIDS[floor]}" 2>/dev/null || true
    unset "PIDS[floor]"
    return
  fi
  local args=(--server.tomcat.max-connections=20000 --server.tomcat.accept-count=20000)
  if [[ "$variant" == boot ]]; then
    args+=(--terminator.enabled=false --server.shutdown=graceful)
  fi
  start_app "$server-$variant" "$(sample_jar "$server")" "$PORT" "${args[@]}"
  java -cp "$CLIENT" DrainClient "${PIDS[$server-$variant]}" "$PORT" "$@"
  wait "${PIDS[$server-$variant]}" 2>/dev/null || true
  unset "PIDS[$server-$variant]"
}

printf '%-9s %-22s %-22s %-22s %-22s %-22s %-22s %s\n' server scenario "terminator: FIN ms" "terminator: exit ms" \
  "Boot: FIN ms" "Boot: exit ms" "floor: FIN ms" "resets/unanswered (terminator, Boot)"
for server in $SERVERS; do
  scenarios=()
  for size in $SIZES; do
    for quiet in $QUIETS; do
      scenarios+=("idle $size $quiet")
    done
  done
  [[ " $SCENARIOS " == *" idle "* ]] || scenarios=()
  [[ " $SCENARIOS " == *" inflight "* ]] && scenarios+=("inflight 10 1000 500")
  for scenario in "${scenarios[@]}"; do
    : >"$WORK/terminator.rounds"
    : >"$WORK/boot.rounds"
    : >"$WORK/floor.rounds"
    for round in $(seq 1 "$ROUNDS"); do
      order="$VARIANTS"
      if ((round % 2 == 0)); then
        order="$(tr ' ' '\n' <<<"$VARIANTS" | tac | tr '\n' ' ')"
      fi
      for variant in $order; do
        # The floor closes every socket at once: one idle case is enough of it.
        if [[ "$variant" == floor && ("$scenario" != idle* || "$scenario" == *" 0") ]]; then
          continue
        fi
        # shellcheck disable=SC2086
        result="$(run_once "$server" "$variant" $scenario)"
        log "$server, $scenario, $variant, round $round: $result (FIN ms, exit ms, resets, unanswered, left open, first FIN ms)"
        echo "$result" >>"$WORK/$variant.rounds"
      done
    done
    label="$scenario"
    [[ "$scenario" == inflight* ]] && label="in-flight, R=500ms (-R)"
    [[ "$scenario" == idle* ]] && label="$(awk '{ print $2 " idle, quiet " $3 " ms" }' <<<"$scenario")"
    printf '%-9s %-22s %-22s %-22s %-22s %-22s %-22s %s\n' "$server" "$label" \
      "$(awk '{ print $1 }' "$WORK/terminator.rounds" | spread %.0f)" \
      "$(awk '{ print $2 }' "$WORK/terminator.rounds" | spread %.0f)" \
      "$(awk '{ print $1 }' "$WORK/boot.rounds" | spread %.0f)" \
      "$(awk '{ print $2 }' "$WORK/boot.rounds" | spread %.0f)" \
      "$(awk '{ print $1 }' "$WORK/floor.rounds" | spread %.0f)" \
      "$(awk '{ r += $3; u += $4 } END { print r "/" u }' "$WORK/terminator.rounds"), $(awk '{ r += $3; u += $4 } END { print r "/" u }' "$WORK/boot.rounds")"
  done
done
