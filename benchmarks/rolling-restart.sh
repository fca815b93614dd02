#!/usr/bin/env bash
# Rolling restart behind HAProxy: three instances of the sample application on
# loopback, HAProxy in front of them checking each one's readiness probe, and
# keep-alive clients sending requests through HAProxy while each instance is
# stopped (SIGTERM) and started again in turn. Prints the number of requests and
# every failure a client saw.
#
#   benchmarks/rolling-restart.sh [enabled|disabled|both]
#
#   enabled   (default) the starter on, with terminator.drain-delay=$DRAIN_DELAY;
#             exits 1 if any request failed
#   disabled  the starter off (terminator.enabled=false): Spring Boot's own
#             graceful shutdown, for comparison; its failures do not fail the run
#   both      disabled, then enabled, and a summary of the two
#
# Needs java 17 and the sample application's jar (built from this repository
# if missing); installs HAProxy from Debian's packages if it is not there.
# Every process it starts listens on, or connects to, 127.0.0.1 only, and every
# loop in it is bounded in time.
#
# Settings, from the environment:
#   DRAIN_DELAY      terminator.drain-delay of the instances (default 3s: HAProxy
#                    sees an instance down within CHECK_INTER x CHECK_FALL plus
#                    one check, 1 s to 1.5 s here)
#   CHECK_INTER      HAProxy's interval between two health checks (default 500ms)
#   CHECK_FALL       failed checks before HAProxy takes an instance out (default 2)
#   CLIENTS          keep-alive clients sending GET /fast (default 8)
#   SLOW_CLIENTS     keep-alive clients sending GET /slow?millis=300 (default 2)
#   THINK_MILLIS     pause of a client between two requests (default 5)
#   SETTLE_SECONDS   load before the first and after the last restart (default 5)
#   BASE_PORT        HAProxy listens on BASE_PORT, its stats on BASE_PORT+9, the
#                    instances on BASE_PORT+1..3 and their management servers on
#                    BASE_PORT+101..103 (default 18080)
#   JAR              the sample application's jar (default: built on Tomcat into
#                    benchmarks/target/, as the other benchmarks do)
#   JAVA_OPTS        options of the instances' JVMs

set -euo pipefail

MODE="${1:-enabled}"
case "$MODE" in
  enabled|disabled|both) ;;
  *) echo "usage: $0 [enabled|disabled|both]" >&2; exit 2 ;;
esac

JAVA_OPTS="${JAVA_OPTS:--Xmx256m -XX:+UseSerialGC -XX:TieredStopAtLevel=1}"
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
DRAIN_DELAY="${DRAIN_DELAY:-3s}"
CHECK_INTER="${CHECK_INTER:-500ms}"
CHECK_FALL="${CHECK_FALL:-2}"
CLIENTS="${CLIENTS:-8}"
SLOW_CLIENTS="${SLOW_CLIENTS:-2}"
THINK_MILLIS="${THINK_MILLIS:-5}"
SETTLE_SECONDS="${SETTLE_SECONDS:-5}"
BASE_PORT="${BASE_PORT:-18080}"
JAR="${JAR:-}"
INSTANCES=3
FRONT_PORT="$BASE_PORT"
STATS_PORT=$((BASE_PORT + 9))
STOP_WAIT_SECONDS=60
START_WAIT_SECONDS=120

declare -a APP_PIDS=()
HAPROXY_PID=""
CLIENT_PID=""

# lib.sh's log and cleanup, redefined: this script reports to standard output, in ms,
# and has its own processes to stop.
log() { printf '%s %s\n' "$(date +%H:%M:%S.%3N)" "$*"; }

cleanup() {
  local pid
  for pid in "$CLIENT_PID" "$HAPROXY_PID" "${APP_PIDS[@]:-}"; do
    if [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null; then
      kill "$pid" 2>/dev/null || true
    fi
  done
  wait 2>/dev/null || true
}
trap cleanup EXIT

app_port() { echo $((BASE_PORT + $1)); }
management_port() { echo $((BASE_PORT + 100 + $1)); }

require_free_ports() {
  local port
  for port in "$FRONT_PORT" "$STATS_PORT" $(for i in $(seq 1 $INSTANCES); do app_port "$i"; management_port "$i"; done); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      echo "port $port on 127.0.0.1 is in use: set BASE_PORT to another range" >&2
      exit 2
    fi
  done
}

start_haproxy() {
  local servers="" i
  for i in $(seq 1 $INSTANCES); do
    servers+="    server app$i 127.0.0.1:$(app_port "$i") check port $(management_port "$i")"$'\n'
  done
  cat >"$WORK/haproxy.cfg" <<EOF
global
    maxconn 2000
    log stdout format raw local0 info

defaults
    mode http
    log global
    option httplog
    # Logs only requests that went wrong: those are the ones to explain.
    option dontlog-normal
    timeout connect 2s
    timeout client 30s
    timeout server 30s
    timeout http-keep-alive 30s
    # HAProxy's defaults: no retry of a request once sent, no redispatch.
    retries 3

frontend app
    bind 127.0.0.1:$FRONT_PORT
    default_backend instances

backend instances
    balance roundrobin
    option httpchk GET /actuator/health/readiness
    http-check expect status 200
    default-server inter $CHECK_INTER fall $CHECK_FALL rise 2
$servers
listen stats
    bind 127.0.0.1:$STATS_PORT
    stats enable
    stats uri /stats
EOF
  haproxy -c -q -f "$WORK/haproxy.cfg"
  haproxy -db -f "$WORK/haproxy.cfg" >"$WORK/haproxy.log" 2>&1 &
  HAPROXY_PID=$!
}

# Starts instance $1 with the starter enabled or not ($2).
start_instance() {
  local i="$1" enabled="$2"
  # shellcheck disable=SC2086
  java $JAVA_OPTS -jar "$JAR" \
    --server.port="$(app_port "$i")" \
    --server.address=127.0.0.1 \
    --management.server.port="$(management_port "$i")" \
    --management.server.address=127.0.0.1 \
    --management.endpoint.health.probes.enabled=true \
    --management.endpoints.web.exposure.include=health \
    --terminator.enabled="$enabled" \
    --terminator.drain-delay="$DRAIN_DELAY" \
    --spring.main.banner-mode=off \
    >>"$WORK/app$i.log" 2>&1 &
  APP_PIDS[$i]=$!
}

# Waits until instance $1 answers its readiness probe, then until HAProxy routes to it.
await_ready() {
  local i="$1" deadline=$((SECONDS + START_WAIT_SECONDS))
  until curl -fsS -o /dev/null "http://127.0.0.1:$(management_port "$i")/actuator/health/readiness" 2>/dev/null; do
    if ((SECONDS > deadline)) || ! kill -0 "${APP_PIDS[$i]}" 2>/dev/null; then
      log "instance $i did not become ready; its log:"
      tail -n 40 "$WORK/app$i.log"
      exit 1
    fi
    sleep 0.2
  done
  until [[ "$(haproxy_status "$i")" == UP ]]; do
    if ((SECONDS > deadline)); then
      log "HAProxy did not take instance $i in"
      exit 1
    fi
    sleep 0.2
  done
}

haproxy_status() {
  curl -fsS "http://127.0.0.1:$STATS_PORT/stats;csv" 2>/dev/null | awk -F, -v name="app$1" '$2 == name { print $18 }' || true
}

# Sends SIGTERM to instance $1 and waits for it to exit.
stop_instance() {
  local i="$1" pid="${APP_PIDS[$1]}" deadline=$((SECONDS + STOP_WAIT_SECONDS))
  local started=$EPOCHREALTIME seen
  seen=$(wc -l <"$WORK/app$i.log")
  kill -TERM "$pid"
  while kill -0 "$pid" 2>/dev/null; do
    if ((SECONDS > deadline)); then
      log "instance $i did not stop in ${STOP_WAIT_SECONDS}s"
      exit 1
    fi
    sleep 0.05
  done
  wait "$pid" 2>/dev/null || true
  log "instance $i stopped in $(awk -v a="$started" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }') s"
  # The starter's one line about this termination, when it ran.
  tail -n +$((seen + 1)) "$WORK/app$i.log" | grep "Termination " | sed 's/^.*Termination /    Termination /' || true
}

# Runs the whole scenario with the starter enabled or not ($1); prints the clients' report.
run_scenario() {
  local enabled="$1" i
  local stop_file="$WORK/stop-clients-$enabled"
  log "scenario: terminator.enabled=$enabled, drain-delay=$DRAIN_DELAY, HAProxy checks every $CHECK_INTER, down after $CHECK_FALL failures"
  for i in $(seq 1 $INSTANCES); do
    start_instance "$i" "$enabled"
  done
  for i in $(seq 1 $INSTANCES); do
    await_ready "$i"
  done
  log "3 instances up; load: $CLIENTS clients on /fast, $SLOW_CLIENTS on /slow?millis=300"
  java "$ROOT/benchmarks/LoadClient.java" "$FRONT_PORT" "$stop_file" \
    --clients "$CLIENTS" --slow-clients "$SLOW_CLIENTS" --think-millis "$THINK_MILLIS" \
    --max-seconds 900 >"$WORK/clients-$enabled.txt" 2>&1 &
  CLIENT_PID=$!
  sleep "$SETTLE_SECONDS"
  for i in $(seq 1 $INSTANCES); do
    log "restarting instance $i"
    stop_instance "$i"
    start_instance "$i" "$enabled"
    await_ready "$i"
    log "instance $i back in HAProxy"
  done
  sleep "$SETTLE_SECONDS"
  touch "$stop_file"
  local status=0
  wait "$CLIENT_PID" || status=$?
  CLIENT_PID=""
  log "load stopped; stopping the instances"
  for i in $(seq 1 $INSTANCES); do
    stop_instance "$i" >/dev/null
  done
  echo
  echo "=== terminator.enabled=$enabled ==="
  cat "$WORK/clients-$enabled.txt"
  echo
  return "$status"
}

require_free_ports
require_package haproxy
if [[ -z "$JAR" ]]; then
  JAR="$(sample_jar tomcat)"
fi
start_haproxy
log "HAProxy on 127.0.0.1:$FRONT_PORT, stats on 127.0.0.1:$STATS_PORT/stats; logs in $WORK"

result=0
case "$MODE" in
  enabled) run_scenario true || result=$? ;;
  disabled) run_scenario false || true ;;
  both)
    run_scenario false || true
    run_scenario true || result=$?
    echo "=== summary ==="
    for enabled in false true; do
      printf 'terminator.enabled=%-5s %s, %s\n' "$enabled" \
        "$(grep '^requests:' "$WORK/clients-$enabled.txt")" "$(grep '^failures:' "$WORK/clients-$enabled.txt")"
    done
    ;;
esac
echo "HAProxy's log (servers going down and up, requests that went wrong): $WORK/haproxy.log"
grep -F '"GET ' "$WORK/haproxy.log" | sed 's/^/  /' || true
exit "$result"
