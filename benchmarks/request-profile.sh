#!/usr/bin/env bash
# Where the CPU time of one admission review goes in the running webhook, in µs per request.
#
# Runs setup A of benchmarks/admission-bench.sh (webhook on CPU 0, wrk on CPU 1, 32 keep-alive TLS
# connections posting the ~10 KB review) with `perf record -e cpu-clock -g` on the webhook, then
# puts every sample in one category by its call chain (the innermost frame that names one wins, so
# malloc under the JSON parser counts as JSON parse) and scales the shares by the CPU time per
# request measured in the same run:
#
#   kernel: <call>      time in the kernel under that system call (read, write, epoll_wait…; a
#                       write on loopback also delivers the bytes to the client and wakes it)
#   TLS                 OpenSSL (record decryption and encryption, its buffers)
#   HTTP parse          request head parsing, header lookup
#   JSON values freed   releasing the parsed review (and any other JSON value)
#   JSON parse          the AdmissionReview parse (with its allocations)
#   rules               validation rules and the typed facts they read from the review
#   serialization       the response: JSON, status line and headers
#   handler glue        the endpoint and metrics code around those
#   connection/loop     the event loop and connection state machine (buffers, copies)
#   other               anything else (runtime, thread start)
#
# Then `perf stat` counts system calls and context switches per request over a second run, and the
# script prints both. DETAIL=N also lists the N frames that decided most samples of each category.
# Env: DURATION (default 10), CONNECTIONS (32), BIN, SKIP_BUILD, SCRATCH, PORT:
# as admission-bench.sh. Needs perf (cpu-clock sampling works without hardware counters).
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${DURATION:-10}
CONNECTIONS=${CONNECTIONS:-32}
OUT=$(mktemp -d /tmp/request-profile.XXXXXX)
trap 'rm -rf "$OUT"' EXIT

command -v perf >/dev/null || { echo "perf is not installed"; exit 1; }

echo "== setup A with perf record"
SETUPS=A CONNECTIONS_A=$CONNECTIONS PERF_RECORD="$OUT/perf.data" DURATION=$DURATION \
    benchmarks/admission-bench.sh | tee "$OUT/bench.txt" | grep -E '^(machine|setup|-- A|A one core each +webhook|load)' || true
CPU_US=$(awk '$1 == "A" && $5 == "webhook" {print $12}' "$OUT/bench.txt")
RPS=$(awk '$1 == "A" && $5 == "webhook" {print $7}' "$OUT/bench.txt")
[ -n "$CPU_US" ] || { echo "no webhook row in the benchmark output"; exit 1; }

perf script -i "$OUT/perf.data" -F comm,tid,ip,sym,dso 2>/dev/null >"$OUT/script.txt"
python3 - "$OUT/script.txt" "$CPU_US" <<'PY'
import os, re, sys
path, cpu_us = sys.argv[1], float(sys.argv[2])
# Innermost match wins: each frame is tested against these in order.
CATEGORIES = [
    ("JSON values freed", re.compile(r"\$s9Admission0A6ReviewVwxx|\$s4JSON9JSONValueOWOe|\$s4JSON9JSONValueOwxx|\$s4JSON10JSONObjectV6MemberVwxx")),
    ("JSON parse", re.compile(r"JSONParser|JSONValueO5parse|JSONValueO15parseContiguous|JSONSkip|MemberStack|ReviewV5parse")),
    ("serialization", re.compile(r"JSONSerializer|serialize|HTTPResponse|AdmissionResponse|encode")),
    ("HTTP parse", re.compile(r"HTTPParser|HeadScanner|HTTPRequestHead|HTTPHeaders")),
    ("rules", re.compile(r"\$s9Admission(?!0A8Endpoint)|\$s6RayAPI|\$s10Conversion")),
    ("handler glue", re.compile(r"\$s9Admission0A8Endpoint|\$s7Webhook|\$s7Metrics")),
    ("TLS", re.compile(r"^SSL_|^ssl|^tls|^ossl|^EVP_|^BIO_|^CRYPTO_|^ERR_")),
    ("connection/loop", re.compile(r"\$s10HTTPServer|\$s7Threads")),
]
TLS_DSO = re.compile(r"libssl|libcrypto")

def classify(frames):
    """(category, the frame that decided it); frames: [(symbol, dso)], leaf first."""
    if frames and frames[0][1] == "[kernel.kallsyms]":
        for symbol, dso in frames:
            if dso != "[kernel.kallsyms]":
                # A system call made through libc; kernel time under our own code is a page fault
                # or an interrupt that hit it.
                if "libc.so" not in dso:
                    return "kernel: faults, interrupts", symbol
                name = re.sub(r"^(__GI___libc_|__libc_|__)", "", symbol.split("+")[0])
                return "kernel: " + name, symbol
        return "kernel: faults, interrupts", frames[0][0]
    for symbol, dso in frames:
        if TLS_DSO.search(dso):
            return "TLS", symbol
        for name, pattern in CATEGORIES:
            if pattern.search(symbol):
                return name, symbol
    return "other", frames[0][0] if frames else "?"

counts, deciders, total, frames = {}, {}, 0, []
def flush():
    global frames, total
    if frames:
        category, decider = classify(frames)
        counts[category] = counts.get(category, 0) + 1
        key = (category, decider)
        deciders[key] = deciders.get(key, 0) + 1
        total += 1
    frames = []
line_re = re.compile(r"^\s+[0-9a-f]+ (.*) \((.*)\)$")
for line in open(path, errors="replace"):
    if not line.strip():
        flush(); continue
    m = line_re.match(line)
    if m:
        frames.append((m.group(1), m.group(2)))
flush()
print()
print("%-34s %7s %9s" % ("where the CPU time goes", "share", "µs/req"))
for name, count in sorted(counts.items(), key=lambda item: -item[1]):
    share = count / total
    print("%-34s %6.1f%% %9.1f" % (name, share * 100, share * cpu_us))
print("%-34s %6.1f%% %9.1f   (%d samples)" % ("total", 100, cpu_us, total))
if os.environ.get("DETAIL"):
    print()
    for name, _ in sorted(counts.items(), key=lambda item: -item[1]):
        top = sorted(((n, d) for (c, d), n in deciders.items() if c == name), reverse=True)[:int(os.environ["DETAIL"])]
        for n, decider in top:
            print("  %-20s %5.1f%%  %s" % (name[:20], n * 100 / total, decider[:150]))
PY

echo
echo "== system calls and context switches per request (perf stat, a second run of setup A)"
# The webhook of a fresh setup-A run; perf stat attaches for the length of the wrk run.
SETUPS=A CONNECTIONS_A=$CONNECTIONS DURATION=$DURATION PERF_STAT="$OUT/stat.txt" \
    benchmarks/admission-bench.sh >"$OUT/bench2.txt"
REQUESTS=$(awk '$1 == "A" && $5 == "webhook" {print $7 * '"$DURATION"'}' "$OUT/bench2.txt")
awk -v r="$REQUESTS" '
    /raw_syscalls:sys_enter/ { gsub(",", "", $1); printf "system calls per request      %7.3f\n", $1 / r }
    /syscalls:sys_enter_/    { gsub(",", "", $1); name = $2; sub(/.*sys_enter_/, "", name); if ($1 > 0) printf "  %-27s %7.3f\n", name, $1 / r }
    /context-switches/       { gsub(",", "", $1); printf "context switches per request  %7.3f\n", $1 / r }
' "$OUT/stat.txt"
echo "(requests/s in the profiled run: $RPS; in this one: $(awk '$1 == "A" && $5 == "webhook" {print $7}' "$OUT/bench2.txt"))"
