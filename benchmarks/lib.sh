# Shared by the benchmark scripts: sourced, not run. Every application it starts
# listens on 127.0.0.1 only and is stopped when the script exits.

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# MetaspaceSize: the sample application ends up just under the JVM's first metaspace
# threshold, so the few classes any shutdown loads can set off a full collection
# (40-50 ms here) in one run and not the next; a long-running application has moved its
# threshold long since.
JAVA_OPTS="${JAVA_OPTS:--Xmx512m -XX:+UseParallelGC -XX:MetaspaceSize=128m}"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/terminator-benchmark.XXXXXX")"
declare -A PIDS=()

# The (Spring Boot line, server) pairs, as the scripts name them: a server's name alone is
# the pair on Spring Boot 3.5, boot4-NAME the pair on Spring Boot 4; netty is Reactor
# Netty, with the WebFlux sample.
ALL_PAIRS="tomcat undertow jetty netty boot4-tomcat boot4-jetty boot4-netty"

# servers PAIR|both|all: the pairs a script's argument names (both: Tomcat and Undertow on
# Spring Boot 3.5), or its usage.
servers() {
  local pair
  case "$1" in
    both) echo "tomcat undertow"; return ;;
    all) echo "$ALL_PAIRS"; return ;;
  esac
  for pair in $ALL_PAIRS; do
    if [[ "$1" == "$pair" ]]; then
      echo "$1"
      return
    fi
  done
  echo "usage: $0 [${ALL_PAIRS// /|}|both|all]" >&2
  exit 2
}

log() { printf '%s %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

# drain_client: raises the open-files limit for 10,000 connections and compiles
# DrainClient.java and BaselineServer.java into $CLIENT, for `java -cp "$CLIENT"`. Call
# it in the script's own shell, whose limit it raises.
drain_client() {
  ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"
  CLIENT="$WORK/DrainClient"
  javac -d "$CLIENT" "$ROOT/benchmarks/DrainClient.java" "$ROOT/benchmarks/BaselineServer.java"
}

cleanup() {
  local pid
  for pid in "${PIDS[@]:-}"; do
    if [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null; then
      kill "$pid" 2>/dev/null || true
    fi
  done
  wait 2>/dev/null || true
}
trap cleanup EXIT

# Installs a command from Debian's package of the same name if it is missing.
require_package() {
  if command -v "$1" >/dev/null; then
    return
  fi
  log "installing $1 from Debian's packages"
  local sudo=""
  if [[ "$(id -u)" != 0 ]]; then
    sudo="sudo"
  fi
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "$1" >/dev/null
}

# The sample application's jar for one pair (see servers), built once: sample-app with the
# server's profile, or sample-webflux for Reactor Netty; with the boot4 profile on Spring
# Boot 4.
sample_jar() {
  local pair="$1" cache="$ROOT/benchmarks/target/sample-$1.jar"
  local server="${pair#boot4-}" module=sample-app profiles=()
  if [[ "$pair" == boot4-* ]]; then
    profiles+=(boot4)
  fi
  if [[ "$server" == netty ]]; then
    module=sample-webflux
  else
    profiles+=("$server")
  fi
  if [[ ! -f "$cache" ]]; then
    log "building the sample application for $pair"
    # Maven keeps a packaged jar it thinks up to date, whichever profile built it.
    rm -f "$ROOT/$module"/target/*.jar "$ROOT/$module"/target/*.jar.original
    local options=(-q -pl "$module" -am package -DskipTests)
    if ((${#profiles[@]})); then
      options+=(-P"$(IFS=,; echo "${profiles[*]}")")
    fi
    (cd "$ROOT" && ./mvnw "${options[@]}") >&2
    mkdir -p "$(dirname "$cache")"
    cp "$ROOT/$module/target/terminator-$module-0.1.0-SNAPSHOT.jar" "$cache"
  fi
  local -A libraries=([tomcat]=tomcat-embed-core [undertow]=undertow-core [jetty]=jetty-server
    [netty]=reactor-netty-http)
  local entries name present wanted
  entries="$(jar tf "$cache")"
  for name in "${!libraries[@]}"; do
    present=no wanted=no
    if grep -q "^BOOT-INF/lib/${libraries[$name]}-" <<<"$entries"; then
      present=yes
    fi
    if [[ "$name" == "$server" ]]; then
      wanted=yes
    fi
    if [[ "$present" != "$wanted" ]]; then
      echo "$cache is not the sample application on $server alone: delete it and run again" >&2
      exit 1
    fi
  done
  echo "$cache"
}

# start_app NAME JAR PORT [ARG...]: starts the application and waits until it answers.
start_app() {
  local name="$1" jar="$2" port="$3"
  shift 3
  # shellcheck disable=SC2086
  java $JAVA_OPTS -jar "$jar" --server.port="$port" --server.address=127.0.0.1 \
    --logging.level.root=WARN --logging.level.io.github.terminator=INFO --spring.main.banner-mode=off "$@" \
    >"$WORK/$name.log" 2>&1 &
  PIDS[$name]=$!
  local deadline=$((SECONDS + 120))
  until curl -fsS "http://127.0.0.1:$port/fast" >/dev/null 2>&1; do
    if ((SECONDS > deadline)) || ! kill -0 "${PIDS[$name]}" 2>/dev/null; then
      echo "$name did not start; its log: $WORK/$name.log" >&2
      exit 1
    fi
    sleep 0.2
  done
}

stop_app() {
  local name="$1"
  kill "${PIDS[$name]}" 2>/dev/null || true
  wait "${PIDS[$name]}" 2>/dev/null || true
  unset "PIDS[$name]"
}

# min/median/max of the numbers on standard input, with the given printf format
spread() {
  sort -g | awk -v f="${1:-%.3f}" '{ v[NR] = $1 } END {
    if (NR == 0) { print "-"; exit }
    m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
    printf f "/" f "/" f "\n", v[1], m, v[NR] }'
}

median() {
  sort -g | awk '{ v[NR] = $1 } END { m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2; print m }'
}
