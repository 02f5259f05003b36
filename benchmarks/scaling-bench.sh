#!/usr/bin/env bash
# Does the cost of validation and conversion grow linearly with the input? Times, with the release
# build, `ray-operator validate` on a RayCluster with 4k/8k/16k/32k invalid worker groups (each
# group breaks several rules: its name, replicas, min/max), the same clusters as AdmissionReviews
# POSTed to the webhook, and `ray-operator convert` of a v1alpha1 cluster with as many
# extensions. A linear cost doubles with the input: the "x" column is the ratio to the previous
# size (2.0 = linear; 4.0 would be quadratic). Everything runs on 127.0.0.1 and stops by itself.
# Env: SIZES (default "4000 8000 16000 32000"), BIN (a built release bin folder).
set -euo pipefail
cd "$(dirname "$0")/.."
SIZES=${SIZES:-4000 8000 16000 32000}
. benchmarks/lib.sh
bench_workdir scaling-bench
if [ -z "${BIN:-}" ]; then
    echo "== building (release)"
    swift build -c release --product ray-operator >/dev/null
    BIN=$(swift build -c release --show-bin-path)
fi
echo "== load: $(uptime)"
for n in $SIZES; do
    python3 - "$n" "$WORK" <<'PY'
import json, sys
n, work = int(sys.argv[1]), sys.argv[2]
container = lambda name: {"name": name, "image": "rayproject/ray:2.9.0"}
groups = [{"groupName": "Bad_Name_%d" % i, "replicas": -1, "minReplicas": 5, "maxReplicas": 1, "rayStartParams": {},
           "template": {"spec": {"containers": [container("ray-worker")]}}} for i in range(n)]
cluster = {"apiVersion": "ray.io/v1", "kind": "RayCluster", "metadata": {"name": "x", "namespace": "default"},
           "spec": {"rayVersion": "2.9.0", "headGroupSpec": {"rayStartParams": {}, "template": {"spec": {"containers": [container("ray-head")]}}},
                    "workerGroupSpecs": groups}}
json.dump(cluster, open("%s/cluster-%d.json" % (work, n), "w"))
review = {"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview", "request": {
    "uid": "u", "kind": {"group": "ray.io", "version": "v1", "kind": "RayCluster"},
    "resource": {"group": "ray.io", "version": "v1", "resource": "rayclusters"}, "operation": "CREATE",
    "namespace": "default", "name": "x", "object": cluster, "userInfo": {"username": "a"}}}
json.dump(review, open("%s/review-%d.json" % (work, n), "w"))
extensions = [{"type": "head", "groupName": "head-group", "replicas": 1, "command": "ray start --head"}] + [
    {"type": "worker", "groupName": "group-%d" % i, "replicas": 1, "minReplicas": 1, "maxReplicas": 2, "command": "ray start"} for i in range(n)]
alpha = {"apiVersion": "ray.io/v1alpha1", "kind": "RayCluster", "metadata": {"name": "x"},
         "spec": {"clusterName": "x", "images": {"defaultImage": "rayproject/ray:2.9.0"}, "extensions": extensions}}
json.dump(alpha, open("%s/alpha-%d.json" % (work, n), "w"))
PY
done

bench_certificate
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
bench_start_webhook "$BIN" "$PORT" 0 0

best_of_3() { # prints the best wall time of three runs of "$@", in seconds
    local best=""
    for _ in 1 2 3; do
        local start end
        start=$(date +%s.%N); "$@" >/dev/null 2>&1 || true; end=$(date +%s.%N)
        best=$(python3 -c "import sys; a=float(sys.argv[2])-float(sys.argv[1]); b=sys.argv[3]; print(min(a, float(b)) if b else a)" "$start" "$end" "$best")
    done
    echo "$best"
}
post() { curl -sk -o /dev/null -H 'Content-Type: application/json' --data-binary @"$1" "https://127.0.0.1:$PORT/validate-ray-io-v1-raycluster"; }

printf '%-8s %12s %5s %12s %5s %12s %5s\n' groups "validate s" x "webhook s" x "convert s" x
prev=()
for n in $SIZES; do
    v=$(best_of_3 "$BIN/ray-operator" validate -f "$WORK/cluster-$n.json")
    w=$(best_of_3 post "$WORK/review-$n.json")
    c=$(best_of_3 "$BIN/ray-operator" convert -f "$WORK/alpha-$n.json" --output-version ray.io/v1 -o json)
    ratio() { [ -n "${2:-}" ] && python3 -c "import sys; print('%.1f' % (float(sys.argv[1]) / float(sys.argv[2])))" "$1" "$2" || echo "-"; }
    printf '%-8s %12.3f %5s %12.3f %5s %12.3f %5s\n' "$n" "$v" "$(ratio "$v" "${prev[0]:-}")" "$w" "$(ratio "$w" "${prev[1]:-}")" "$c" "$(ratio "$c" "${prev[2]:-}")"
    prev=("$v" "$w" "$c")
done
echo "== load: $(uptime)"
