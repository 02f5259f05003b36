#!/usr/bin/env bash
# Conversion benchmark: ConversionReviews in process and over HTTPS.
#
# 1. `conversion-bench` (release): a ConversionReview of 1, 100 and 1,000 RayClusters each way,
#    in process (parse + convert + serialize, exactly what `/convert` runs): wall ms per review
#    (big reviews use every core) and the CPU ms of all threads, and where the time goes for
#    1,000 objects.
# 2. The same review bodies POSTed to `/convert` of the release `ray-operator webhook` over one
#    keep-alive TLS connection (Python `ssl` + http.client): wall ms per review, end to end
#    (TLS, HTTP, parse, convert, serialize, transfer), median and best of ROUNDS.
#
# Target: a 1,000-object review ≤ 50 ms end to end. Everything runs on 127.0.0.1 and stops by
# itself. Env: ROUNDS (default 15), SCRATCH (build dir, default .build-conversion), PORT (HTTPS;
# metrics and health probes on PORT+1 and PORT+2).
set -euo pipefail

cd "$(dirname "$0")/.."
ROUNDS=${ROUNDS:-15}
SCRATCH=${SCRATCH:-.build-conversion}
PORT=${PORT:-19543}
. benchmarks/lib.sh
bench_workdir conversion-bench

echo "== building (release)"
swift build -c release --scratch-path "$SCRATCH" --product conversion-bench >/dev/null
swift build -c release --scratch-path "$SCRATCH" --product ray-operator >/dev/null
BIN=$(swift build -c release --scratch-path "$SCRATCH" --show-bin-path)

# The machine may be shared (other builds): the load before and after goes with the figures.
echo "== load: $(uptime)"
echo "== in process"
"$BIN/conversion-bench" --write-reviews "$WORK"

bench_certificate

bench_start_webhook "$BIN" "$PORT" "$((PORT + 1))" "$((PORT + 2))"
for _ in $(seq 1 100); do
    if curl -ksf -o /dev/null -H 'Content-Type: application/json' --data-binary @"$WORK/review-0-1.json" "https://127.0.0.1:$PORT/convert"; then break; fi
    sleep 0.1
done

echo "== through HTTPS (/convert, one keep-alive TLS connection, $ROUNDS rounds)"
python3 - "$PORT" "$WORK" "$ROUNDS" <<'PY'
import http.client, json, os, ssl, statistics, sys, time
port, work, rounds = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
names = ["v1alpha1 → v1      (original samples)", "v1 → v1alpha1      (stored from v1alpha1)",
         "v1 → v1alpha1      (KubeRay manifests)", "v1alpha1 → v1      (read back of KubeRay)"]
context = ssl._create_unverified_context()
connection = http.client.HTTPSConnection("127.0.0.1", port, context=context)
print(f"{'scenario':44}{'objects':>8}{'median ms':>11}{'best ms':>9}")
worst = 0.0
for index, name in enumerate(names):
    for size in (1, 100, 1000):
        path = os.path.join(work, f"review-{index}-{size}.json")
        if not os.path.exists(path):
            continue
        body = open(path, "rb").read()
        times = []
        for _ in range(rounds + 1):
            start = time.perf_counter()
            connection.request("POST", "/convert", body, {"Content-Type": "application/json"})
            response = connection.getresponse()
            data = response.read()
            times.append((time.perf_counter() - start) * 1000)
            assert response.status == 200, (response.status, data[:200])
        reply = json.loads(data)
        assert reply["response"]["result"]["status"] == "Success", reply["response"]["result"]
        assert len(reply["response"]["convertedObjects"]) == size
        times = times[1:]  # the first one warms the connection
        median = statistics.median(times)
        if size == 1000:
            worst = max(worst, median)
        print(f"{name:44}{size:>8}{median:>11.2f}{min(times):>9.2f}")
print(f"worst 1,000-object review through HTTPS (median): {worst:.2f} ms (target ≤ 50 ms) {'OK' if worst <= 50 else 'OVER'}")
PY
echo "== load: $(uptime)"
