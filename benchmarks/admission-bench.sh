#!/usr/bin/env bash
# Admission benchmark: the webhook's validating endpoint over keep-alive TLS beside nginx answering
# a fixed AdmissionReview to the same ~10 KB POST (same certificate: ECDSA P-256, same TLS
# settings), in three CPU setups, all in one run:
#
#   A  one core each   the server on CPU 0 (taskset), wrk on CPU 1: the cost of a request.
#   B  1-CPU quota     the server in a cgroup with a CFS quota of 100 ms per 100 ms period (what a
#                      Kubernetes `limits.cpu: 1` sets), wrk unpinned; then half of that maximum
#                      rate, paced, which must cause no throttled period.
#   C  shared cores    server and wrk unpinned on the same cores, as on a busy node.
#
# The webhook always runs with default flags: its thread counts follow the CPUs it may use
# (logged at start, printed below). nginx gets one worker in A and B (one CPU) and one per core
# in C. For each run: requests/s, latency p50/p90/p99/p99.9 (wrk's own histogram, read in its
# Lua `done()`), the server's CPU time per request (utime + stime of its processes), its context
# switches per request (voluntary + involuntary, all threads: the wake-ups), and the cgroup's
# throttled periods (cpu.stat nr_throttled) in B. First, `admission-bench` prints the in-process
# cost (µs per object; whole review).
#
# On a shared machine the figures move with the load of other processes: the script prints the load
# average before and after. CPU µs per request is the steadiest column.
#
# Env: DURATION (s per run, default 10), CONNECTIONS_A (32), CONNECTIONS_B ("32 128"),
# CONNECTIONS_C ("64"), THREADS (wrk threads, 1), SETUPS ("A B C"), PORT (first of 4 ports,
# 24443: below the ephemeral range, so no outgoing connection holds one), SCRATCH (build dir,
# .build-admission), SKIP_BUILD=1, BIN (a folder with a release `ray-operator` and
# `admission-bench` to measure instead of this checkout's), PERF_RECORD=FILE
# (record a perf cpu-clock profile of the webhook during setup A), PERF_STAT=FILE (count its system
# calls and context switches during setup A instead); both for benchmarks/request-profile.sh.
# Needs root for the cgroup of setup B (skipped otherwise), taskset, curl, openssl; installs wrk and
# nginx from Debian's packages when missing.
set -euo pipefail

cd "$(dirname "$0")/.."
DURATION=${DURATION:-10}
CONNECTIONS_A=${CONNECTIONS_A:-32}
CONNECTIONS_B=${CONNECTIONS_B:-32 128}
CONNECTIONS_C=${CONNECTIONS_C:-64}
THREADS=${THREADS:-1}
SETUPS=${SETUPS:-A B C}
SCRATCH=${SCRATCH:-.build-admission}
PORT=${PORT:-24443}
NGINX_PORT=$((PORT + 1))
METRICS_PORT=$((PORT + 2))
HEALTH_PORT=$((PORT + 3))
. benchmarks/lib.sh
bench_workdir admission-bench

if [ -z "${BIN:-}" ]; then
    if [ "${SKIP_BUILD:-0}" != 1 ]; then
        echo "== building (release)"
        swift build -c release --scratch-path "$SCRATCH" --product admission-bench >/dev/null
        swift build -c release --scratch-path "$SCRATCH" --product ray-operator >/dev/null
    fi
    BIN=$(swift build -c release --scratch-path "$SCRATCH" --show-bin-path)
fi

for tool in wrk nginx curl openssl taskset; do
    if ! command -v "$tool" >/dev/null; then
        echo "== installing wrk and nginx (Debian packages)"
        apt="apt-get -o DPkg::Lock::Timeout=300 -y -qq"
        $apt install wrk nginx-light >/dev/null 2>&1 || { $apt update >/dev/null; $apt install wrk nginx-light >/dev/null; }
        break
    fi
done
for port in "$PORT" "$NGINX_PORT" "$METRICS_PORT" "$HEALTH_PORT"; do
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then echo "port $port is in use: set PORT"; exit 1; fi
done

echo "machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg) at the start; $(openssl version); nginx $(nginx -v 2>&1 | cut -d/ -f2)"

echo "== in process (admission-bench)"
if [ -x "$BIN/admission-bench" ]; then
    "$BIN/admission-bench" --write-review "$WORK/review.json"
else
    # A build without admission-bench (BIN pointing elsewhere): this checkout's writes the body.
    swift build -c release --scratch-path "$SCRATCH" --product admission-bench >/dev/null
    "$(swift build -c release --scratch-path "$SCRATCH" --show-bin-path)/admission-bench" --write-review "$WORK/review.json" >/dev/null
fi

bench_certificate
CLK_TCK=$(getconf CLK_TCK)

# ---- cgroups (setup B) -------------------------------------------------------------------------
# A child of this shell's own cpu cgroup: v1's cpu controller, or v2 when `cpu` is handed down.
CGROUP_BASE=""
CGROUP_VERSION=""
find_cgroup_base() {
    [ "$(id -u)" = 0 ] || return 0
    if [ -f /sys/fs/cgroup/cgroup.controllers ]; then
        local own; own=$(awk -F: '$1 == "0" {print $3}' /proc/self/cgroup)
        local dir="/sys/fs/cgroup${own%/}"
        if grep -qw cpu "$dir/cgroup.subtree_control" 2>/dev/null || echo +cpu >"$dir/cgroup.subtree_control" 2>/dev/null; then
            CGROUP_BASE=$dir; CGROUP_VERSION=2
        fi
    else
        local mount own
        mount=$(awk '{ for (i = 1; i <= NF; i++) if ($i == "-") break; if ($(i+1) == "cgroup" && $(i+3) ~ /(^|,)cpu(,|$)/) { print $5; exit } }' /proc/self/mountinfo)
        own=$(awk -F: '$2 ~ /(^|,)cpu(,|$)/ {print $3; exit}' /proc/self/cgroup)
        if [ -n "$mount" ] && [ -d "$mount${own%/}" ]; then CGROUP_BASE="$mount${own%/}"; CGROUP_VERSION=1; fi
    fi
}
find_cgroup_base
CGROUPS=()
# make_quota_cgroup NAME: a cgroup with a 1-CPU quota; prints its directory.
make_quota_cgroup() {
    local dir="$CGROUP_BASE/admission-bench-$$-$1"
    mkdir "$dir"
    if [ "$CGROUP_VERSION" = 2 ]; then
        echo "100000 100000" >"$dir/cpu.max"
    else
        echo 100000 >"$dir/cpu.cfs_period_us"
        echo 100000 >"$dir/cpu.cfs_quota_us"
    fi
    echo "$dir"
}
remove_cgroups() {
    for dir in ${CGROUPS[@]+"${CGROUPS[@]}"}; do rmdir "$dir" 2>/dev/null || true; done
}
# The servers stop first (bench_cleanup), then their emptied cgroups go.
trap 'bench_cleanup; remove_cgroups' EXIT
throttled() { # cgroup dir (or "") → nr_throttled
    [ -n "$1" ] || { echo 0; return; }
    awk '$1 == "nr_throttled" {print $2}' "$1/cpu.stat"
}

# ---- servers ---------------------------------------------------------------------------------
# Each setup starts its servers afresh: the webhook sizes its threads at start.
# launch PREFIX… -- COMMAND…: runs COMMAND in the background, inside cgroup $LAUNCH_CGROUP when set,
# under PREFIX (taskset…); prints nothing, sets LAUNCHED to its pid.
LAUNCH_CGROUP=""
launch() {
    local prefix=()
    while [ "$1" != "--" ]; do prefix+=("$1"); shift; done
    shift
    if [ -n "$LAUNCH_CGROUP" ]; then
        sh -c 'echo $$ >"$0/cgroup.procs" && exec "$@"' "$LAUNCH_CGROUP" ${prefix[@]+"${prefix[@]}"} "$@" &
    else
        ${prefix[@]+"${prefix[@]}"} "$@" &
    fi
    LAUNCHED=$!
}

WEBHOOK_PID=""
start_webhook() { # prefix…
    launch "$@" -- "$BIN/ray-operator" webhook --port "$PORT" --bind-address 127.0.0.1 --cert-dir "$WORK/certs" \
        --metrics-bind-address "127.0.0.1:$METRICS_PORT" --health-probe-bind-address "127.0.0.1:$HEALTH_PORT" --drain-seconds 0
    WEBHOOK_PID=$LAUNCHED
    PIDS+=("$WEBHOOK_PID")
    for _ in $(seq 1 200); do
        curl -sf -o /dev/null "http://127.0.0.1:$HEALTH_PORT/readyz" && break
        kill -0 "$WEBHOOK_PID" 2>/dev/null || { echo "the webhook exited"; exit 1; }
        sleep 0.05
    done
}
stop_webhook() {
    kill "$WEBHOOK_PID" 2>/dev/null || true
    wait "$WEBHOOK_PID" 2>/dev/null || true
}

REPLY='{"kind":"AdmissionReview","apiVersion":"admission.k8s.io/v1","response":{"uid":"705ab4f5-6393-11e8-b7cc-42010a800002","allowed":true}}'
NGINX_PID=""
start_nginx() { # workers prefix…
    local workers=$1; shift
    mkdir -p "$WORK/nginx/logs"
    cat >"$WORK/nginx/nginx.conf" <<CONF
worker_processes $workers;
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
    launch "$@" -- nginx -p "$WORK/nginx" -c "$WORK/nginx/nginx.conf" -g 'daemon off;'
    NGINX_PID=$LAUNCHED
    PIDS+=("$NGINX_PID")
    for _ in $(seq 1 200); do
        curl -ksf -o /dev/null -H 'Content-Type: application/json' --data-binary @"$WORK/review.json" "https://127.0.0.1:$NGINX_PORT/" && break
        sleep 0.05
    done
}
stop_nginx() {
    kill "$NGINX_PID" 2>/dev/null || true
    wait "$NGINX_PID" 2>/dev/null || true
}

# The processes whose CPU time and context switches count: the webhook; nginx's master and workers.
server_pids() { # webhook|nginx
    if [ "$1" = webhook ]; then echo "$WEBHOOK_PID"; else echo "$NGINX_PID $(pgrep -P "$NGINX_PID" | tr '\n' ' ')"; fi
}
cpu_ticks() { # pids… → utime + stime (clock ticks) of all threads
    local total=0
    for pid in "$@"; do
        # Fields after the command name (which may hold spaces): utime is the 12th, stime the 13th.
        total=$((total + $(sed 's/^.*) //' "/proc/$pid/stat" | awk '{print $12 + $13}')))
    done
    echo "$total"
}
context_switches() { # pids… → voluntary + involuntary switches of every live thread
    local total=0
    for pid in "$@"; do
        for status in /proc/"$pid"/task/*/status; do
            total=$((total + $(awk '/^(voluntary|nonvoluntary)_ctxt_switches/ {s += $2} END {print s + 0}' "$status" 2>/dev/null || echo 0)))
        done
    done
    echo "$total"
}

cat >"$WORK/post.lua" <<LUA
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
local f = io.open("$WORK/review.json", "rb"); wrk.body = f:read("*a"); f:close()
local pause = tonumber(os.getenv("WRK_DELAY_MS") or "0")
-- Paced runs draw think times from an exponential distribution (mean WRK_DELAY_MS), so requests
-- arrive as a Poisson-like stream instead of every connection in lock-step.
math.randomseed(os.time())
if pause > 0 then function delay() return math.floor(-math.log(1 - math.random()) * pause + 0.5) end end
function done(summary, latency, requests)
    local e = summary.errors
    io.write(string.format("RESULT %d %d %d %d %d %d %d %d\n", summary.requests, summary.duration,
        latency:percentile(50), latency:percentile(90), latency:percentile(99), latency:percentile(99.9),
        latency.max, e.connect + e.read + e.write + e.status + e.timeout))
end
LUA

ms() { awk -v u="$1" 'BEGIN { printf "%.2f", u / 1000 }'; }
# measure LABEL SERVER URL CONNECTIONS CGROUP [WRK_PREFIX…]: one wrk run; prints a row, sets RPS.
printf '%-30s %-8s %6s %9s %8s %8s %8s %8s %8s %7s %9s\n' setup server conns "req/s" "p50 ms" "p90 ms" "p99 ms" "p99.9" "CPU µs" "cs/req" throttled
measure() {
    local label=$1 server=$2 url=$3 connections=$4 cgroup=$5; shift 5
    local pids; pids=$(server_pids "$server")
    # shellcheck disable=SC2086
    local ticks0 cs0 thr0; ticks0=$(cpu_ticks $pids); cs0=$(context_switches $pids); thr0=$(throttled "$cgroup")
    local threads=$THREADS; [ "$connections" -lt "$threads" ] && threads=$connections
    local out
    out=$("$@" wrk -t"$threads" -c"$connections" -d"${DURATION}s" --timeout 10s -s "$WORK/post.lua" "$url")
    # shellcheck disable=SC2086
    local ticks1 cs1 thr1; ticks1=$(cpu_ticks $pids); cs1=$(context_switches $pids); thr1=$(throttled "$cgroup")
    echo "$label $server $connections: $out" >>"$WORK/wrk.log"
    local requests duration p50 p90 p99 p999 max errors
    read -r _ requests duration p50 p90 p99 p999 max errors < <(echo "$out" | grep '^RESULT')
    RPS=$(awk -v r="$requests" -v d="$duration" 'BEGIN { printf "%.0f", r / (d / 1e6) }')
    local cpu cs
    cpu=$(awk -v t="$((ticks1 - ticks0))" -v h="$CLK_TCK" -v r="$requests" 'BEGIN { printf "%.1f", (r > 0 ? t * 1e6 / h / r : 0) }')
    cs=$(awk -v c="$((cs1 - cs0))" -v r="$requests" 'BEGIN { printf "%.2f", (r > 0 ? c / r : 0) }')
    local thr="-"; [ -n "$cgroup" ] && thr=$((thr1 - thr0))
    printf '%-30s %-8s %6s %9s %8s %8s %8s %8s %8s %7s %9s' "$label" "$server" "$connections" "$RPS" \
        "$(ms "$p50")" "$(ms "$p90")" "$(ms "$p99")" "$(ms "$p999")" "$cpu" "$cs" "$thr"
    [ "$errors" != 0 ] && printf '   (%s errors)' "$errors"
    [ "$max" -gt 1000000 ] && printf '   (max %s ms)' "$(ms "$max")"
    echo
    P99=$(ms "$p99")
}

WEBHOOK_URL="https://127.0.0.1:$PORT/validate-ray-io-v1-raycluster"
NGINX_URL="https://127.0.0.1:$NGINX_PORT/"
sizing() { grep -o 'threads: [^;]*' "$1" | head -1 | sed 's/^threads: //'; }

for setup in $SETUPS; do
    case $setup in
    A)
        LAUNCH_CGROUP=""
        start_webhook taskset -c 0 2>"$WORK/webhook-A.log"
        echo "-- A: server on CPU 0, wrk on CPU 1; webhook: $(sizing "$WORK/webhook-A.log")"
        if [ -n "${PERF_RECORD:-}" ]; then
            perf record -q -e cpu-clock -F 2000 -g -p "$WEBHOOK_PID" -o "$PERF_RECORD" -- sleep "$DURATION" >/dev/null 2>&1 &
            PERF_PID=$!
        fi
        if [ -n "${PERF_STAT:-}" ]; then
            events=raw_syscalls:sys_enter,context-switches
            for call in read write readv writev recvfrom sendto epoll_wait epoll_pwait epoll_ctl futex sched_yield setsockopt; do
                events="$events,syscalls:sys_enter_$call"
            done
            perf stat -e "$events" -p "$WEBHOOK_PID" -o "$PERF_STAT" -- sleep "$DURATION" >/dev/null 2>&1 &
            PERF_PID=$!
        fi
        for c in $CONNECTIONS_A; do measure "A one core each" webhook "$WEBHOOK_URL" "$c" "" taskset -c 1; done
        [ -n "${PERF_RECORD:-}${PERF_STAT:-}" ] && wait "$PERF_PID" || true
        stop_webhook
        start_nginx 1 taskset -c 0
        for c in $CONNECTIONS_A; do measure "A one core each" nginx "$NGINX_URL" "$c" "" taskset -c 1; done
        stop_nginx
        ;;
    B)
        if [ -z "$CGROUP_BASE" ]; then echo "-- B: skipped (needs root and a writable cpu cgroup)"; continue; fi
        LAUNCH_CGROUP=$(make_quota_cgroup webhook); CGROUPS+=("$LAUNCH_CGROUP")
        WEBHOOK_CGROUP=$LAUNCH_CGROUP
        start_webhook 2>"$WORK/webhook-B.log"
        echo "-- B: 1-CPU quota (cgroup v$CGROUP_VERSION), wrk unpinned; webhook: $(sizing "$WORK/webhook-B.log")"
        MAX_B=""
        for c in $CONNECTIONS_B; do
            measure "B 1-CPU quota" webhook "$WEBHOOK_URL" "$c" "$WEBHOOK_CGROUP"
            [ -z "$MAX_B" ] && MAX_B=$RPS && MAX_B_CONNECTIONS=$c
        done
        # Half load: half the rate of the first row, paced over as many connections. Each
        # connection's cycle is think time + latency: a short calibration run measures the latter.
        half=$((MAX_B / 2))
        delay=$(awk -v h="$half" -v c="$MAX_B_CONNECTIONS" 'BEGIN { d = c * 1000 / (h > 0 ? h : 1); printf "%.2f", (d < 1 ? 1 : d) }')
        cal=$(WRK_DELAY_MS=$delay wrk -t1 -c"$MAX_B_CONNECTIONS" -d3s -s "$WORK/post.lua" "$WEBHOOK_URL" | awk '/^RESULT/ {printf "%.0f", $2 / ($3 / 1e6)}')
        delay=$(awk -v h="$half" -v c="$MAX_B_CONNECTIONS" -v d="$delay" -v r="$cal" 'BEGIN {
            latency = (r > 0 ? c * 1000 / r - d : 0); if (latency < 0) latency = 0
            d2 = c * 1000 / (h > 0 ? h : 1) - latency; printf "%.2f", (d2 < 0.5 ? 0.5 : d2) }')
        export WRK_DELAY_MS=$delay
        measure "B half load (~$half/s paced)" webhook "$WEBHOOK_URL" "$MAX_B_CONNECTIONS" "$WEBHOOK_CGROUP"
        unset WRK_DELAY_MS
        stop_webhook
        LAUNCH_CGROUP=$(make_quota_cgroup nginx); CGROUPS+=("$LAUNCH_CGROUP")
        NGINX_CGROUP=$LAUNCH_CGROUP
        start_nginx 1
        for c in $CONNECTIONS_B; do measure "B 1-CPU quota" nginx "$NGINX_URL" "$c" "$NGINX_CGROUP"; done
        export WRK_DELAY_MS=$delay
        measure "B same pacing" nginx "$NGINX_URL" "$MAX_B_CONNECTIONS" "$NGINX_CGROUP"
        unset WRK_DELAY_MS
        stop_nginx
        LAUNCH_CGROUP=""
        ;;
    C)
        LAUNCH_CGROUP=""
        start_webhook 2>"$WORK/webhook-C.log"
        echo "-- C: server and wrk share the cores; webhook: $(sizing "$WORK/webhook-C.log")"
        for c in $CONNECTIONS_C; do measure "C shared cores" webhook "$WEBHOOK_URL" "$c" ""; done
        stop_webhook
        start_nginx "$(nproc)"
        for c in $CONNECTIONS_C; do measure "C shared cores" nginx "$NGINX_URL" "$c" ""; done
        stop_nginx
        ;;
    *) echo "unknown setup $setup (A, B or C)"; exit 2 ;;
    esac
done
echo "CPU µs: server CPU time per request; cs/req: server context switches per request (all threads);"
echo "throttled: periods the cgroup ran out of quota during the run. wrk -t$THREADS, ${DURATION}s per run, $(wc -c <"$WORK/review.json")-byte POST."
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
