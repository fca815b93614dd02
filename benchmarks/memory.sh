#!/usr/bin/env bash
# Memory per tracked connection: the heap the starter retains for each open
# connection, on each (Spring Boot line, server) pair named.
#
#   benchmarks/memory.sh [PAIR|both|all]     (default both; pairs in lib.sh)
#
# For each variant (starter enabled, disabled) a fresh JVM of the sample
# application; its live heap (jcmd GC.class_histogram, which collects first) is
# taken with no client connection, then with N idle keep-alive connections. The
# starter's share is the growth with the starter minus the growth without it,
# divided by N: what the server itself keeps per connection cancels out. The
# rounds alternate enabled and disabled; the table shows min/median/max.
#
# Settings, from the environment:
#   ROUNDS       rounds (default 7)
#   CONNECTIONS  N (default 10000)
#   PORT         the application's port (default 19280)
#   JAVA_OPTS    options of the application JVMs

set -euo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
SERVERS="$(servers "${1:-both}")"
ROUNDS="${ROUNDS:-7}"
CONNECTIONS="${CONNECTIONS:-10000}"
PORT="${PORT:-19280}"
drain_client

live_bytes() {
  jcmd "$1" GC.class_histogram | awk '/^Total/ { print $3 }'
}

# growth SERVER VARIANT: bytes of live heap added by CONNECTIONS idle connections
growth() {
  local server="$1" enabled="$2" name="$1-$2"
  start_app "$name" "$(sample_jar "$server")" "$PORT" --terminator.enabled="$enabled" \
    --server.tomcat.max-connections=20000 --server.tomcat.accept-count=20000
  local pid="${PIDS[$name]}" before after
  # Two requests on a connection of its own first, so that what serving a connection
  # initialises once is there in both measurements.
  curl -fsS "http://127.0.0.1:$PORT/fast" "http://127.0.0.1:$PORT/fast" >/dev/null
  before="$(live_bytes "$pid")"
  coproc HOLD { java -cp "$CLIENT" DrainClient "$pid" "$PORT" hold "$CONNECTIONS"; }
  read -r ready <&"${HOLD[0]}"
  [[ "$ready" == ready ]] || { echo "the client did not get ready" >&2; exit 1; }
  after="$(live_bytes "$pid")"
  kill "$HOLD_PID" 2>/dev/null || true
  wait "$HOLD_PID" 2>/dev/null || true
  stop_app "$name"
  echo $((after - before))
}

printf '%-9s %-28s %-28s %s\n' server "growth with starter, B/conn" "growth without, B/conn" "starter's bytes per connection min/med/max"
for server in $SERVERS; do
  : >"$WORK/rounds"
  for round in $(seq 1 "$ROUNDS"); do
    if ((round % 2)); then
      on="$(growth "$server" true)"; off="$(growth "$server" false)"
    else
      off="$(growth "$server" false)"; on="$(growth "$server" true)"
    fi
    log "$server, round $round: live heap growth for $CONNECTIONS connections: enabled $on B, disabled $off B"
    echo "$on $off" >>"$WORK/rounds"
  done
  printf '%-9s %-28s %-28s %s\n' "$server" \
    "$(awk -v n="$CONNECTIONS" '{ print $1 / n }' "$WORK/rounds" | median)" \
    "$(awk -v n="$CONNECTIONS" '{ print $2 / n }' "$WORK/rounds" | median)" \
    "$(awk -v n="$CONNECTIONS" '{ print ($1 - $2) / n }' "$WORK/rounds" | spread %.0f)"
done
