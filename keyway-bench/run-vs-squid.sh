#!/usr/bin/env bash
# Side-by-side benchmark, measured the way a user would see it: the same nginx HTTPS upstream on
# loopback reached
#   direct        client -> nginx, sending the real credential itself
#   squid         client -> squid-openssl ssl-bump (bump all, its own CA) -> nginx; squid replaces the
#                 client's placeholder `Authorization: Bearer ...` with the real one
#   keyway-disk   client -> Keyway (the built jar started by ./keyway with the launcher's default JVM
#                 options, data dir and so audit log on the real disk) -> nginx; Keyway injects the bearer
#   keyway-tmpfs  the same with the data dir on tmpfs (/dev/shm)
#   keyway-tmpfs-noredact  keyway-tmpfs with `--no-redact-responses` on the service (not in the default
#                 list): the cost of scanning responses for echoed secrets, which is on by default
#   keyway-tmpfs-c1  keyway-tmpfs with -XX:TieredStopAtLevel=1 (C1 only; not in the default list): the
#                 memory/CPU trade of the JIT for the RSS target
#   keyway-tmpfs-linked  keyway-tmpfs with the credential *linked* to a HashiCorp Vault KV v2 source (a
#                 small fake of Vault's HTTP API the script starts, over TLS) instead of stored: a cached
#                 linked value must cost the request path nothing (not in the default list)
#   keyway-tmpfs-pg  keyway-tmpfs on a PostgreSQL database (BENCH_DATABASE_URL, or a throw-away cluster the
#                 script starts with the Debian postgresql package) instead of SQLite: the request path
#                 does no database I/O, so it must not matter (not in the default list)
#   keyway-tmpfs-pg-noship  keyway-tmpfs-pg with audit shipping refused by its database (a trigger): the
#                 request path on the PostgreSQL store without the node's background shipping (not in the
#                 default list; an A/B, not a configuration anyone should run)
#   keyway-pg-2nodes  two Keyway nodes of one cluster on a throw-away PostgreSQL database behind HAProxy
#                 (TCP, round robin), all on CPU 0: what a 2-node cluster costs on this machine (not in the
#                 default list; needs haproxy; its audit columns are node n1's only)
# with the same load client (dev.keyway.bench.LoadGen: Netty, HTTP CONNECT, keep-alive, full TLS
# verification, latency percentiles), the proxy pinned to CPU 0 and client + nginx to CPU 1, in
# interleaved rounds (the order of the systems rotates every round). nginx answers 200 only when the
# Authorization header it received equals the real credential (403 otherwise), and the client counts
# every non-200 and every response without nginx's `X-Upstream-Auth: bearer` as an error.
#
# Scenarios: a) keep-alive small responses, b) new connection (CONNECT + full TLS handshake) per
# request, c) 1 MiB keep-alive responses. Proxy CPU is utime+stime of the whole process tree from
# /proc over the measured window; peak RSS is VmHWM of the tree during the run (reset before each run).
#
# Needs (Debian): nginx-light, squid-openssl, openssl, util-linux (taskset). Run as root or as a user
# allowed to run squid and nginx on unprivileged ports.
#
# Environment (all optional):
#   ROUNDS=3 DURATION=10s WARMUP=5s CONCURRENCY=16
#   SCENARIOS="a b c"                                 which scenarios
#   SYSTEMS="direct squid keyway-disk keyway-tmpfs"   which systems
#   SKIP_BUILD=1      reuse keyway-bench/target/benchmarks.jar and keyway-dist/target/keyway.jar
#   MVN_FLAGS=-o      extra Maven flags
#   DISK_DIR=dir      where keyway-disk's data dir goes (default: a temp dir under /var/tmp: the real disk)
#   KEYWAY_JAVA_OPTS  extra JVM options for Keyway, after the launcher's defaults (for A/B runs)
#   OUT_DIR=dir       where the raw results go (default keyway-bench/results/<UTC timestamp>)
#   KEEP_TMP=1        keep the temp dirs (configs, logs)
#   PROFILE_KEYWAY=D  after the rounds, profile one more keyway-disk keep-alive run (perf + JFR) into dir D
#   ROUNDS=0 PROFILE_KEYWAY=D SYSTEMS=keyway-disk   only that profile
#   PROFILE_SYSTEM=S  profile that Keyway system instead of keyway-disk
#   PROFILE_SCENARIO=S  profile scenario b (new connection) or c (1 MiB) instead of keep-alive small (a)
#   SYSCALLS=1        after the rounds, one more keep-alive run per proxy counted by `perf stat`: system
#                     calls by kind and context switches per request (syscalls.tsv)
#   NMT=1             after the rounds, the JVM's native memory summary of each Keyway (nmt-SYSTEM.txt); run with
#                     KEYWAY_JAVA_OPTS=-XX:NativeMemoryTracking=summary
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"

ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-10s}
WARMUP=${WARMUP:-5s}
CONCURRENCY=${CONCURRENCY:-16}
SCENARIOS=${SCENARIOS:-a b c}
SYSTEMS=${SYSTEMS:-direct squid keyway-disk keyway-tmpfs}
SKIP_BUILD=${SKIP_BUILD:-0}
MVN_FLAGS=${MVN_FLAGS:-}
KEEP_TMP=${KEEP_TMP:-0}

log() { printf '[vs-squid %s] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

# --- prerequisites: fail clearly, before building anything ----------------------------------------
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
SQUID=$(command -v squid || echo /usr/sbin/squid)
CERTGEN=/usr/lib/squid/security_file_certgen
missing=()
[ -x "$NGINX" ] || missing+=("nginx (Debian package nginx-light)")
if [ ! -x "$SQUID" ] || [ ! -x "$CERTGEN" ] || ! "$SQUID" -v 2>/dev/null | grep -q -- '--with-openssl'; then
    missing+=("squid with ssl-bump (Debian package squid-openssl)")
fi
command -v openssl >/dev/null || missing+=("openssl")
command -v taskset >/dev/null || missing+=("taskset (util-linux)")
if [ ${#missing[@]} -gt 0 ]; then
    die "missing: ${missing[*]}. Install them, e.g. apt-get install nginx-light squid-openssl openssl util-linux"
fi
[ "$(nproc)" -ge 2 ] || die "needs at least 2 CPUs (proxy on CPU 0, client and nginx on CPU 1)"

java_major() {
    "$1" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = \([0-9]*\).*/\1/p' | head -1
}
JAVA=""
for c in "${JAVA:-}" "${JAVA_HOME:+$JAVA_HOME/bin/java}" /usr/lib/jvm/temurin-25-jdk-amd64/bin/java "$(command -v java || true)"; do
    [ -n "$c" ] && [ -x "$c" ] || continue
    v=$(java_major "$c")
    if [ -n "$v" ] && [ "$v" -ge 25 ]; then JAVA=$c; break; fi
done
[ -n "$JAVA" ] || die "need a JDK >= 25 (set JAVA_HOME)"

BENCH_JAR=keyway-bench/target/benchmarks.jar
KEYWAY_JAR=keyway-dist/target/keyway.jar
if [ "$SKIP_BUILD" != 1 ]; then
    log "building the bench jar and the keyway jar"
    # shellcheck disable=SC2086
    JAVA_HOME=$(dirname "$(dirname "$JAVA")") ./mvnw -B -q $MVN_FLAGS -Pbench -pl keyway-bench,keyway-dist -am package -DskipTests
fi
[ -f "$BENCH_JAR" ] || die "$BENCH_JAR is missing (run without SKIP_BUILD=1)"
[ -f "$KEYWAY_JAR" ] || die "$KEYWAY_JAR is missing (run without SKIP_BUILD=1)"

STAMP=$(date -u +%Y%m%dT%H%MZ)
OUT_DIR=${OUT_DIR:-$ROOT/keyway-bench/results/$STAMP}
mkdir -p "$OUT_DIR"
RESULTS=$OUT_DIR/results.jsonl
LOADLOG=$OUT_DIR/load.tsv
: > "$RESULTS"
printf 'round\tscenario\tsystem\tstart_utc\tload1_before\tload1_after\n' > "$LOADLOG"

TMP=$(mktemp -d /tmp/keyway-vs-squid.XXXXXX)
SHM=$(mktemp -d /dev/shm/keyway-vs-squid.XXXXXX)
DISK=${DISK_DIR:-$(mktemp -d /var/tmp/keyway-vs-squid.XXXXXX)}
chmod 755 "$TMP"
PIDS=()
cleanup() {
    local p
    for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
    for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
    if [ -n "${PG_DIR:-}" ]; then
        runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m immediate stop >/dev/null 2>&1 || true
        rm -rf "$PG_DIR"
    fi
    if [ "$KEEP_TMP" = 1 ]; then
        log "kept $TMP $SHM $DISK"
    else
        rm -rf "$TMP" "$SHM"
        [ -n "${DISK_DIR:-}" ] || rm -rf "$DISK"
    fi
}
trap cleanup EXIT

free_port() {
    local p
    while :; do
        p=$((20000 + RANDOM % 30000))
        if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then echo "$p"; return; fi
    done
}
wait_for() { # wait_for SECONDS PID COMMAND...: poll COMMAND until it succeeds, the PID dies, or time runs out
    local deadline=$((SECONDS + $1)) pid=$2
    shift 2
    until "$@" >/dev/null 2>&1; do
        kill -0 "$pid" 2>/dev/null || return 1
        [ $SECONDS -lt $deadline ] || return 1
        sleep 0.1
    done
}
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# the real credential (a 51-byte key like an OpenAI project key) and the placeholder agents send
REAL="sk-bench-$(head -c 64 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' | head -c 42)"
PLACEHOLDER="sk-placeholder-not-a-key"
printf '%s' "$REAL" > "$TMP/real-key.txt"

# --- certificates: the upstream's CA and leaf (localhost), squid's CA --------------------------------
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj "/CN=bench upstream CA" \
    -keyout "$TMP/upstream-ca.key" -out "$TMP/upstream-ca.pem" -addext "basicConstraints=critical,CA:true" \
    -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=localhost" \
    -keyout "$TMP/nginx.key" -out "$TMP/nginx.csr" 2>/dev/null
printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n' > "$TMP/leaf.ext"
openssl x509 -req -in "$TMP/nginx.csr" -CA "$TMP/upstream-ca.pem" -CAkey "$TMP/upstream-ca.key" -CAcreateserial \
    -days 2 -extfile "$TMP/leaf.ext" -out "$TMP/nginx.pem" 2>/dev/null
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=bench squid CA" \
    -keyout "$TMP/squid-ca.key" -out "$TMP/squid-ca.pem" -addext "basicConstraints=critical,CA:true" \
    -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
chmod 644 "$TMP"/*.pem "$TMP"/*.key

# --- nginx (CPU 1) -----------------------------------------------------------------------------------
NGINX_PORT=$(free_port)
mkdir -p "$TMP/www" "$TMP/nginx-tmp"
head -c 1048576 /dev/urandom > "$TMP/www/1m"
chmod -R a+rX "$TMP/www"
cat > "$TMP/nginx.conf" <<EOF
worker_processes 1;
daemon off;
pid $TMP/nginx.pid;
error_log $TMP/nginx-error.log warn;
events { worker_connections 4096; }
http {
    access_log off;
    client_body_temp_path $TMP/nginx-tmp/body;
    proxy_temp_path $TMP/nginx-tmp/proxy;
    fastcgi_temp_path $TMP/nginx-tmp/fastcgi;
    uwsgi_temp_path $TMP/nginx-tmp/uwsgi;
    scgi_temp_path $TMP/nginx-tmp/scgi;
    keepalive_requests 100000000;
    keepalive_timeout 300s;
    sendfile on;
    default_type application/octet-stream;
    map_hash_bucket_size 128;
    map \$http_authorization \$kw_auth_ok {
        default 0;
        "Bearer $REAL" 1;
    }
    server {
        listen 127.0.0.1:$NGINX_PORT ssl;
        server_name localhost;
        ssl_certificate $TMP/nginx.pem;
        ssl_certificate_key $TMP/nginx.key;
        ssl_protocols TLSv1.2 TLSv1.3;
        location = /small {
            if (\$kw_auth_ok = 0) { return 403 "wrong or missing credential\n"; }
            add_header X-Upstream-Auth bearer;
            default_type text/plain;
            return 200 "ok\n";
        }
        location = /1m {
            if (\$kw_auth_ok = 0) { return 403 "wrong or missing credential\n"; }
            add_header X-Upstream-Auth bearer;
            root $TMP/www;
        }
    }
}
EOF
taskset -c 1 "$NGINX" -c "$TMP/nginx.conf" -p "$TMP" -e "$TMP/nginx-error.log" >"$TMP/nginx.out" 2>&1 &
NGINX_PID=$!
PIDS+=("$NGINX_PID")
wait_for 10 "$NGINX_PID" port_open "$NGINX_PORT" || { cat "$TMP/nginx.out" "$TMP/nginx-error.log" >&2; die "nginx did not start"; }
log "nginx: https://localhost:$NGINX_PORT (pid $NGINX_PID, $("$NGINX" -v 2>&1 | sed 's/.*: //'))"
TARGET="https://localhost:$NGINX_PORT"

# --- squid ssl-bump (CPU 0) --------------------------------------------------------------------------
SQUID_PID=""
if [[ " $SYSTEMS " == *" squid "* ]]; then
    SQUID_PORT=$(free_port)
    mkdir -p "$TMP/squid"
    "$CERTGEN" -c -s "$TMP/squid/ssl_db" -M 16MB >/dev/null
    SQUID_USER=""
    if [ "$(id -u)" = 0 ]; then
        SQUID_USER=proxy
        id proxy >/dev/null 2>&1 || SQUID_USER=nobody
        chown -R "$SQUID_USER" "$TMP/squid"
    fi
    cat > "$TMP/squid.conf" <<EOF
http_port 127.0.0.1:$SQUID_PORT ssl-bump tls-cert=$TMP/squid-ca.pem tls-key=$TMP/squid-ca.key generate-host-certificates=on dynamic_cert_mem_cache_size=16MB
sslcrtd_program $CERTGEN -s $TMP/squid/ssl_db -M 16MB
sslcrtd_children 4 startup=1 idle=1
ssl_bump bump all
tls_outgoing_options cafile=$TMP/upstream-ca.pem
acl bench_client src 127.0.0.1
http_access allow bench_client
http_access deny all
request_header_access Authorization deny all
request_header_replace Authorization Bearer $REAL
cache deny all
access_log none
cache_log $TMP/squid/cache.log
pid_filename $TMP/squid/squid.pid
coredump_dir $TMP/squid
via off
forwarded_for delete
shutdown_lifetime 1 seconds
max_filedescriptors 8192
${SQUID_USER:+cache_effective_user $SQUID_USER}
EOF
    taskset -c 0 "$SQUID" -N -f "$TMP/squid.conf" >"$TMP/squid.out" 2>&1 &
    SQUID_PID=$!
    PIDS+=("$SQUID_PID")
    wait_for 20 "$SQUID_PID" port_open "$SQUID_PORT" || { cat "$TMP/squid.out" "$TMP/squid/cache.log" >&2; die "squid did not start"; }
    log "squid: 127.0.0.1:$SQUID_PORT (pid $SQUID_PID, $("$SQUID" -v | head -1))"
fi

# --- keyway (CPU 0), started by the launcher with its default server JVM options ------------------
declare -A KW_PID KW_PORT KW_TOKEN KW_METRICS
start_keyway() { # start_keyway NAME DATA_DIR [SERVICE-ADD-FLAGS...]   (EXTRA_OPTS=... for this one only)
    local name=$1 data=$2 api proxy metrics
    shift 2
    mkdir -p "$data"
    api=$(free_port)
    proxy=$(free_port)
    metrics=$(free_port)
    # shellcheck disable=SC2086
    KEYWAY_NO_REBUILD=1 KEYWAY_JAVA="$JAVA" KEYWAY_JAVA_OPTS="${KEYWAY_JAVA_OPTS:-} ${EXTRA_OPTS:-}" taskset -c 0 ./keyway server \
        --data-dir "$data" --api-addr "127.0.0.1:$api" --proxy-addr "127.0.0.1:$proxy" --metrics-addr "127.0.0.1:$metrics" --allow-private-upstreams ${SERVER_EXTRA:-} \
        --upstream-ca "$TMP/upstream-ca.pem" >"$TMP/$name.log" 2>&1 &
    local pid=$!
    PIDS+=("$pid")
    wait_for 60 "$pid" port_open "$proxy" || { cat "$TMP/$name.log" >&2; die "$name did not start"; }
    kw() { KEYWAY_NO_REBUILD=1 KEYWAY_JAVA="$JAVA" KEYWAY_ADDR="http://127.0.0.1:$api" KEYWAY_HOME="$data" ./keyway "$@"; }
    if [ "${LINKED:-0}" = 1 ]; then   # the value lives in the (fake) Vault; Keyway fetches and caches it
        kw source add bench-vault --type hashicorp-vault --vault-addr "https://localhost:$VAULT_PORT" \
            --ca-file "$TMP/upstream-ca.pem" --token-file "$TMP/vault-token" >&2
        kw credential link BENCH_KEY --source bench-vault --ref secret/bench#key --ttl 5m >&2
    else
        kw credential set BENCH_KEY --from-file "$TMP/real-key.txt" >&2
    fi
    kw service add bench --host localhost --allow-private --bearer BENCH_KEY "$@" >&2
    KW_TOKEN[$name]=$(kw token create)
    kw ca export -o "$TMP/$name-ca.pem" >&2
    KW_PID[$name]=$pid
    KW_PORT[$name]=$proxy
    KW_METRICS[$name]=$metrics
    log "$name: proxy 127.0.0.1:$proxy, data dir $data ($(df --output=fstype "$data" | tail -1)), pid $pid"
}
[[ " $SYSTEMS " == *" keyway-disk "* ]] && start_keyway keyway-disk "$DISK/data"
[[ " $SYSTEMS " == *" keyway-tmpfs "* ]] && start_keyway keyway-tmpfs "$SHM/data"
[[ " $SYSTEMS " == *" keyway-tmpfs-noredact "* ]] && start_keyway keyway-tmpfs-noredact "$SHM/data-noredact" --no-redact-responses
[[ " $SYSTEMS " == *" keyway-tmpfs-c1 "* ]] && EXTRA_OPTS=-XX:TieredStopAtLevel=1 start_keyway keyway-tmpfs-c1 "$SHM/data-c1"
if [[ " $SYSTEMS " == *" keyway-tmpfs-linked "* ]]; then
    # A fake of HashiCorp Vault's HTTP API (KV v2 read and token lookup-self, as
    # https://developer.hashicorp.com/vault/api-docs/secret/kv/kv-v2 and .../auth/token document them),
    # over TLS with the upstream's localhost certificate; it counts the reads it serves.
    VAULT_PORT=$(free_port)
    printf 'hvs.bench-reader' > "$TMP/vault-token"
    cat > "$TMP/fake-vault.py" <<'PY'
import http.server, json, ssl, sys
port, cert, key, secret, token, counter = sys.argv[1:7]
reads = 0
class H(http.server.BaseHTTPRequestHandler):
    def log_message(self, *a): pass
    def answer(self, code, body):
        raw = json.dumps(body).encode()
        self.send_response(code); self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(raw))); self.end_headers(); self.wfile.write(raw)
    def do_GET(self):
        global reads
        if self.headers.get("X-Vault-Token") != token:
            return self.answer(403, {"errors": ["permission denied"]})
        if self.path == "/v1/auth/token/lookup-self":
            return self.answer(200, {"data": {"ttl": 0, "renewable": False, "display_name": "token-bench", "policies": ["bench"]}})
        if self.path == "/v1/secret/data/bench":
            reads += 1
            open(counter, "w").write(str(reads))
            return self.answer(200, {"data": {"data": {"key": secret}, "metadata": {"version": 1}}})
        return self.answer(404, {"errors": []})
srv = http.server.ThreadingHTTPServer(("127.0.0.1", int(port)), H)
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER); ctx.load_cert_chain(cert, key)
srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
srv.serve_forever()
PY
    python3 "$TMP/fake-vault.py" "$VAULT_PORT" "$TMP/nginx.pem" "$TMP/nginx.key" "$REAL" hvs.bench-reader \
        "$TMP/vault-reads" >"$TMP/fake-vault.log" 2>&1 &
    PIDS+=("$!")
    wait_for 10 "$!" port_open "$VAULT_PORT" || die "the fake Vault did not start"
    LINKED=1 start_keyway keyway-tmpfs-linked "$SHM/data-linked"
fi
# A throw-away PostgreSQL cluster (Debian's binaries, run as the postgres user), started once on first use.
start_pg() {
    [ -n "${PG_PORT:-}" ] && return 0
    PG_BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
    [ -x "$PG_BIN/initdb" ] || die "this system needs BENCH_DATABASE_URL or the Debian postgresql package"
    PG_DIR=$(mktemp -d /var/tmp/keyway-bench-pg.XXXXXX)
    chown postgres "$PG_DIR"
    PG_PORT=$(free_port)
    runuser -u postgres -- "$PG_BIN/initdb" -D "$PG_DIR/data" --auth=trust -U keyway >/dev/null
    # PostgreSQL stands in for a database server on another machine: it runs on the client's core
    # (never on the proxy's), at the lowest priority, so it takes only what the client and nginx leave
    # idle instead of starving them (which cut the offered load, not the node's throughput)
    taskset -c "${PG_CPU:-1}" nice -n "${PG_NICE:-19}" runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/log" -w \
        -o "-p $PG_PORT -k $PG_DIR -c listen_addresses=127.0.0.1" start >/dev/null
}
pg_database() { # pg_database NAME: an empty database in that cluster; prints its URL (call start_pg first,
    # in this shell: a command substitution is a subshell, and a cluster started there is never stopped)
    runuser -u postgres -- "$PG_BIN/createdb" -h 127.0.0.1 -p "$PG_PORT" -U keyway "$1"
    echo "postgresql://keyway:bench@127.0.0.1:$PG_PORT/$1"
}
if [[ " $SYSTEMS " == *" keyway-tmpfs-pg "* ]]; then
    [ -n "${BENCH_DATABASE_URL:-}" ] || start_pg
    url=${BENCH_DATABASE_URL:-$(pg_database kwbench)}
    SERVER_EXTRA="--database-url $url --node-name bench-1" start_keyway keyway-tmpfs-pg "$SHM/data-pg"
fi
if [[ " $SYSTEMS " == *" keyway-tmpfs-pg-noship "* ]]; then
    # The same node with audit shipping refused by the database (a trigger on audit_records, so every
    # batch fails and the shipper backs off to one attempt per 10 s): isolates the request path on the
    # PostgreSQL store from the node's background shipping and the database's inserts.
    start_pg
    url=$(pg_database kwnoship)
    SERVER_EXTRA="--database-url $url --node-name bench-2" start_keyway keyway-tmpfs-pg-noship "$SHM/data-pg-noship"
    runuser -u postgres -- "$PG_BIN/psql" -h 127.0.0.1 -p "$PG_PORT" -U keyway -d kwnoship -q -c \
        "CREATE FUNCTION bench_no_shipping() RETURNS trigger AS \$\$BEGIN RAISE EXCEPTION 'bench: audit shipping disabled'; END\$\$ LANGUAGE plpgsql;
         CREATE TRIGGER bench_no_shipping BEFORE INSERT ON audit_records FOR EACH STATEMENT EXECUTE FUNCTION bench_no_shipping();" \
        || die "cannot disable audit shipping in kwnoship"
fi
if [[ " $SYSTEMS " == *" keyway-pg-2nodes "* ]]; then
    # Two nodes of one cluster (one PostgreSQL database, one master password) behind HAProxy in TCP mode,
    # all three on CPU 0 under one parent process, so the CPU and peak RSS columns are the cluster's.
    command -v haproxy >/dev/null || die "keyway-pg-2nodes needs haproxy (Debian package haproxy)"
    start_pg
    url=$(pg_database kwcluster)
    n1api=$(free_port); n1proxy=$(free_port); n1metrics=$(free_port); n2api=$(free_port); n2proxy=$(free_port)
    hport=$(free_port)
    printf 'global\n  maxconn 2000\ndefaults\n  mode tcp\n  timeout connect 5s\n  timeout client 120s\n  timeout server 120s\nfrontend proxy\n  bind 127.0.0.1:%s\n  default_backend nodes\nbackend nodes\n  balance roundrobin\n  server n1 127.0.0.1:%s check\n  server n2 127.0.0.1:%s check\n' \
        "$hport" "$n1proxy" "$n2proxy" > "$TMP/haproxy.cfg"
    mkdir -p "$SHM/data-n1" "$SHM/data-n2"
    node() { # node NAME API PROXY [more server flags]
        local name=$1 api=$2 prx=$3
        shift 3
        # shellcheck disable=SC2086
        KEYWAY_MASTER_PASSWORD=bench-cluster-master-password KEYWAY_NO_REBUILD=1 KEYWAY_JAVA="$JAVA" \
            KEYWAY_JAVA_OPTS="${KEYWAY_JAVA_OPTS:-}" taskset -c 0 ./keyway server --data-dir "$SHM/data-$name" \
            --api-addr "127.0.0.1:$api" --proxy-addr "127.0.0.1:$prx" --allow-private-upstreams \
            --upstream-ca "$TMP/upstream-ca.pem" --database-url "$url" --node-name "$name" "$@" >"$TMP/$name.log" 2>&1
    }
    (
        node n1 "$n1api" "$n1proxy" --metrics-addr "127.0.0.1:$n1metrics" &
        for _ in $(seq 600); do port_open "$n1proxy" && break; sleep 0.1; done
        node n2 "$n2api" "$n2proxy" &
        for _ in $(seq 600); do port_open "$n2proxy" && break; sleep 0.1; done
        taskset -c 0 haproxy -f "$TMP/haproxy.cfg" -db >"$TMP/haproxy.log" 2>&1 &
        wait
    ) &
    cpid=$!
    PIDS+=("$cpid")
    wait_for 90 "$cpid" port_open "$n2proxy" || { cat "$TMP/n1.log" "$TMP/n2.log" >&2; die "the cluster did not start"; }
    wait_for 10 "$cpid" port_open "$hport" || { cat "$TMP/haproxy.log" >&2; die "haproxy did not start"; }
    kwc() { KEYWAY_NO_REBUILD=1 KEYWAY_JAVA="$JAVA" KEYWAY_ADDR="http://127.0.0.1:$n1api" KEYWAY_HOME="$SHM/data-n1" ./keyway "$@"; }
    kwc credential set BENCH_KEY --from-file "$TMP/real-key.txt" >&2
    kwc service add bench --host localhost --allow-private --bearer BENCH_KEY >&2
    KW_TOKEN[keyway-pg-2nodes]=$(kwc token create)
    kwc ca export -o "$TMP/keyway-pg-2nodes-ca.pem" >&2
    KW_PID[keyway-pg-2nodes]=$cpid
    KW_PORT[keyway-pg-2nodes]=$hport
    KW_METRICS[keyway-pg-2nodes]=$n1metrics
    log "keyway-pg-2nodes: HAProxy 127.0.0.1:$hport -> nodes n1 :$n1proxy, n2 :$n2proxy on $url"
fi

CLK_TCK=$(getconf CLK_TCK 2>/dev/null || echo 100)
loadgen() { # loadgen SYSTEM LABEL ROUND LOADGEN-ARGS...
    local system=$1 label=$2 round=$3
    shift 3
    local args=(--system "$system" --label "$label" --round "$round" --concurrency "$CONCURRENCY" --warmup "$WARMUP"
                --duration "$DURATION" --ca "$TMP/upstream-ca.pem" --json-out "$RESULTS" --clk-tck "$CLK_TCK" --expect-auth)
    case "$system" in
        direct) args+=(--header "Authorization: Bearer $REAL") ;;
        squid)  args+=(--proxy "127.0.0.1:$SQUID_PORT" --ca "$TMP/squid-ca.pem" --sample-pid "$SQUID_PID"
                       --header "Authorization: Bearer $PLACEHOLDER") ;;
        keyway-*) args+=(--proxy "127.0.0.1:${KW_PORT[$system]}" --proxy-auth "${KW_TOKEN[$system]}:default"
                         --ca "$TMP/$system-ca.pem" --sample-pid "${KW_PID[$system]}"
                         --header "Authorization: Bearer $PLACEHOLDER") ;;
    esac
    taskset -c 1 "$JAVA" -Dio.netty.leakDetection.level=disabled --enable-native-access=ALL-UNNAMED \
        -cp "$BENCH_JAR" dev.keyway.bench.LoadGen "${args[@]}" "$@" | grep -v '^{' >&2 || true
}

# --- preflight: every system answers one checked request ---------------------------------------------
read -r -a SYS <<< "$SYSTEMS"
for s in "${SYS[@]}"; do
    ok=0
    for attempt in 1 2 3; do   # a cold Keyway on a busy machine may need more than one try (leaf mint, JIT)
        PRE=$TMP/preflight-$s-$attempt.jsonl
        RESULTS_SAVED=$RESULTS CONCURRENCY_SAVED=$CONCURRENCY WARMUP_SAVED=$WARMUP DURATION_SAVED=$DURATION
        RESULTS=$PRE CONCURRENCY=1 WARMUP=12s DURATION=3s   # the first request mints a leaf on a cold JVM
        loadgen "$s" preflight 1 --target "$TARGET/small" --mode keepalive 2>"$TMP/preflight-$s.txt"
        RESULTS=$RESULTS_SAVED CONCURRENCY=$CONCURRENCY_SAVED WARMUP=$WARMUP_SAVED DURATION=$DURATION_SAVED
        if grep -q '"error_total":0' "$PRE" && grep -q '"requests":[1-9]' "$PRE"; then ok=1; break; fi
        grep -qE '"(http-[0-9]+|auth-missing)"' "$PRE" && break   # a wrong answer is not cured by trying again
    done
    if [ "$ok" != 1 ]; then
        cat "$TMP/preflight-$s.txt" >&2
        die "preflight through $s failed: no correctly authorised response (logs in $TMP; KEEP_TMP=1 keeps them)"
    fi
    log "preflight $s: ok"
done

load1() { cut -d' ' -f1 /proc/loadavg; }
# The audit writer's counters (records written, fsyncs and their time) of a Keyway system, as
# "records fsyncs fsync_seconds": their deltas over a run say how many requests share one fsync.
audit_counters() {
    curl -s "http://127.0.0.1:${KW_METRICS[$1]}/metrics" | awk '
        /^keyway_audit_batch_records_sum/ {r=$2} /^keyway_audit_batch_records_count/ {b=$2}
        /^keyway_audit_fsync_seconds_count/ {f=$2} /^keyway_audit_fsync_seconds_sum/ {t=$2}
        /^keyway_audit_ship_lag_records/ {l=$2}
        END {printf "%s %s %s %s %s\n", r+0, b+0, f+0, t+0, (l == "" ? "-" : l + 0)}'
}
AUDITLOG=$OUT_DIR/audit-batches.tsv
# ship_lag_records: a cluster node's records not yet in PostgreSQL when the run ended ("-" on SQLite)
printf 'round\tscenario\tsystem\trecords\tbatches\tfsyncs\trecords_per_fsync\tfsync_ms_mean\tship_lag_records\n' > "$AUDITLOG"
label_of() { case $1 in a) echo "keepalive small" ;; b) echo "newconn small" ;; c) echo "keepalive 1MiB" ;; esac; }
args_of() {
    case $1 in
        a) echo "--target $TARGET/small --mode keepalive" ;;
        b) echo "--target $TARGET/small --mode newconn" ;;
        c) echo "--target $TARGET/1m --mode keepalive" ;;
    esac
}
n=${#SYS[@]}
for round in $(seq 1 "$ROUNDS"); do
    for sc in $SCENARIOS; do
        for i in $(seq 0 $((n - 1))); do
            s=${SYS[$(((i + round - 1) % n))]}   # rotate the order every round
            before=$(load1)
            start=$(date -u +%H:%M:%S)
            log "round $round/$ROUNDS, ($sc) $(label_of "$sc"), $s (load $before)"
            # shellcheck disable=SC2046
            [[ $s == keyway-* ]] && a0=$(audit_counters "$s")
            loadgen "$s" "$(label_of "$sc")" "$round" $(args_of "$sc")
            if [[ $s == keyway-* ]]; then
                read -r r0 b0 f0 t0 _ <<< "$a0"
                read -r r1 b1 f1 t1 lag <<< "$(audit_counters "$s")"
                awk -v R="$round" -v S="$(label_of "$sc")" -v Y="$s" -v r="$((${r1%.*} - ${r0%.*}))" \
                    -v b="$((${b1%.*} - ${b0%.*}))" -v f="$((${f1%.*} - ${f0%.*}))" -v t0="$t0" -v t1="$t1" -v lag="$lag" \
                    'BEGIN {printf "%s\t%s\t%s\t%d\t%d\t%d\t%.2f\t%.3f\t%s\n", R, S, Y, r, b, f, f ? r / f : 0, f ? (t1 - t0) * 1000 / f : 0, lag}' \
                    | tee -a "$AUDITLOG" >&2
            fi
            printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$round" "$(label_of "$sc")" "$s" "$start" "$before" "$(load1)" >> "$LOADLOG"
        done
    done
done

if [ -f "$TMP/vault-reads" ]; then   # a cached linked value: one read per TTL, none per request
    cp "$TMP/vault-reads" "$OUT_DIR/vault-reads.txt"
    log "the fake Vault served $(cat "$TMP/vault-reads") reads of the linked value in the whole run"
fi

if [ "${NMT:-0}" = 1 ]; then
    # where each Keyway's memory is, by the JVM's own accounting (needs KEYWAY_JAVA_OPTS=-XX:NativeMemoryTracking=summary)
    for s in "${SYS[@]}"; do
        [[ $s == keyway-* ]] || continue
        "$(dirname "$JAVA")/jcmd" "${KW_PID[$s]}" VM.native_memory summary > "$OUT_DIR/nmt-$s.txt" 2>&1 || true
        grep -E "^Total|^-  *(Java Heap|Class|Thread|Code|GC|Compiler|Internal|Other|Symbol|Native Memory Tracking|Arena Chunk|Metaspace|Shared class space|Synchronizer|Serviceability|Module|Safepoint|Object Monitors)" \
            "$OUT_DIR/nmt-$s.txt" | sed "s/^/[$s] /" >&2 || true
        grep -E "^(VmHWM|VmRSS|RssAnon|RssFile|RssShmem)" "/proc/${KW_PID[$s]}/status" | sed "s/^/[$s] /" >&2 || true
    done
fi

if [ "${SYSCALLS:-0}" = 1 ] && command -v perf >/dev/null; then
    # one more keep-alive run per proxy, counted by `perf stat` (kernel tracepoints, low overhead):
    # system calls by kind and context switches of the whole proxy process, per request
    SC_EVENTS=raw_syscalls:sys_enter,context-switches
    for sc in ${SYSCALL_NAMES:-read write recvfrom sendto epoll_ctl epoll_wait epoll_pwait2 futex fdatasync newfstat}; do
        [ -d /sys/kernel/tracing/events/syscalls/sys_enter_$sc ] && SC_EVENTS+=",syscalls:sys_enter_$sc"
    done
    SCLOG=$OUT_DIR/syscalls.tsv
    printf 'system\tevent\tcount\trequests\tper_request\n' > "$SCLOG"
    for s in "${SYS[@]}"; do
        case $s in squid) pid=$SQUID_PID ;; keyway-*) pid=${KW_PID[$s]} ;; *) continue ;; esac
        log "counting system calls of $s (pid $pid) over one more keep-alive run"
        RESULTS_SAVED=$RESULTS
        RESULTS=$TMP/syscalls-$s.jsonl
        loadgen "$s" "keepalive small (syscalls)" 1 --target "$TARGET/small" --mode keepalive &
        lg=$!
        sleep "${WARMUP%s}"
        perf stat -x, -e "$SC_EVENTS" -p "$pid" -o "$TMP/perf-stat-$s.csv" -- sleep "${DURATION%s}" || true
        wait "$lg" || true
        RESULTS=$RESULTS_SAVED
        reqs=$(grep -o '"requests":[0-9]*' "$TMP/syscalls-$s.jsonl" | head -1 | cut -d: -f2)
        awk -F, -v S="$s" -v N="${reqs:-0}" '$1 ~ /^[0-9]+$/ {printf "%s\t%s\t%s\t%d\t%.2f\n", S, $3, $1, N, N ? $1 / N : 0}' \
            "$TMP/perf-stat-$s.csv" | tee -a "$SCLOG" >&2
    done
fi

PROFILE_SYSTEM=${PROFILE_SYSTEM:-keyway-disk}
if [ -n "${PROFILE_KEYWAY:-}" ] && [ -n "${KW_PID[$PROFILE_SYSTEM]:-}" ]; then
    # one more keyway-disk keep-alive run, profiled: perf (kernel, BoringSSL, JIT-compiled Java through
    # the JVM's perf map) for the whole process, and JFR (GC pauses, fsyncs, Java stacks) at the same time
    PROF=$PROFILE_KEYWAY
    mkdir -p "$PROF"
    pid=${KW_PID[$PROFILE_SYSTEM]}
    jcmd=$(dirname "$JAVA")/jcmd
    secs=${DURATION%s}
    log "profiling one more $PROFILE_SYSTEM keep-alive run into $PROF (perf $(command -v perf >/dev/null && echo yes || echo 'not installed'), JFR)"
    RESULTS_SAVED=$RESULTS
    RESULTS=$PROF/profiled-run.jsonl
    # shellcheck disable=SC2046  # args_of prints separate words
    loadgen "$PROFILE_SYSTEM" "$(label_of "${PROFILE_SCENARIO:-a}") (profiled)" 1 $(args_of "${PROFILE_SCENARIO:-a}") &
    lg=$!
    sleep "${WARMUP%s}"
    "$jcmd" "$pid" JFR.start name=bench settings=profile filename="$PROF/keyway.jfr" >/dev/null
    if command -v perf >/dev/null; then
        perf record -F 499 -g -p "$pid" -o "$PROF/perf.data" -- sleep "$secs" 2>"$PROF/perf-record.log" || true
    else
        sleep "$secs"
    fi
    "$jcmd" "$pid" JFR.stop name=bench >/dev/null
    "$jcmd" "$pid" Compiler.perfmap >/dev/null || true   # /tmp/perf-PID.map: names for JIT-compiled code
    wait "$lg" || true
    RESULTS=$RESULTS_SAVED
    if [ -f "$PROF/perf.data" ]; then
        perf report -i "$PROF/perf.data" --stdio --no-children -g none --percent-limit 0.5 --sort comm 2>/dev/null | grep -v '^#' | grep -v '^$' | head -30 > "$PROF/perf-threads.txt" || true
        perf report -i "$PROF/perf.data" --stdio --no-children -g none --percent-limit 0.5 --sort dso 2>/dev/null | grep -v '^#' | grep -v '^$' | head -30 > "$PROF/perf-dso.txt" || true
        perf report -i "$PROF/perf.data" --stdio --no-children -g none --sort sym 2>/dev/null | grep -v '^#' | grep -v '^$' | head -80 > "$PROF/perf-symbols.txt" || true
        perf report -i "$PROF/perf.data" --stdio --no-children -g none --comm keyway-audit-wr --sort sym 2>/dev/null | grep -v '^#' | grep -v '^$' | head -40 > "$PROF/perf-audit-writer.txt" || true
        perf report -i "$PROF/perf.data" --stdio --no-children -g none --comm keyway-audit-sh --sort sym 2>/dev/null | grep -v '^#' | grep -v '^$' | head -40 > "$PROF/perf-audit-shipper.txt" || true
        [ -n "${KEEP_PERF:-}" ] || rm -f "$PROF/perf.data"   # large; the reports above are what docs/benchmarks.md cites (KEEP_PERF=1 keeps it)
    fi
fi

{
    echo "# Side-by-side run $STAMP"
    echo
    echo "- commit: $(git rev-parse --short HEAD)$(git diff --quiet HEAD -- . 2>/dev/null || echo ' (with uncommitted changes)')"
    echo "- machine: $(nproc) CPUs, $(lscpu | sed -n 's/^Model name: *//p' | head -1), $(free -g | awk '/^Mem:/ {print $2}') GB RAM"
    echo "- java: $("$JAVA" -version 2>&1 | head -1); $("$NGINX" -v 2>&1 | sed 's/.*: //'); $("$SQUID" -v | head -1)"
    echo "- rounds $ROUNDS, warm-up $WARMUP, measured $DURATION, $CONCURRENCY connections; proxy on CPU 0, client + nginx on CPU 1"
    echo "- load average (1 min) before/after each run: load.tsv; at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
    echo
    "$JAVA" -cp "$BENCH_JAR" dev.keyway.bench.SideBySide "$RESULTS"
} | tee "$OUT_DIR/summary.md"
log "raw results in $OUT_DIR"
