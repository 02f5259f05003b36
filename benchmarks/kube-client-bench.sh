#!/usr/bin/env bash
# Kubernetes API client benchmark: pod creates per second through KubeHTTPClient (release build of
# `kube-client-bench`, T threads sharing one client and its keep-alive pool) next to a plain Python
# http.client loop (T threads, one keep-alive HTTPS connection each, the same JSON body), against
# one local kube-apiserver, in the same run. Rounds alternate Swift and Python so both see the same
# machine load; each round creates N pods in a fresh namespace. Prints each round, the median
# rates and the ratio.
#
#   benchmarks/kube-client-bench.sh                       # N=2000 pods, T=16 threads, 3 rounds each
#   PODS=2000 THREADS=16 ROUNDS=3 PORT=18443 benchmarks/kube-client-bench.sh
#   KUBECONFIG_PATH=/path/kubeconfig benchmarks/kube-client-bench.sh   # use a running API server instead
#
# Target: the client reaches >= 0.8x the Python loop's creates per second.
# Needs: swift, python3, kubectl, and ../shared/tools/kube-apiserver (or KUBECONFIG_PATH).
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$(pwd)
PODS=${PODS:-2000}
THREADS=${THREADS:-16}
ROUNDS=${ROUNDS:-3}
PORT=${PORT:-18443}
TOOLS=${TOOLS:-$ROOT/../shared/tools/kube-apiserver}

WORK=$(mktemp -d /tmp/kube-client-bench.XXXXXX)
STARTED=""
cleanup() {
    [ -n "$STARTED" ] && "$TOOLS/stop.sh" "$WORK/apiserver" >/dev/null 2>&1 || true
    rm -rf "$WORK"
}
trap cleanup EXIT

echo "building kube-client-bench (release)…"
swift build -c release --product kube-client-bench >/dev/null
BENCH=$(swift build -c release --show-bin-path)/kube-client-bench

if [ -n "${KUBECONFIG_PATH:-}" ]; then
    KC=$KUBECONFIG_PATH
else
    echo "starting kube-apiserver on port $PORT…"
    mkdir -p "$WORK/apiserver"
    KC=$("$TOOLS/start.sh" "$WORK/apiserver" "$PORT")
    STARTED=yes
fi

# The Python side reads the same kubeconfig: server, CA file (or data) and token.
cat > "$WORK/loop.py" <<'PY'
import base64, http.client, json, os, ssl, sys, tempfile, threading, time, urllib.parse
kubeconfig, namespace, pods, threads, prefix = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
# kubeconfig written by start.sh: flow-style YAML, read with the few facts needed
text = open(kubeconfig).read()
def field(name):
    start = text.index(name + ":") + len(name) + 1
    rest = text[start:].lstrip()
    if rest.startswith('"'):
        return rest[1:rest.index('"', 1)]
    end = min([i for i in (rest.find(","), rest.find("}"), rest.find("\n")) if i >= 0])
    return rest[:end].strip()
server = urllib.parse.urlparse(field("server"))
context = ssl.create_default_context(cafile=field("certificate-authority"))
token = field("token")
body_for = lambda name: json.dumps({"apiVersion": "v1", "kind": "Pod",
    "metadata": {"name": name, "labels": {"bench": "kube-client"}},
    "spec": {"containers": [{"name": "main", "image": "busybox:1.36"}]}}).encode()
headers = {"Content-Type": "application/json", "Accept": "application/json", "Authorization": "Bearer " + token,
           "User-Agent": "python-loop"}
path = "/api/v1/namespaces/%s/pods" % namespace
lock = threading.Lock()
state = {"next": 0, "errors": 0}
def worker():
    connection = http.client.HTTPSConnection(server.hostname, server.port, context=context)
    while True:
        with lock:
            index = state["next"]
            state["next"] += 1
        if index >= pods:
            connection.close()
            return
        connection.request("POST", path, body=body_for("%s-%d" % (prefix, index)), headers=headers)
        response = connection.getresponse()
        response.read()
        if response.status != 201:
            with lock:
                state["errors"] += 1
started = time.monotonic()
workers = [threading.Thread(target=worker) for _ in range(threads)]
for w in workers: w.start()
for w in workers: w.join()
seconds = time.monotonic() - started
created = pods - state["errors"]
print("python creates=%d seconds=%.3f rate=%d/s errors=%d" % (created, seconds, round(created / seconds), state["errors"]))
PY

export KUBECONFIG=$KC
rate() { sed -n 's/.* rate=\([0-9]*\)\/s.*/\1/p'; }
SWIFT_RATES=()
PYTHON_RATES=()
for round in $(seq 1 "$ROUNDS"); do
    for side in swift python; do
        ns="bench-$side-$round-$$"
        kubectl create namespace "$ns" >/dev/null
        if [ "$side" = swift ]; then
            line=$("$BENCH" --kubeconfig "$KC" --namespace "$ns" --pods "$PODS" --threads "$THREADS" --prefix p)
            SWIFT_RATES+=("$(echo "$line" | rate)")
        else
            line=$(python3 "$WORK/loop.py" "$KC" "$ns" "$PODS" "$THREADS" p)
            PYTHON_RATES+=("$(echo "$line" | rate)")
        fi
        echo "round $round: $line"
        kubectl delete namespace "$ns" --wait=false >/dev/null
    done
done

median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
S=$(median "${SWIFT_RATES[@]}")
P=$(median "${PYTHON_RATES[@]}")
echo "median creates/s: KubeHTTPClient $S, python http.client loop $P, ratio $(awk -v s="$S" -v p="$P" 'BEGIN {printf "%.2f", s/p}') (target >= 0.8)"
echo "($PODS pods per round, $THREADS threads, $(nproc) cores, Kubernetes $(kubectl version -o json 2>/dev/null | python3 -c 'import json,sys; print(json.load(sys.stdin)["serverVersion"]["gitVersion"])' 2>/dev/null || echo '?'))"
