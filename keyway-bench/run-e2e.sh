#!/usr/bin/env bash
# End-to-end benchmark of the Keyway proxy against a local HTTPS upstream.
#
# Starts dev.keyway.bench.Upstream (pinned to CPU 1) and `keyway server` (pinned to CPU 0), configures
# a bearer-injecting service for localhost through the CLI, then runs dev.keyway.bench.LoadGen for each
# scenario direct and through the proxy, and prints a markdown table with ratios to direct:
#   (a) keep-alive small requests (credential injected by the proxy)
#   (b) a new connection (TCP + CONNECT + TLS) per request
#   (c) 1 MiB responses
#   (d) server-sent events: first-byte and per-event delivery latency
# Proxied runs report the proxy's CPU (utime+stime from /proc/<pid>/stat over the measured window)
# and peak RSS (VmHWM from /proc/<pid>/status).
#
# Environment (all optional):
#   DURATION=15s WARMUP=3s SSE_DURATION=8s CONCURRENCY=16   per-run timing and load
#   SSE_EVENTS=20 SSE_DELAY_MS=50                           events per stream and spacing
#   SKIP_BUILD=1        reuse keyway-bench/target/benchmarks.jar and keyway-dist/target/keyway.jar
#   MVN_FLAGS=-o        extra Maven flags (e.g. offline)
#   JAVA=/path/to/java  a JDK >= 25 (default: found automatically)
#   KEYWAY_JAVA_OPTS    JVM options for the keyway server, after the launcher's defaults from
#                       bin/server-jvm-opts.sh (e.g. -XX:+UseG1GC to compare collectors)
#   KEYWAY_JAR=path     the keyway jar to benchmark (default keyway-dist/target/keyway.jar; for A/B runs)
#   LOADGEN_CPUS=1      CPUs LoadGen is pinned to (default 1: shares a core with the upstream so the
#                       proxy has core 0 to itself, and direct/proxied runs get the same client+upstream CPU)
#   NO_PIN=1            do not pin anything
#   OUT=results.jsonl   keep the raw JSON lines here (default: inside the temp dir)
#   KEEP_TMP=1          keep the temp dir (logs, data dir) for inspection
#   SCENARIOS="a b c d" which scenarios to run (letters above; e.g. SCENARIOS=a for quick iterations)
#   ROUTES_ONLY=proxy   run only the proxied (or only the direct) route; ratios then need a direct run
#   BENCH_DATABASE_URL=postgresql://USER:PASS@HOST:PORT/DB
#                       run the keyway server as a cluster node on this (empty, throw-away) PostgreSQL
#                       database instead of its embedded SQLite file: the proxy path on the PostgreSQL
#                       store (issue 11). Same scenarios; compare with a run without it (docs/benchmarks.md)
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"

DURATION=${DURATION:-15s}
WARMUP=${WARMUP:-3s}
SSE_DURATION=${SSE_DURATION:-8s}
CONCURRENCY=${CONCURRENCY:-16}
SSE_EVENTS=${SSE_EVENTS:-20}
SSE_DELAY_MS=${SSE_DELAY_MS:-50}
SKIP_BUILD=${SKIP_BUILD:-0}
MVN_FLAGS=${MVN_FLAGS:-}
KEEP_TMP=${KEEP_TMP:-0}
SCENARIOS=${SCENARIOS:-a b c d}

log() { printf '[e2e %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

java_major() {
    "$1" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = \([0-9]*\).*/\1/p' | head -1
}

find_java() {
    local c
    for c in "${JAVA:-}" "${JAVA_HOME:+$JAVA_HOME/bin/java}" /usr/lib/jvm/temurin-25-jdk-amd64/bin/java \
             "$(command -v java || true)" /usr/lib/jvm/*/bin/java; do
        [ -n "$c" ] && [ -x "$c" ] || continue
        local v
        v=$(java_major "$c")
        if [ -n "$v" ] && [ "$v" -ge 25 ]; then
            echo "$c"
            return 0
        fi
    done
    return 1
}

JAVA=$(find_java) || die "need a JDK >= 25 (set JAVA=/path/to/bin/java)"
log "java: $JAVA ($("$JAVA" -version 2>&1 | head -1))"

PROXY_PIN=()
UPSTREAM_PIN=()
LOADGEN_PIN=()
if [ "${NO_PIN:-0}" != 1 ] && command -v taskset >/dev/null && [ "$(nproc)" -ge 2 ]; then
    PROXY_PIN=(taskset -c 0)
    UPSTREAM_PIN=(taskset -c 1)
    LOADGEN_PIN=(taskset -c "${LOADGEN_CPUS:-1}")
    log "pinning: proxy CPU 0, upstream CPU 1, loadgen CPU ${LOADGEN_CPUS:-1} (of $(nproc))"
else
    log "not pinning processes (NO_PIN=1, no taskset, or fewer than 2 CPUs)"
fi

TMP=$(mktemp -d "${TMPDIR:-/tmp}/keyway-e2e.XXXXXX")
RESULTS=${OUT:-$TMP/results.jsonl}
: > "$RESULTS"
PIDS=()
cleanup() {
    local p
    for p in "${PIDS[@]}"; do
        kill "$p" 2>/dev/null || true
    done
    for p in "${PIDS[@]}"; do
        wait "$p" 2>/dev/null || true
    done
    if [ "$KEEP_TMP" = 1 ]; then
        log "kept $TMP"
    else
        rm -rf "$TMP"
    fi
}
trap cleanup EXIT

BENCH_JAR=keyway-bench/target/benchmarks.jar
KEYWAY_JAR=${KEYWAY_JAR:-keyway-dist/target/keyway.jar}
if [ "$SKIP_BUILD" != 1 ]; then
    log "building the bench jar"
    # shellcheck disable=SC2086
    ./mvnw -B -q $MVN_FLAGS -Pbench -pl keyway-bench -am package -DskipTests
    log "building the keyway jar"
    # shellcheck disable=SC2086
    ./mvnw -B -q $MVN_FLAGS -DskipTests package -pl keyway-dist -am
fi
[ -f "$BENCH_JAR" ] || die "$BENCH_JAR is missing (run without SKIP_BUILD=1)"
[ -f "$KEYWAY_JAR" ] || die "$KEYWAY_JAR is missing (run without SKIP_BUILD=1)"

NETTY_QUIET=(-Dio.netty.leakDetection.level=disabled --enable-native-access=ALL-UNNAMED)

wait_for() { # wait_for SECONDS PID COMMAND...: poll COMMAND until it succeeds, the PID dies, or time runs out
    local deadline=$((SECONDS + $1)) pid=$2
    shift 2
    until "$@" >/dev/null 2>&1; do
        kill -0 "$pid" 2>/dev/null || return 1
        [ $SECONDS -lt $deadline ] || return 1
        sleep 0.2
    done
}

# --- upstream ---------------------------------------------------------------------------------------
"${UPSTREAM_PIN[@]}" "$JAVA" "${NETTY_QUIET[@]}" -cp "$BENCH_JAR" dev.keyway.bench.Upstream \
    --port 0 --ca-out "$TMP/upstream-ca.pem" --port-file "$TMP/upstream.port" >"$TMP/upstream.log" 2>&1 &
UPSTREAM_PID=$!
PIDS+=("$UPSTREAM_PID")
wait_for 30 "$UPSTREAM_PID" test -s "$TMP/upstream.port" || { cat "$TMP/upstream.log" >&2; die "upstream did not start"; }
UP_PORT=$(cat "$TMP/upstream.port")
log "upstream: https://localhost:$UP_PORT (pid $UPSTREAM_PID)"

# --- keyway -----------------------------------------------------------------------------------------
mkdir -p "$TMP/data"
# shellcheck disable=SC2086
# the same defaults as ./keyway server; KEYWAY_JAVA_OPTS (after them) overrides
# shellcheck source=../bin/server-jvm-opts.sh
. "$ROOT/bin/server-jvm-opts.sh"
STORE_ARGS=()
if [ -n "${BENCH_DATABASE_URL:-}" ]; then
    STORE_ARGS=(--database-url "$BENCH_DATABASE_URL" --node-name bench-1)
    log "store: PostgreSQL (cluster node bench-1; the URL's password is not logged)"
else
    log "store: embedded SQLite"
fi
"${PROXY_PIN[@]}" "$JAVA" "${KEYWAY_SERVER_JVM_OPTS[@]}" ${KEYWAY_JAVA_OPTS:-} -jar "$KEYWAY_JAR" server --data-dir "$TMP/data" \
    --api-addr 127.0.0.1:0 --proxy-addr 127.0.0.1:0 --allow-private-upstreams \
    --upstream-ca "$TMP/upstream-ca.pem" ${STORE_ARGS[@]+"${STORE_ARGS[@]}"} >"$TMP/keyway.log" 2>&1 &
KW_PID=$!
PIDS+=("$KW_PID")
PROXY_OK=1
if ! wait_for 90 "$KW_PID" grep -q 'Proxy:' "$TMP/keyway.log"; then
    log "keyway server did not start; its log:"
    sed 's/^/    /' "$TMP/keyway.log" >&2
    PROXY_OK=0
fi

kw() { KEYWAY_ADDR="http://127.0.0.1:$API_PORT" KEYWAY_HOME="$TMP/data" "$JAVA" -jar "$KEYWAY_JAR" "$@"; }

TOKEN=""
if [ "$PROXY_OK" = 1 ]; then
    API_PORT=$(sed -n 's#.*API: *http://[^ ]*:\([0-9][0-9]*\).*#\1#p' "$TMP/keyway.log" | head -1)
    PROXY_PORT=$(sed -n 's#.*Proxy: *http://[^ ]*:\([0-9][0-9]*\).*#\1#p' "$TMP/keyway.log" | head -1)
    [ -n "$API_PORT" ] && [ -n "$PROXY_PORT" ] || die "cannot read the ports from $TMP/keyway.log"
    log "keyway: API 127.0.0.1:$API_PORT, proxy 127.0.0.1:$PROXY_PORT (pid $KW_PID)"
    # a 51-byte key, like an OpenAI project key
    printf 'sk-bench-%s' "$(head -c 64 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' | head -c 42)" > "$TMP/bench-key.txt"
    if kw credential set BENCH_KEY --from-file "$TMP/bench-key.txt" >&2 \
        && kw service add bench --host localhost --allow-private --bearer BENCH_KEY >&2 \
        && TOKEN=$(kw token create) \
        && kw ca export -o "$TMP/keyway-ca.pem" >&2; then
        log "configured service 'bench' (bearer BENCH_KEY) for localhost and minted a proxy token"
    else
        log "configuring keyway through the CLI failed: running the direct scenarios only"
        PROXY_OK=0
    fi
fi

CLK_TCK=$(getconf CLK_TCK 2>/dev/null || echo 100)
loadgen() { # loadgen LABEL direct|proxy ARGS...
    local label=$1 route=$2
    shift 2
    local args=(--label "$label" --concurrency "$CONCURRENCY" --warmup "$WARMUP" --duration "$DURATION"
                --ca "$TMP/upstream-ca.pem" --json-out "$RESULTS" --clk-tck "$CLK_TCK")
    if [ "$route" = proxy ]; then
        args+=(--proxy "127.0.0.1:$PROXY_PORT" --proxy-auth "$TOKEN:default" --ca "$TMP/keyway-ca.pem"
               --sample-pid "$KW_PID")
    fi
    "${LOADGEN_PIN[@]}" "$JAVA" "${NETTY_QUIET[@]}" -cp "$BENCH_JAR" dev.keyway.bench.LoadGen "${args[@]}" "$@" \
        | grep -v '^{' >&2 || true
}

TARGET="https://localhost:$UP_PORT"

if [ "$PROXY_OK" = 1 ]; then
    # preflight: one connection for 4 s (the first request mints a leaf and warms everything up); a proxy that does not intercept or inject yet is reported
    # here instead of producing 20 s of errors per scenario
    log "preflight through the proxy"
    PRE="$TMP/preflight.jsonl"
    "$JAVA" "${NETTY_QUIET[@]}" -cp "$BENCH_JAR" dev.keyway.bench.LoadGen --label preflight \
        --target "$TARGET/small" --proxy "127.0.0.1:$PROXY_PORT" --proxy-auth "$TOKEN:default" \
        --ca "$TMP/keyway-ca.pem" --ca "$TMP/upstream-ca.pem" --concurrency 1 --warmup 2s --duration 2s \
        --expect-auth --json-out "$PRE" 2>&1 | grep -E '^(requests|errors| +first)' >&2 || true
    if ! grep -q '"requests":[1-9]' "$PRE" 2>/dev/null; then
        log "no successful injected request through the proxy (see errors above; proxy log: $TMP/keyway.log)."
        log "running the direct scenarios only; rerun on a branch where interception works"
        PROXY_OK=0
    fi
fi

want() { case " $SCENARIOS " in *" $1 "*) return 0 ;; esac; return 1; }
ROUTES=()
[ "${ROUTES_ONLY:-}" != proxy ] && ROUTES+=(direct)
[ "$PROXY_OK" = 1 ] && [ "${ROUTES_ONLY:-}" != direct ] && ROUTES+=(proxy)
for route in "${ROUTES[@]}"; do
    extra=()
    [ "$route" = proxy ] && extra=(--expect-auth)
    if want a; then
        log "(a) keep-alive small, $route"
        loadgen "keepalive small" "$route" --target "$TARGET/small" --mode keepalive "${extra[@]}"
    fi
    if want b; then
        log "(b) new connection per request, $route"
        loadgen "newconn small" "$route" --target "$TARGET/small" --mode newconn "${extra[@]}"
    fi
    if want c; then
        log "(c) 1 MiB responses, $route"
        loadgen "keepalive 1MiB" "$route" --target "$TARGET/1m" --mode keepalive "${extra[@]}"
    fi
    if want d; then
        log "(d) SSE $SSE_EVENTS events every ${SSE_DELAY_MS} ms, $route"
        DURATION=$SSE_DURATION loadgen "sse" "$route" --target "$TARGET/sse?n=$SSE_EVENTS&delay=$SSE_DELAY_MS" \
            --mode keepalive "${extra[@]}"
    fi
done

echo
echo "## Keyway end-to-end results ($(date -u +%Y-%m-%dT%H:%MZ))"
echo
echo "$(nproc) CPUs ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')), $("$JAVA" -version 2>&1 | head -1)."
echo "Concurrency $CONCURRENCY, warm-up $WARMUP, measured $DURATION per run (SSE $SSE_DURATION);"
echo "proxy pinned to CPU 0, upstream to CPU 1, loadgen to CPU ${LOADGEN_CPUS:-1} (unless NO_PIN=1)."
[ "$PROXY_OK" = 1 ] || echo "**Proxied runs skipped: the proxy did not intercept and inject (see the log above).**"
echo
"$JAVA" -cp "$BENCH_JAR" dev.keyway.bench.Report "$RESULTS"
