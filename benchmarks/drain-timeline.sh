#!/usr/bin/env bash
# A drain's timeline as a picture: connections open, requests in flight and requests
# failed, every 5 ms from SIGTERM to the process's exit, as clients see them, with
# terminator and with Spring Boot's own graceful shutdown (terminator.enabled=false,
# server.shutdown=graceful), on the same application and the same load: 200 keep-alive
# connections gone quiet, 16 pooled clients sending GET /fast back to back, 8 requests
# of 1.5 s in flight (TimelineClient.java). Draws docs/drain-timeline.svg.
#
#   benchmarks/drain-timeline.sh [tomcat|undertow]     (default tomcat)
#
# Settings, from the environment: PORT (default 19190), JAVA_OPTS, and the client's
# -Didle, -Dbusy, -Dslow through CLIENT_OPTS.

set -euo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
SERVER="$(servers "${1:-tomcat}")"
PORT="${PORT:-19190}"
OUT="$ROOT/docs/drain-timeline.svg"

for variant in terminator boot; do
  args=()
  if [[ "$variant" == boot ]]; then
    args+=(--terminator.enabled=false --server.shutdown=graceful)
  fi
  start_app "$variant" "$(sample_jar "$SERVER")" "$PORT" "${args[@]}"
  log "$variant: $(java ${CLIENT_OPTS:-} "$ROOT/benchmarks/TimelineClient.java" record "${PIDS[$variant]}" "$PORT" "$WORK/$variant.csv")"
  wait "${PIDS[$variant]}" 2>/dev/null || true
  unset "PIDS[$variant]"
done
java "$ROOT/benchmarks/TimelineClient.java" render "$OUT" \
  "SIGTERM under load, sample application on $SERVER, $(date -u +%Y-%m-%d)" \
  "$WORK/terminator.csv" "terminator (defaults)" \
  "$WORK/boot.csv" "Spring Boot alone (server.shutdown=graceful)"
log "drew $OUT"
