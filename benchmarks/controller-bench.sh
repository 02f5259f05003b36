#!/usr/bin/env bash
# Reconciler benchmark: 100 RayClusters of 10 workers each (one worker group) brought to their
# desired state by the release `ray-operator controller` on a local kube-apiserver, next to a plain
# Python http.client loop creating the same 1,100 pods and 100 Services in the same run.
#
# Each pass: a fresh controller with default flags (watching all namespaces), 100 clusters created
# over one keep-alive connection, the time from the first create until every cluster has its head
# pod, 10 worker pods and head Service (polled every 150 ms with name-only Table lists), then the
# controller's /metrics (calls by code/method and by verb/resource), its peak RSS (VmHWM) and CPU
# time. A second pass raises --kube-api-qps/--kube-api-burst (RAISED_QPS=0 skips it): with the
# old default of 100 qps / burst 200 the 1,200 creates alone took >= 10 s, so the client-side rate
# limit, not the controller, bounded the run; the default is now 500 / 1000. Between the passes the plain loop
# runs PLAIN_ROUNDS times (the median counts; the machine is shared) with THREADS keep-alive
# connections (default 4 = the controller's --max-concurrent-reconciles), sending bodies of the
# shape of the pods and Service the controller made, with new names.
#
#   benchmarks/controller-bench.sh
#   PORT=17443 CLUSTERS=100 WORKERS=10 THREADS=4 PLAIN_ROUNDS=3 RAISED_QPS=1000 benchmarks/controller-bench.sh
#
# Targets: the minimum writes (POST pods = CLUSTERS x (1 + WORKERS), POST services = CLUSTERS,
# no DELETE), convergence within 2x the plain loop's time, peak RSS <= 40 MB.
# Needs: swift, python3, kubectl, curl, and ../shared/tools/kube-apiserver.
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$(pwd)
source benchmarks/lib.sh
PORT=${PORT:-17443}
CLUSTERS=${CLUSTERS:-100}
WORKERS=${WORKERS:-10}
THREADS=${THREADS:-4}
PLAIN_ROUNDS=${PLAIN_ROUNDS:-3}
RAISED_QPS=${RAISED_QPS:-1000}
TOOLS=${TOOLS:-$ROOT/../shared/tools/kube-apiserver}
RSS_LIMIT_KB=$((40 * 1024))

bench_workdir controller-bench
APISERVER=""
stop_all() {
    # The controllers first, then the API server (stop.sh reads its pid files from $WORK).
    for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
    [ -n "$APISERVER" ] && "$TOOLS/stop.sh" "$APISERVER" >/dev/null 2>&1 || true
    bench_cleanup
}
trap stop_all EXIT

echo "== building ray-operator (release)"
swift build -c release --product ray-operator >/dev/null
BIN=$(swift build -c release --show-bin-path)

echo "== starting kube-apiserver on port $PORT"
APISERVER=$WORK/apiserver
mkdir -p "$APISERVER"
KC=$("$TOOLS/start.sh" "$APISERVER" "$PORT")
export KUBECONFIG=$KC
kubectl create -f config/crd/bases/ray.io_rayclusters.yaml >/dev/null
for _ in $(seq 1 300); do
    [ "$(kubectl get crd rayclusters.ray.io -o 'jsonpath={.status.conditions[?(@.type=="Established")].status}' 2>/dev/null)" = True ] && break
    sleep 0.2
done

free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# metric_sum TEXT NAME LABEL...: the sum of the series of NAME whose labels contain every LABEL.
metric_sum() {
    local text=$1 name=$2; shift 2
    printf '%s\n' "$text" | awk -v name="$name" -v labels="$*" '
        index($0, name "{") == 1 || index($0, name " ") == 1 {
            n = split(labels, want, " "); ok = 1
            for (i = 1; i <= n; i++) if (index($0, want[i]) == 0) ok = 0
            if (ok) total += $NF
        }
        END { printf "%d", total }'
}

FAILURES=0
SUMMARY=()
PLAIN_SECONDS=""

# run_pass LABEL NAMESPACE [CONTROLLER FLAGS…]: one controller, one set of clusters, one summary row.
run_pass() {
    local label=$1 namespace=$2; shift 2
    local metrics_port health_port
    metrics_port=$(free_port); health_port=$(free_port)
    echo "== pass '$label': controller $* (namespace $namespace)"
    kubectl create namespace "$namespace" >/dev/null
    "$BIN/ray-operator" controller --kubeconfig "$KC" --metrics-bind-address "127.0.0.1:$metrics_port" \
        --health-probe-bind-address "127.0.0.1:$health_port" "$@" >"$WORK/controller-$label.log" 2>&1 &
    local controller=$!
    PIDS+=("$controller")
    for _ in $(seq 1 300); do
        [ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "http://127.0.0.1:$health_port/readyz" || true)" = 200 ] && break
        kill -0 "$controller" 2>/dev/null || { echo "the controller exited:"; tail -20 "$WORK/controller-$label.log"; exit 1; }
        sleep 0.2
    done
    local line
    line=$(python3 benchmarks/controller_bench.py converge "$KC" "$namespace" "$CLUSTERS" "$WORKERS")
    echo "   $line"
    local seconds=${line#*seconds=}; seconds=${seconds%% *}
    # Late writes (a stale cache creating twice) would come right after convergence.
    sleep 3
    local text hwm cpu
    text=$(curl -s --max-time 5 "http://127.0.0.1:$metrics_port/metrics")
    hwm=$(awk '/^VmHWM:/ {print $2}' "/proc/$controller/status")
    cpu=$(awk -v tick="$(getconf CLK_TCK)" '{printf "%.2f", ($14 + $15) / tick}' "/proc/$controller/stat")
    kill "$controller"
    wait "$controller" 2>/dev/null || true

    echo "   rest_client_requests_total by code/method:"
    printf '%s\n' "$text" | grep '^rest_client_requests_total{' | sed -E 's/.*code="([^"]*)".*method="([^"]*)".*\} (.*)/\2 \1 \3/; s/.*method="([^"]*)".*code="([^"]*)".*\} (.*)/\1 \2 \3/' \
        | awk '{ sum[$1 " " $2] += $3 } END { for (k in sum) printf "     %-8s %s\n", k, sum[k] }' | sort
    echo "   ray_operator_api_calls_total by verb/resource:"
    printf '%s\n' "$text" | grep '^ray_operator_api_calls_total{' | sed -E 's/.*verb="([^"]*)".*resource="([^"]*)".*\} (.*)/\1 \2 \3/; s/.*resource="([^"]*)".*verb="([^"]*)".*\} (.*)/\2 \1 \3/' \
        | awk '{ printf "     %-8s %-20s %s\n", $1, $2, $3 }' | sort

    local pod_creates service_creates deletes want_pods=$((CLUSTERS * (1 + WORKERS)))
    pod_creates=$(metric_sum "$text" ray_operator_api_calls_total 'verb="create"' 'resource="pods"')
    service_creates=$(metric_sum "$text" ray_operator_api_calls_total 'verb="create"' 'resource="services"')
    deletes=$(metric_sum "$text" rest_client_requests_total 'method="DELETE"')
    local writes=PASS
    if [ "$pod_creates" != "$want_pods" ] || [ "$service_creates" != "$CLUSTERS" ] || [ "$deletes" != 0 ]; then
        writes=FAIL; FAILURES=$((FAILURES + 1))
    fi
    echo "   minimum writes: POST pods $pod_creates (want $want_pods), POST services $service_creates (want $CLUSTERS), DELETE $deletes (want 0): $writes"
    local rss=PASS
    [ "$hwm" -le "$RSS_LIMIT_KB" ] || { rss=FAIL; FAILURES=$((FAILURES + 1)); }
    echo "   peak RSS ${hwm} kB ($(awk -v k="$hwm" 'BEGIN {printf "%.1f", k / 1024}') MB, target <= 40 MB): $rss; CPU ${cpu} s"
    SUMMARY+=("$label|$seconds|$pod_creates/$service_creates/$deletes $writes|$(awk -v k="$hwm" 'BEGIN {printf "%.1f", k / 1024}') MB $rss|$cpu")
}

run_pass default bench-default
echo "== plain loop: $THREADS keep-alive connections, the same $((CLUSTERS * (1 + WORKERS))) pods and $CLUSTERS Services, $PLAIN_ROUNDS rounds"
PLAIN_TIMES=()
for round in $(seq 1 "$PLAIN_ROUNDS"); do
    kubectl create namespace "bench-plain-$round" >/dev/null
    line=$(python3 benchmarks/controller_bench.py plain "$KC" bench-default "bench-plain-$round" "$CLUSTERS" "$WORKERS" "$THREADS")
    echo "   round $round: $line"
    seconds=${line#*seconds=}; PLAIN_TIMES+=("${seconds%% *}")
done
PLAIN_SECONDS=$(printf '%s\n' "${PLAIN_TIMES[@]}" | sort -n | awk '{a[NR] = $1} END {print (NR % 2 ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2)}')

if [ "$RAISED_QPS" != 0 ]; then
    # The first pass's objects out of the way, so the second controller's caches hold as many.
    kubectl delete rayclusters.ray.io,pods,services --all -n bench-default --wait=false >/dev/null
    for round in $(seq 1 "$PLAIN_ROUNDS"); do kubectl delete pods,services --all -n "bench-plain-$round" --wait=false >/dev/null; done
    for _ in $(seq 1 300); do
        [ -z "$(kubectl get pods -A -o name 2>/dev/null | head -1)" ] && break
        sleep 0.2
    done
    run_pass raised bench-raised --kube-api-qps "$RAISED_QPS" --kube-api-burst "$((RAISED_QPS * 2))"
fi

echo
echo "== summary ($CLUSTERS clusters x $WORKERS workers, $(nproc) cores, Kubernetes $(kubectl version -o json 2>/dev/null | python3 -c 'import json,sys; print(json.load(sys.stdin)["serverVersion"]["gitVersion"])' 2>/dev/null || echo '?'))"
printf '%-10s %-10s %-14s %-24s %-16s %-8s\n' pass seconds "vs plain" "POST pod/svc, DELETE" "peak RSS" "CPU s"
for row in "${SUMMARY[@]}"; do
    IFS='|' read -r label seconds writes rss cpu <<<"$row"
    ratio=$(awk -v c="$seconds" -v p="$PLAIN_SECONDS" 'BEGIN {printf "%.2f", c / p}')
    verdict=PASS
    awk -v r="$ratio" 'BEGIN {exit !(r <= 2)}' || { verdict=FAIL; FAILURES=$((FAILURES + 1)); }
    printf '%-10s %-10s %-14s %-24s %-16s %-8s\n' "$label" "$seconds" "${ratio}x $verdict" "$writes" "$rss" "$cpu"
done
printf '%-10s %-10s (median of %s rounds: %s; %s threads)\n' plain "$PLAIN_SECONDS" "$PLAIN_ROUNDS" "${PLAIN_TIMES[*]}" "$THREADS"
echo "targets, for every pass: minimum writes, <= 2x the plain loop's time, peak RSS <= 40 MB"
[ "$FAILURES" = 0 ] && echo "RESULT: PASS" || { echo "RESULT: FAIL ($FAILURES)"; exit 1; }
