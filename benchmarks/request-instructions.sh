#!/usr/bin/env bash
# Instructions per admission review in the running webhook, counted by callgrind: unlike time,
# instruction counts do not move with the load of a shared machine, so they compare builds.
#
# Starts the release webhook (`webhook-bench`: the WebhookProcess of `ray-operator webhook`, default
# options, without the command line, which Valgrind cannot start) under `valgrind --tool=callgrind`, warms it up with a
# Python TLS client, zeroes the counters, sends ROUNDS rounds of one ~10 KB validating review on
# each of CONNECTIONS keep-alive connections (all sent, then all answers read: with several
# connections one epoll round serves several requests), dumps the counters and prints instructions
# per request (user space, all threads), split into:
#
#   TLS              SSL_read + SSL_write (decrypt, encrypt, record handling)
#   HTTP             parsing the request head, routing, collecting the body
#   review parse     AdmissionReview.parse (the JSON parse of the review)
#   rules            RayClusterValidator.validate
#   response         building and serializing the AdmissionReview response and the HTTP response
#   tree release     freeing the parsed review
#   handler, rest    the rest of the route handler (metrics, envelope checks…)
#   server, rest     the event loop and connection around all this
#
# The kernel's part (system calls) is not in these counts: benchmarks/request-profile.sh shows it.
# Valgrind counts every byte a `rep movsb` copies as one instruction, so block copies (the TLS
# plaintext into the read buffer, the body into its array: ~10 KB each) weigh more here than in
# time.
# Env: ROUNDS (default 300), CONNECTIONS ("1 16": one run each), BIN, SKIP_BUILD, SCRATCH, PORT
# (default 24453). Needs valgrind and python3.
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${ROUNDS:-300}
CONNECTIONS=${CONNECTIONS:-1 16}
SCRATCH=${SCRATCH:-.build-admission}
PORT=${PORT:-24453}
. benchmarks/lib.sh
bench_workdir request-instructions

if [ -z "${BIN:-}" ]; then
    if [ "${SKIP_BUILD:-0}" != 1 ]; then
        swift build -c release --scratch-path "$SCRATCH" --product admission-bench >/dev/null
        swift build -c release --scratch-path "$SCRATCH" --product webhook-bench >/dev/null
    fi
    BIN=$(swift build -c release --scratch-path "$SCRATCH" --show-bin-path)
fi
if [ -x "$BIN/admission-bench" ]; then
    "$BIN/admission-bench" --write-review "$WORK/review.json" >/dev/null
else
    "$(swift build -c release --scratch-path "$SCRATCH" --show-bin-path)/admission-bench" --write-review "$WORK/review.json" >/dev/null
fi
bench_certificate >/dev/null

cat >"$WORK/client.py" <<'PY'
import socket, ssl, subprocess, sys
port, connections, rounds, pid, body_path = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], sys.argv[5]
body = open(body_path, "rb").read()
request = (b"POST /validate-ray-io-v1-raycluster HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
           b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body)
context = ssl.create_default_context(); context.check_hostname = False; context.verify_mode = ssl.CERT_NONE
sockets = [context.wrap_socket(socket.create_connection(("127.0.0.1", port)), server_hostname="localhost") for _ in range(connections)]
buffers = [b""] * connections
def answer(i):
    s = sockets[i]
    data = buffers[i]
    while b"\r\n\r\n" not in data:
        data += s.recv(65536)
    head, _, rest = data.partition(b"\r\n\r\n")
    length = int([l.split(b":")[1] for l in head.split(b"\r\n") if l.lower().startswith(b"content-length:")][0])
    while len(rest) < length:
        rest += s.recv(65536)
    buffers[i] = rest[length:]
    if not head.startswith(b"HTTP/1.1 200"):
        raise SystemExit("unexpected answer: " + head.decode(errors="replace"))
def run(count):
    for _ in range(count):
        for s in sockets: s.sendall(request)
        for i in range(connections): answer(i)
run(20)
subprocess.run(["callgrind_control", "--zero", pid], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
run(rounds)
subprocess.run(["callgrind_control", "--dump=measured", pid], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
print(rounds * connections)
PY

echo "build: $BIN"
printf '%-12s %12s %9s %9s %9s %9s %9s %9s %9s %9s\n' connections "instr/req" TLS "HTTP" "review" rules response release handler server
for c in $CONNECTIONS; do
    rm -f "$WORK"/callgrind.out*
    # The webhook's own allocator setting (ray-operator webhook sets it by re-executing itself).
    GLIBC_TUNABLES=glibc.malloc.tcache_count=64 valgrind --tool=callgrind --callgrind-out-file="$WORK/callgrind.out.%p" \
        "$BIN/webhook-bench" --port "$PORT" --cert-dir "$WORK/certs" --health-port "$((PORT + 1))" \
        >"$WORK/webhook.log" 2>&1 &
    hook=$!
    PIDS+=("$hook")
    for _ in $(seq 1 600); do curl -sf -o /dev/null "http://127.0.0.1:$((PORT + 1))/readyz" && break; sleep 0.1; done
    requests=$(python3 "$WORK/client.py" "$PORT" "$c" "$ROUNDS" "$hook" "$WORK/review.json")
    kill "$hook"; wait "$hook" 2>/dev/null || true
    dump=$(ls "$WORK"/callgrind.out.*.1 2>/dev/null | head -1)
    [ -n "$dump" ] || { echo "no callgrind dump"; cat "$WORK/webhook.log"; exit 1; }
    callgrind_annotate --inclusive=yes --threshold=100 "$dump" >"$WORK/annotate.txt" 2>/dev/null
    [ -n "${KEEP:-}" ] && cp "$dump" "$KEEP.$c" && cp "$WORK/annotate.txt" "$KEEP.$c.txt"
    python3 - "$WORK/annotate.txt" "$requests" "$c" <<'PY'
import re, sys
path, requests, connections = sys.argv[1], int(sys.argv[2]), sys.argv[3]
total, inclusive = 0, {}
for line in open(path, errors="replace"):
    m = re.match(r"\s*([\d,]+)\s+(?:\([^)]*\)\s+)?(\S.*)$", line)
    if not m: continue
    count = int(m.group(1).replace(",", ""))
    name = m.group(2)
    if "PROGRAM TOTALS" in name: total = count; continue
    inclusive[name] = max(inclusive.get(name, 0), count)
def largest(pattern):
    """Inclusive count of the outermost function matching `pattern` (the largest one)."""
    regex = re.compile(pattern)
    return max([v for k, v in inclusive.items() if regex.search(k)] or [0])
def summed(pattern):
    regex = re.compile(pattern)
    return sum(v for k, v in inclusive.items() if regex.search(k))
tls = largest(r"\bSSL_read\b") + largest(r"\bSSL_write\b")
http = max(0, largest(r"ConnectionC15processBuffered") - largest(r"ConnectionC8dispatch"))
handler = largest(r"ConnectionC8dispatch")
review = largest(r"0A6ReviewV5parse_21skippingUnreadMembers|AdmissionReview\.parse")
rules = largest(r"RayClusterValidatorO8validate|RayClusterValidator\.validate")
response = largest(r"0A8ResponseV6review") + largest(r"JSONValueO10serialized") + largest(r"HTTPResponseV9serialize")
release = largest(r"0A6ReviewVwxx|ReviewVwxx")
handler_rest = max(0, handler - review - rules - response - release)
server_rest = max(0, total - tls - http - handler)
per = lambda v: "%9.0f" % (v / requests)
print("%-12s %12.0f %s %s %s %s %s %s %s %s" % (connections, total / requests, per(tls), per(http), per(review), per(rules),
      per(response), per(release), per(handler_rest), per(server_rest)))
PY
done
echo "(instructions per request, user space, all threads; the last two columns: the handler's and the server's own rest)"
