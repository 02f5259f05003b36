#!/usr/bin/env bash
# Admission benchmark (issue 4, item 6).
#
# 1. `admission-bench` (release): µs per object for validate and default on KubeRay's complete
#    sample and on a 200-group object, and parse+validate+serialize of a ~10 KB AdmissionReview.
# 2. When `ray-operator webhook` is implemented: the release webhook and nginx (fixed reply, same
#    certificate, same ~10 KB POST) under wrk over keep-alive TLS, in the same run:
#    requests/s and p99 of each; then the webhook's p99 at half its own maximum rate (wrk paced
#    with a random per-request think time from its Lua `delay()` hook, since wrk2 is not in Debian).
#
# Targets: validate+default ≤ 20 µs; webhook ≥ 0.5× nginx requests/s; p99 ≤ 2 ms at half load.
# Everything runs on 127.0.0.1 and stops by itself. Env: DURATION (s, default 10), CONNECTIONS
# (default 32), THREADS (wrk threads, default 1), SCRATCH (build dir, default .build-admission),
# SKIP_BUILD=1 (use the release binaries already in SCRATCH).
# nginx gets the TLS settings of benchmarks/server-bench.sh (and of TLSContext.swift).
set -euo pipefail

cd "$(dirname "$0")/.."
DURATION=${DURATION:-10}
CONNECTIONS=${CONNECTIONS:-32}
THREADS=${THREADS:-1}   # wrk shares the 2 cores with the server (as server-bench.sh)
SCRATCH=${SCRATCH:-.build-admission}
PORT=${PORT:-19443}
NGINX_PORT=${NGINX_PORT:-19444}
. benchmarks/lib.sh
bench_workdir admission-bench

if [ "${SKIP_BUILD:-0}" != 1 ]; then
    echo "== building (release)"
    swift build -c release --scratch-path "$SCRATCH" --product admission-bench >/dev/null
    swift build -c release --scratch-path "$SCRATCH" --product ray-operator >/dev/null
fi
BIN=$(swift build -c release --scratch-path "$SCRATCH" --show-bin-path)

echo "== micro-benchmark"
"$BIN/admission-bench" --write-review "$WORK/review.json"

for tool in wrk nginx curl openssl; do
    if ! command -v "$tool" >/dev/null; then
        echo "== installing wrk and nginx (Debian packages)"
        apt="apt-get -o DPkg::Lock::Timeout=300 -y -qq"
        $apt install wrk nginx-light >/dev/null 2>&1 || { $apt update >/dev/null; $apt install wrk nginx-light >/dev/null; }
        break
    fi
done

bench_certificate

bench_start_webhook "$BIN" "$PORT" 19480 19481

# nginx answering a fixed AdmissionReview to the same POST, same certificate.
mkdir -p "$WORK/nginx/logs"
REPLY='{"kind":"AdmissionReview","apiVersion":"admission.k8s.io/v1","response":{"uid":"705ab4f5-6393-11e8-b7cc-42010a800002","allowed":true}}'
cat >"$WORK/nginx/nginx.conf" <<CONF
worker_processes $(nproc);
user root;
pid $WORK/nginx/nginx.pid;
error_log $WORK/nginx/logs/error.log warn;
events { worker_connections 4096; }
http {
    access_log off;
    client_body_temp_path $WORK/nginx;
    proxy_temp_path $WORK/nginx;
    fastcgi_temp_path $WORK/nginx;
    uwsgi_temp_path $WORK/nginx;
    scgi_temp_path $WORK/nginx;
    keepalive_requests 100000000;
    keepalive_timeout 120s;
    client_body_buffer_size 64k;
    client_max_body_size 3m;
    server {
        listen 127.0.0.1:$NGINX_PORT ssl;
        ssl_certificate $WORK/certs/tls.crt;
        ssl_certificate_key $WORK/certs/tls.key;
        ssl_protocols TLSv1.2 TLSv1.3;
        ssl_ciphers ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305;
        ssl_ecdh_curve X25519:prime256v1:secp384r1;
        ssl_session_tickets off;
        ssl_session_cache off;
        location / {
            default_type application/json;
            return 200 '$REPLY';
        }
    }
}
CONF
nginx -p "$WORK/nginx" -c "$WORK/nginx/nginx.conf" -g 'daemon off;' &
PIDS+=($!)

for url in "https://127.0.0.1:$PORT/validate-ray-io-v1-raycluster" "https://127.0.0.1:$NGINX_PORT/"; do
    for _ in $(seq 1 100); do
        if curl -ksf -o /dev/null -H 'Content-Type: application/json' --data-binary @"$WORK/review.json" "$url"; then break; fi
        sleep 0.1
    done
done
echo "webhook answer to the review:"
curl -ks -H 'Content-Type: application/json' --data-binary @"$WORK/review.json" \
    "https://127.0.0.1:$PORT/validate-ray-io-v1-raycluster"; echo

cat >"$WORK/post.lua" <<LUA
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
local f = io.open("$WORK/review.json", "rb"); wrk.body = f:read("*a"); f:close()
local pause = tonumber(os.getenv("WRK_DELAY_MS") or "0")
-- Think times drawn from an exponential distribution (mean WRK_DELAY_MS): connections fall out of
-- step, so requests arrive as a Poisson-like stream. A fixed delay would keep every connection in
-- lock-step and send them as one burst per period, which measures burst queueing, not half load
-- (nginx itself shows a p99 of ~7 ms that way at 9k req/s on this machine).
math.randomseed(os.time())
if pause > 0 then function delay() return math.floor(-math.log(1 - math.random()) * pause + 0.5) end end
LUA

# Runs wrk; prints "<requests/s> <p99 ms>".
run_wrk() { # url connections
    local out
    local threads=$THREADS; [ "$2" -lt "$threads" ] && threads=$2
    out=$(wrk -t"$threads" -c"$2" -d"${DURATION}s" --latency -s "$WORK/post.lua" "$1")
    echo "$out" >>"$WORK/wrk.log"
    local rps p99
    rps=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
    p99=$(echo "$out" | awk '$1=="99%" {v=$2; if (v ~ /us$/) {sub(/us$/,"",v); v=v/1000} else if (v ~ /ms$/) {sub(/ms$/,"",v)} else if (v ~ /s$/) {sub(/s$/,"",v); v=v*1000}; print v}')
    local errors
    errors=$(echo "$out" | awk '/Non-2xx|Socket errors/ {print}')
    [ -n "$errors" ] && echo "   wrk: $errors" >&2
    echo "$rps $p99"
}

echo "== wrk: $CONNECTIONS connections, $THREADS thread(s), ${DURATION}s, keep-alive TLS, $(wc -c <"$WORK/review.json") byte POST (alternating order, 2 rounds)"
read -r h1 h1p99 < <(run_wrk "https://127.0.0.1:$PORT/validate-ray-io-v1-raycluster" "$CONNECTIONS")
read -r n1 n1p99 < <(run_wrk "https://127.0.0.1:$NGINX_PORT/" "$CONNECTIONS")
read -r n2 n2p99 < <(run_wrk "https://127.0.0.1:$NGINX_PORT/" "$CONNECTIONS")
read -r h2 h2p99 < <(run_wrk "https://127.0.0.1:$PORT/validate-ray-io-v1-raycluster" "$CONNECTIONS")
read -r mut_rps mut_p99 < <(run_wrk "https://127.0.0.1:$PORT/mutate-ray-io-v1-raycluster" "$CONNECTIONS")
hook_rps=$(awk -v a="$h1" -v b="$h2" 'BEGIN { printf "%.0f", (a + b) / 2 }')
nginx_rps=$(awk -v a="$n1" -v b="$n2" 'BEGIN { printf "%.0f", (a + b) / 2 }')
printf '%-44s %10s req/s   p99 %7s / %s ms   (rounds %s / %s)\n' "webhook /validate (max load)" "$hook_rps" "$h1p99" "$h2p99" "$h1" "$h2"
printf '%-44s %10s req/s   p99 %7s ms\n' "webhook /mutate (max load)" "$mut_rps" "$mut_p99"
printf '%-44s %10s req/s   p99 %7s / %s ms   (rounds %s / %s)\n' "nginx fixed reply (max load)" "$nginx_rps" "$n1p99" "$n2p99" "$n1" "$n2"
ratio=$(awk -v a="$hook_rps" -v b="$nginx_rps" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }')
echo "webhook / nginx requests/s: $ratio (target ≥ 0.50: $(awk -v r="$ratio" 'BEGIN { print (r >= 0.5 ? "met" : "MISSED") }'))"

# Half load, two ways (wrk2 is not in Debian):
# (a) fewer connections: the largest of 1, 2, 4, 8, 16 connections whose rate stays within half
#     the maximum (+10%), at full speed per connection (1 connection even when it is faster);
# (b) paced: each connection waits a random think time between requests (exponential, mean
#     DELAY ms; wrk's Lua delay()), so the offered rate is about connections × 1000 / DELAY
#     requests/s, arriving as a Poisson-like stream. nginx gets the same paced load for reference.
half=$(awk -v r="$hook_rps" 'BEGIN { printf "%d", r / 2 }')
best_c=""; best_rps=""; best_p99=""
for c in 1 2 4 8 16; do
    read -r rps p99 < <(DURATION=$(( DURATION / 2 > 3 ? DURATION / 2 : 3 )) run_wrk "https://127.0.0.1:$PORT/validate-ray-io-v1-raycluster" "$c")
    # One connection is the least load wrk can offer without pacing: always kept.
    if [ "$c" = 1 ] || awk -v r="$rps" -v h="$half" 'BEGIN { exit !(r <= h * 1.1) }'; then
        best_c=$c; best_rps=$rps; best_p99=$p99
    fi
    awk -v r="$rps" -v h="$half" 'BEGIN { exit !(r > h * 1.1) }' && break
done
if [ -n "$best_c" ]; then
    printf '%-44s %10s req/s   p99 %7s ms\n' "webhook /validate, $best_c connection(s)" "$best_rps" "$best_p99"
fi
# Paced at half the maximum over the same CONNECTIONS as the full-load runs (mean think time
# CONNECTIONS × 1000 / half ms), the verdict; then the same rate over many slower connections
# (~10 ms think time), for information.
# Each connection's cycle is think time + latency: a short calibration run measures the latency
# part, and the think time is shortened by it so that the offered rate is half the maximum.
delay_ms=$(awk -v h="$half" -v c="$CONNECTIONS" 'BEGIN { d = c * 1000 / (h > 0 ? h : 1); if (d < 1) d = 1; printf "%.2f", d }')
read -r cal_rps _ < <(DURATION=3 WRK_DELAY_MS=$delay_ms run_wrk "https://127.0.0.1:$PORT/validate-ray-io-v1-raycluster" "$CONNECTIONS")
delay_ms=$(awk -v h="$half" -v c="$CONNECTIONS" -v d="$delay_ms" -v r="$cal_rps" 'BEGIN {
    latency = (r > 0 ? c * 1000 / r - d : 0); if (latency < 0) latency = 0
    d2 = c * 1000 / (h > 0 ? h : 1) - latency; if (d2 < 0.5) d2 = 0.5; printf "%.2f", d2 }')
read -r half_rps half_p99 < <(WRK_DELAY_MS=$delay_ms run_wrk "https://127.0.0.1:$PORT/validate-ray-io-v1-raycluster" "$CONNECTIONS")
printf '%-44s %10s req/s   p99 %7s ms\n' "webhook /validate paced ($CONNECTIONS conns, ~${delay_ms} ms)" "$half_rps" "$half_p99"
read -r nginx_half_rps nginx_half_p99 < <(WRK_DELAY_MS=$delay_ms run_wrk "https://127.0.0.1:$NGINX_PORT/" "$CONNECTIONS")
printf '%-44s %10s req/s   p99 %7s ms\n' "nginx fixed reply paced (same pacing)" "$nginx_half_rps" "$nginx_half_p99"
many=$(awk -v h="$half" 'BEGIN { c = int(h * 10 / 1000 + 0.5); if (c < 2) c = 2; print c }')
read -r many_rps many_p99 < <(WRK_DELAY_MS=10 run_wrk "https://127.0.0.1:$PORT/validate-ray-io-v1-raycluster" "$many")
printf '%-44s %10s req/s   p99 %7s ms\n' "webhook /validate paced ($many conns, ~10 ms)" "$many_rps" "$many_p99"
read -r nginx_many_rps nginx_many_p99 < <(WRK_DELAY_MS=10 run_wrk "https://127.0.0.1:$NGINX_PORT/" "$many")
printf '%-44s %10s req/s   p99 %7s ms\n' "nginx fixed reply paced ($many conns, ~10 ms)" "$nginx_many_rps" "$nginx_many_p99"
# The verdict comes from the paced run: only it offers about half the maximum rate (one
# connection at full speed may stay well below it).
echo "p99 at half load ($half req/s): ${best_p99:-n/a} ms with fewer connections, $half_p99 ms paced over $CONNECTIONS connections (target ≤ 2 ms, paced: $(awk -v p="$half_p99" 'BEGIN { print (p <= 2 ? "met" : "MISSED") }')), $many_p99 ms paced over $many"
echo "machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg); $(openssl version)"
