#!/usr/bin/env bash
# HTTPS server benchmark: our HTTPServer (release build of `server-bench`, the module alone with a
# fixed 1 KB answer, dispatched like the webhook routes) next to nginx from Debian, same certificate (ECDSA
# P-256), same TLS settings (TLS 1.2/1.3, Mozilla intermediate, X25519/P-256/P-384, no tickets, no
# session cache), same machine, same run. Prints requests/s and p50/p99 for a 1 KB POST over TLS
# keep-alive, the new-connection (full handshake) rate, the ratios, and memory: idle RSS and RSS with
# 10,000 idle TLS connections.
#
#   benchmarks/server-bench.sh            # needs swift, openssl, python3; installs wrk and nginx with apt-get if missing
#   DURATION=10 CONNECTIONS=32 IDLE=10000 benchmarks/server-bench.sh
#
# Targets: keep-alive and handshake rates >= 0.8x nginx; idle RSS <= 20 MB; 10k idle <= 150 MB.
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$(pwd)
DURATION=${DURATION:-10}
CONNECTIONS=${CONNECTIONS:-32}
IDLE=${IDLE:-10000}
SCRATCH=${SCRATCH:-$ROOT/.build-server-bench}
OURS_PORT=${OURS_PORT:-18443}
NGINX_PORT=${NGINX_PORT:-18444}
CORES=$(nproc)

need() { command -v "$1" >/dev/null 2>&1; }
if ! need wrk || ! need nginx; then
    echo "installing wrk and nginx (apt-get)…"
    apt-get install -y wrk nginx-light >/dev/null 2>&1 || apt-get install -y wrk nginx >/dev/null
fi
NGINX=$(command -v nginx || echo /usr/sbin/nginx)

WORK=$(mktemp -d /tmp/server-bench.XXXXXX)
PIDS=()
cleanup() {
    for pid in "${PIDS[@]:-}"; do [ -n "$pid" ] && kill "$pid" 2>/dev/null || true; done
    [ -f "$WORK/nginx.pid" ] && kill "$(cat "$WORK/nginx.pid")" 2>/dev/null || true
    sleep 0.5
    rm -rf "$WORK"
}
trap cleanup EXIT

# Built like the shipped binary (Dockerfile): release, Swift runtime linked statically.
# STATIC_STDLIB=0 links it dynamically instead (about 3 MB more RSS for the shared libraries).
STATIC_FLAG="--static-swift-stdlib"
[ "${STATIC_STDLIB:-1}" = "0" ] && STATIC_FLAG=""
echo "== building server-bench (release $STATIC_FLAG)"
swift build -c release $STATIC_FLAG --product server-bench --scratch-path "$SCRATCH" 2>&1 | tail -1
BIN="$(swift build -c release $STATIC_FLAG --product server-bench --scratch-path "$SCRATCH" --show-bin-path)/server-bench"

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout "$WORK/tls.key" -out "$WORK/tls.crt" \
    -days 2 -subj "/CN=localhost" -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" 2>/dev/null

# nginx with the same TLS settings as TLSContext.swift and a fixed 1 KB answer.
BODY=$(head -c 1024 /dev/zero | tr '\0' 'x')
mkdir -p "$WORK/nginx-tmp"
cat > "$WORK/nginx.conf" <<EOF
worker_processes $CORES;
user root;
pid $WORK/nginx.pid;
error_log $WORK/nginx-error.log warn;
events { worker_connections 20000; }
worker_rlimit_nofile 65536;
http {
    access_log off;
    client_body_temp_path $WORK/nginx-tmp;
    proxy_temp_path $WORK/nginx-tmp;
    fastcgi_temp_path $WORK/nginx-tmp;
    uwsgi_temp_path $WORK/nginx-tmp;
    scgi_temp_path $WORK/nginx-tmp;
    keepalive_timeout 120s;
    keepalive_requests 100000000;
    server {
        listen 127.0.0.1:$NGINX_PORT ssl;
        ssl_certificate $WORK/tls.crt;
        ssl_certificate_key $WORK/tls.key;
        ssl_protocols TLSv1.2 TLSv1.3;
        ssl_ciphers ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305;
        ssl_ecdh_curve X25519:prime256v1:secp384r1;
        ssl_session_tickets off;
        ssl_session_cache off;
        location /bench { default_type application/octet-stream; return 200 "$BODY"; }
    }
}
EOF

cat > "$WORK/post.lua" <<EOF
wrk.method = "POST"
wrk.body = string.rep("y", 1024)
wrk.headers["Content-Type"] = "application/json"
EOF
cat > "$WORK/close.lua" <<EOF
wrk.method = "POST"
wrk.body = string.rep("y", 1024)
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Connection"] = "close"
EOF

ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"

rss_kb() { awk '/^VmRSS/ {print $2}' "/proc/$1/status"; }
nginx_rss_kb() {   # master + workers
    local master; master=$(cat "$WORK/nginx.pid")
    local total; total=$(rss_kb "$master")
    for child in $(pgrep -P "$master"); do total=$((total + $(rss_kb "$child"))); done
    echo "$total"
}
wait_port() { for _ in $(seq 1 100); do curl -sk -o /dev/null "https://127.0.0.1:$1/bench" && return 0; sleep 0.1; done; echo "port $1 not up" >&2; exit 1; }

"$BIN" --port "$OURS_PORT" --cert "$WORK/tls.crt" --key "$WORK/tls.key" > "$WORK/ours.log" 2>&1 &
OURS_PID=$!
PIDS+=("$OURS_PID")
"$NGINX" -c "$WORK/nginx.conf" -e "$WORK/nginx-error.log"
wait_port "$OURS_PORT"
wait_port "$NGINX_PORT"
sleep 1
OURS_IDLE_RSS=$(rss_kb "$OURS_PID")
NGINX_IDLE_RSS=$(nginx_rss_kb)

# wrk: one thread (the client shares the 2 cores with the server), $CONNECTIONS connections.
run_wrk() {   # port script -> "req/s p50 p99"
    local out; out=$(timeout $((DURATION + 20)) wrk -t1 -c"$CONNECTIONS" -d"${DURATION}s" --latency -s "$2" "https://127.0.0.1:$1/bench")
    echo "$out" > "$WORK/wrk-$1-$(basename "$2").txt"
    local rps p50 p99 errors
    rps=$(echo "$out" | awk '/^Requests\/sec/ {print $2}')
    p50=$(echo "$out" | awk '$1 == "50%" {print $2}')
    p99=$(echo "$out" | awk '$1 == "99%" {print $2}')
    errors=$(echo "$out" | awk '/Non-2xx/ {print $NF}')
    echo "$rps $p50 $p99 ${errors:-0}"
}

echo "== 1 KB POST over TLS keep-alive: wrk -t1 -c$CONNECTIONS -d${DURATION}s (alternating order, 2 rounds)"
read -r O1 O1P50 O1P99 O1E <<<"$(run_wrk "$OURS_PORT" "$WORK/post.lua")"
read -r N1 N1P50 N1P99 N1E <<<"$(run_wrk "$NGINX_PORT" "$WORK/post.lua")"
read -r N2 N2P50 N2P99 N2E <<<"$(run_wrk "$NGINX_PORT" "$WORK/post.lua")"
read -r O2 O2P50 O2P99 O2E <<<"$(run_wrk "$OURS_PORT" "$WORK/post.lua")"

echo "== new TLS connection per request (Connection: close): wrk -t1 -c$CONNECTIONS -d${DURATION}s"
read -r OC OCP50 OCP99 OCE <<<"$(run_wrk "$OURS_PORT" "$WORK/close.lua")"
read -r NC NCP50 NCP99 NCE <<<"$(run_wrk "$NGINX_PORT" "$WORK/close.lua")"

echo "== $IDLE idle TLS connections"
cat > "$WORK/idle.py" <<'EOF'
import os, resource, socket, ssl, sys, time
port, count = int(sys.argv[1]), int(sys.argv[2])
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
c = ssl.create_default_context(); c.check_hostname = False; c.verify_mode = ssl.CERT_NONE
held, failed = [], 0
for i in range(count):
    try:
        s = c.wrap_socket(socket.create_connection(("127.0.0.1", port), timeout=10), server_hostname="localhost")
        if i % 2 == 0:   # half served one keep-alive request first
            s.sendall(b"POST /bench HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}")
            data = b""
            while not data.endswith(b"x" * 16): data += s.recv(4096)
        held.append(s)
    except Exception:
        failed += 1
print(len(held), failed, flush=True)
open(sys.argv[3], "w").close()
time.sleep(600)
EOF
idle_rss() {   # port pidfn -> "held rssKB"
    rm -f "$WORK/idle-ready"
    python3 "$WORK/idle.py" "$1" "$IDLE" "$WORK/idle-ready" > "$WORK/idle-$1.txt" 2>&1 &
    local client=$!
    for _ in $(seq 1 1200); do [ -f "$WORK/idle-ready" ] && break; sleep 0.1; done
    sleep 1
    local rss; rss=$($2)
    local held; held=$(awk '{print $1}' "$WORK/idle-$1.txt")
    kill "$client" 2>/dev/null || true
    wait "$client" 2>/dev/null || true
    echo "${held:-0} $rss"
}
read -r OURS_HELD OURS_IDLE10K_RSS <<<"$(idle_rss "$OURS_PORT" "rss_kb $OURS_PID")"
read -r NGINX_HELD NGINX_IDLE10K_RSS <<<"$(idle_rss "$NGINX_PORT" nginx_rss_kb)"

python3 - "$O1" "$O2" "$N1" "$N2" "$OC" "$NC" <<EOF
import sys
o1, o2, n1, n2, oc, nc = map(float, sys.argv[1:])
ours, nginx = (o1 + o2) / 2, (n1 + n2) / 2
print()
print("%-44s %12s %12s %8s" % ("", "ours", "nginx", "ratio"))
print("%-44s %12.0f %12.0f %7.2fx   (target >= 0.8x)" % ("keep-alive 1 KB POST, requests/s (mean of 2)", ours, nginx, ours / nginx))
print("%-44s %12s %12s" % ("  round 1 / round 2", "%.0f / %.0f" % (o1, o2), "%.0f / %.0f" % (n1, n2)))
print("%-44s %12s %12s" % ("  p50 latency (round 1)", "$O1P50", "$N1P50"))
print("%-44s %12s %12s" % ("  p99 latency (round 1)", "$O1P99", "$N1P99"))
print("%-44s %12s %12s" % ("  non-2xx responses", "$O1E/$O2E", "$N1E/$N2E"))
print("%-44s %12.0f %12.0f %7.2fx   (target >= 0.8x)" % ("new connection per request (handshakes/s)", oc, nc, oc / nc))
print("%-44s %12s %12s" % ("  p50 / p99 latency", "$OCP50/$OCP99", "$NCP50/$NCP99"))
print("%-44s %10.1f MB %9.1f MB            (target <= 20 MB)" % ("idle RSS", $OURS_IDLE_RSS / 1024, $NGINX_IDLE_RSS / 1024))
print("%-44s %10.1f MB %9.1f MB            (target <= 150 MB)" % ("RSS with idle TLS connections held", $OURS_IDLE10K_RSS / 1024, $NGINX_IDLE10K_RSS / 1024))
print("%-44s %12s %12s" % ("  connections held (of $IDLE)", "$OURS_HELD", "$NGINX_HELD"))
EOF
echo
echo "machine: $(nproc) cores, $(uname -r); $(openssl version); $(wrk --version 2>&1 | head -1 | cut -c1-40); nginx $("$NGINX" -v 2>&1 | cut -d/ -f2)"
