#!/usr/bin/env bash
# The attack suite: the release webhook inside a memory cgroup at the Deployment's limit
# (256 MiB), attacked the ways that used to take it down, while a good client sends
# AdmissionReviews as kube-apiserver does (~100/s over keep-alive TLS) and measures them.
#
#   flood       25,000 bare TCP connections (nothing sent), held open
#   slowloris   1,000 TLS connections sending request headers one byte a second
#   slowbody    1,000 TLS connections announcing a 7 MB body, then one byte every 8 s
#   convert     four concurrent 57 MB ConversionReviews (55,000 objects each, v1 → v1alpha1)
#
# For each: whether the process survived (alive and no OOM kill in its cgroup), its peak RSS, and
# the good requests' success rate, p50 and p99. A fresh webhook per attack. Needs root (cgroups,
# open-file limit), python3, openssl, curl. Everything runs on 127.0.0.1 and stops by itself.
#
# Env: MEMORY_LIMIT (default 256M), ATTACKS (default "flood slowloris slowbody convert"),
# SECONDS_PER_ATTACK (20), FLOOD_CONNECTIONS (25000), SLOW_CONNECTIONS (1000), CONVERSIONS (4),
# CONVERSION_OBJECTS (55000), BIN (a built release bin folder; else it is built), EXTRA_FLAGS
# (passed to `ray-operator webhook`).
set -euo pipefail
cd "$(dirname "$0")/.."
MEMORY_LIMIT=${MEMORY_LIMIT:-256M}
ATTACKS=${ATTACKS:-flood slowloris slowbody convert}
SECONDS_PER_ATTACK=${SECONDS_PER_ATTACK:-20}
FLOOD_CONNECTIONS=${FLOOD_CONNECTIONS:-25000}
SLOW_CONNECTIONS=${SLOW_CONNECTIONS:-1000}
CONVERSIONS=${CONVERSIONS:-4}
CONVERSION_OBJECTS=${CONVERSION_OBJECTS:-55000}
EXTRA_FLAGS=${EXTRA_FLAGS:-}
. benchmarks/lib.sh
bench_workdir attack-suite

if [ "$(id -u)" != 0 ]; then echo "attack-suite: needs root (memory cgroup, open-file limit)"; exit 2; fi
# Open-file limit: as high as this machine lets us (the flood spreads its 25,000 sockets over
# as many client processes as that limit needs).
ulimit -Hn 65536 2>/dev/null || true
ulimit -n "$(ulimit -Hn)"
FDS_PER_PROCESS=$(( $(ulimit -n) - 200 ))

limit_bytes=$(python3 -c "
import sys; v=sys.argv[1].upper(); m={'K':1<<10,'M':1<<20,'G':1<<30}
print(int(v[:-1])*m[v[-1]] if v[-1] in m else int(v))" "$MEMORY_LIMIT")

# The memory cgroup: v2 (unified, /sys/fs/cgroup/cgroup.controllers) or v1 (/sys/fs/cgroup/memory).
CGROUP=""
cgroup_cleanup() {
    if [ -n "$CGROUP" ] && [ -d "$CGROUP" ]; then
        for pid in $(cat "$CGROUP/cgroup.procs" 2>/dev/null); do kill -9 "$pid" 2>/dev/null || true; done
        for _ in $(seq 1 50); do [ -z "$(cat "$CGROUP/cgroup.procs" 2>/dev/null)" ] && break; sleep 0.1; done
        rmdir "$CGROUP" 2>/dev/null || true
    fi
    bench_cleanup
}
trap cgroup_cleanup EXIT
if [ -f /sys/fs/cgroup/cgroup.controllers ]; then
    CGROUP_VERSION=2
    CGROUP=/sys/fs/cgroup/ray-attack-suite-$$
    grep -qw memory /sys/fs/cgroup/cgroup.subtree_control || echo +memory > /sys/fs/cgroup/cgroup.subtree_control
    mkdir "$CGROUP"
    echo "$limit_bytes" > "$CGROUP/memory.max"
    [ -f "$CGROUP/memory.swap.max" ] && echo 0 > "$CGROUP/memory.swap.max"
elif [ -d /sys/fs/cgroup/memory ]; then
    CGROUP_VERSION=1
    CGROUP=/sys/fs/cgroup/memory/ray-attack-suite-$$
    mkdir "$CGROUP"
    echo "$limit_bytes" > "$CGROUP/memory.limit_in_bytes"
    [ -f "$CGROUP/memory.memsw.limit_in_bytes" ] && echo "$limit_bytes" > "$CGROUP/memory.memsw.limit_in_bytes" 2>/dev/null || true
else
    echo "attack-suite: no memory cgroup controller on this machine"; exit 2
fi
oom_kills() {
    if [ "$CGROUP_VERSION" = 2 ]; then awk '$1 == "oom_kill" { print $2 }' "$CGROUP/memory.events"
    else awk '$1 == "oom_kill" { print $2 }' "$CGROUP/memory.oom_control"; fi
}

if [ -z "${BIN:-}" ]; then
    echo "== building (release)"
    swift build -c release --product ray-operator >/dev/null
    BIN=$(swift build -c release --show-bin-path)
fi
bench_certificate
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# start_webhook NAME: a fresh webhook inside the cgroup; sets HOOK (pid), PORT, HEALTH, METRICS.
start_webhook() {
    PORT=$(free_port); HEALTH=$(free_port); METRICS=$(free_port)
    # shellcheck disable=SC2086
    bash -c 'echo $$ > "$1/cgroup.procs"; shift; exec "$@"' _ "$CGROUP" \
        "$BIN/ray-operator" webhook --port "$PORT" --bind-address 127.0.0.1 --cert-dir "$WORK/certs" \
        --metrics-bind-address "127.0.0.1:$METRICS" --health-probe-bind-address "127.0.0.1:$HEALTH" \
        --drain-seconds 0 --shutdown-grace-seconds 2 $EXTRA_FLAGS >"$WORK/webhook-$1.log" 2>&1 &
    HOOK=$!
    PIDS+=("$HOOK")
    for _ in $(seq 1 100); do
        curl -sf -o /dev/null "http://127.0.0.1:$HEALTH/readyz" && return 0
        kill -0 "$HOOK" 2>/dev/null || break
        sleep 0.1
    done
    echo "the webhook did not become ready:"; cat "$WORK/webhook-$1.log"; exit 1
}

echo "== load: $(uptime)"
echo "== memory cgroup v$CGROUP_VERSION at $CGROUP, limit $limit_bytes bytes; open-file limit $(ulimit -n)"
rows=()
for attack in $ATTACKS; do
    start_webhook "$attack"
    grep -o 'memory budget.*' "$WORK/webhook-$attack.log" | head -1 | sed 's/^/   /'
    ooms_before=$(oom_kills)
    case "$attack" in
        flood)     attacker=(flood "$PORT" "$FLOOD_CONNECTIONS" "$SECONDS_PER_ATTACK" "$FDS_PER_PROCESS") ;;
        slowloris) attacker=(slowloris "$PORT" "$SLOW_CONNECTIONS" "$SECONDS_PER_ATTACK") ;;
        slowbody)  attacker=(slowbody "$PORT" "$SLOW_CONNECTIONS" "$SECONDS_PER_ATTACK") ;;
        convert)   attacker=(convert "$PORT" "$CONVERSIONS" "$CONVERSION_OBJECTS") ;;
        *) echo "unknown attack $attack"; exit 2 ;;
    esac
    echo "== $attack"
    python3 benchmarks/attack_suite.py "${attacker[@]}" 2>&1 | sed 's/^/   /' &
    attack_pid=$!
    # The good client starts once the attack is under way and measures while it lasts.
    sleep 3
    good_seconds=$((SECONDS_PER_ATTACK - 5))
    [ "$good_seconds" -ge 5 ] || good_seconds=5
    python3 benchmarks/attack_suite.py good "$PORT" "$good_seconds" "$WORK/good-$attack.json" || true
    wait "$attack_pid" || true
    survived=no
    if kill -0 "$HOOK" 2>/dev/null && [ "$(oom_kills)" = "$ooms_before" ]; then survived=yes; fi
    peak=$(awk '/VmHWM/ { printf "%.0f MB", $2 / 1024 }' "/proc/$HOOK/status" 2>/dev/null || true)
    if [ -z "$peak" ]; then
        if [ "$CGROUP_VERSION" = 2 ]; then peak_file="$CGROUP/memory.peak"; else peak_file="$CGROUP/memory.max_usage_in_bytes"; fi
        peak=$(awk '{ printf "cgroup %.0f MB", $1 / 1048576 }' "$peak_file" 2>/dev/null || echo "?")
    fi
    good=$(python3 -c '
import json, sys
try:
    r = json.load(open(sys.argv[1]))
    print("%5.1f%%  %7.1f  %7.1f  %6d" % (r["success"], r["p50_ms"], r["p99_ms"], r["requests"]))
    for k, v in r["errors"].items(): print("      error x%d: %s" % (v, k), file=sys.stderr)
except Exception as e:
    print("  (no result: %s)" % e)' "$WORK/good-$attack.json")
    rows+=("$(printf '%-10s %-9s %-9s %s' "$attack" "$survived" "$peak" "$good")")
    grep -E 'ray_operator_webhook_(connections_evicted|inflight_budget|request_timeouts|memory_trims)' \
        <(curl -s "http://127.0.0.1:$METRICS/metrics" 2>/dev/null) 2>/dev/null | grep -v '^#' | sed 's/^/   /' || true
    kill "$HOOK" 2>/dev/null || true
    wait "$HOOK" 2>/dev/null || true
    if [ -n "${KEEP_LOGS:-}" ]; then cp "$WORK/webhook-$attack.log" "/tmp/attack-webhook-$attack.log"; fi
done

echo "== load: $(uptime)"
echo
echo "attack     survived  peak RSS  success      p50 ms   p99 ms  requests   (good AdmissionReviews during the attack)"
for row in "${rows[@]}"; do echo "$row"; done
