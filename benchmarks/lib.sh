# Shared by the benchmark scripts that run `ray-operator webhook`: a work folder cleaned up on
# exit (with every process listed in PIDS), a localhost certificate, and the webhook itself.
# Source it after `set -euo pipefail` and `cd` to the repository root.

# bench_workdir NAME: sets WORK to a fresh temporary folder and PIDS to (); both go on exit.
bench_workdir() {
    WORK=$(mktemp -d "/tmp/$1.XXXXXX")
    PIDS=()
    trap bench_cleanup EXIT
}
bench_cleanup() {
    for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
    for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
    rm -rf "$WORK"
}

# bench_certificate: an ECDSA P-256 serving certificate for localhost in $WORK/certs.
bench_certificate() {
    echo "== certificate (ECDSA P-256, localhost)"
    mkdir -p "$WORK/certs"
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1 -subj /CN=localhost \
        -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" \
        -keyout "$WORK/certs/tls.key" -out "$WORK/certs/tls.crt" 2>/dev/null
}

# bench_start_webhook BIN PORT METRICS_PORT HEALTH_PORT: starts the release webhook with that
# certificate on loopback; exits the script (0) when this build has no webhook, (1) when it died.
bench_start_webhook() {
    echo "== starting the webhook on :$2"
    "$1/ray-operator" webhook --port "$2" --bind-address 127.0.0.1 --cert-dir "$WORK/certs" \
        --metrics-bind-address "127.0.0.1:$3" --health-probe-bind-address "127.0.0.1:$4" >"$WORK/webhook.log" 2>&1 &
    local hook=$!
    PIDS+=("$hook")
    sleep 1
    if ! kill -0 "$hook" 2>/dev/null; then
        local status=0; wait "$hook" || status=$?
        if [ "$status" = 3 ]; then echo "ray-operator webhook is not implemented in this build: HTTPS part skipped"; exit 0; fi
        echo "the webhook exited with status $status:"; cat "$WORK/webhook.log"; exit 1
    fi
}
