// Admission micro-benchmark: µs per object for validate and for default on KubeRay's
// `ray-cluster.complete` shape and on a 200-group object, and parse + validate + serialize of a
// whole ~10 KB AdmissionReview through the very endpoint functions the webhook calls.
//
//   swift run -c release --scratch-path .build-admission admission-bench
//   admission-bench --write-review FILE     # also writes the ~10 KB review body (for wrk)
//   admission-bench --profile N             # only N validating reviews, untimed (perf, callgrind)
//
// Each figure is the best of `rounds` rounds; a round repeats the operation until it has run for
// at least `minimumSeconds`. Targets: validate + default of the complete sample ≤ 20 µs.

import Admission
import JSON
import RayAPI
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

let minimumSeconds = 0.3
let rounds = 5

/// This thread's CPU time in nanoseconds: unlike wall time it does not count the time other
/// processes (parallel builds on a 2-core machine) hold the CPU, so figures stay comparable.
func threadCPUNanos() -> Double {
    var spec = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &spec)
    return Double(spec.tv_sec) * 1e9 + Double(spec.tv_nsec)
}

/// Best-of-rounds CPU nanoseconds per call of `body`.
func measure(_ body: () -> Int) -> Double {
    var best = Double.infinity
    var sink = 0
    for _ in 0..<rounds {
        var iterations = 0
        let start = threadCPUNanos()
        var elapsed = 0.0
        repeat {
            for _ in 0..<64 { sink &+= body() }
            iterations &+= 64
            elapsed = threadCPUNanos() - start
        } while elapsed < minimumSeconds * 1e9
        best = min(best, elapsed / Double(iterations))
    }
    if sink == 42 { print("") }  // keep the work observable
    return best
}

func report(_ label: String, _ nanos: Double, target: Double? = nil) {
    let micros = nanos / 1000
    var line = label + String(repeating: " ", count: max(1, 54 - label.count)) + String(format2(micros)) + " µs"
    if let target { line += micros <= target ? "   (target ≤ \(format2(target)) µs: met)" : "   (target ≤ \(format2(target)) µs: MISSED)" }
    print(line)
}

/// Two decimals without Foundation.
func format2(_ value: Double) -> String {
    let scaled = (value * 100).rounded()
    guard scaled.isFinite, abs(scaled) < 1e15 else { return "\(value)" }
    let whole = Int(scaled) / 100
    let fraction = abs(Int(scaled) % 100)
    return "\(whole).\(fraction < 10 ? "0" : "")\(fraction)"
}

var arguments = CommandLine.arguments.dropFirst()
var reviewPath: String?
var profileCount: Int?
while let argument = arguments.popFirst() {
    if argument == "--write-review", let path = arguments.popFirst() { reviewPath = path }
    // `--profile N`: N validating reviews, untimed, and nothing else (for perf and callgrind).
    if argument == "--profile", let count = arguments.popFirst().flatMap({ Int($0) }) { profileCount = count }
}

let gates = FeatureGates()
let complete = Samples.complete()
let large = Samples.complete(groups: 200)
let review = Samples.review()

if let reviewPath {
    let text = String(decoding: review, as: UTF8.self)
    guard let file = fopen(reviewPath, "w") else {
        print("admission-bench: cannot write \(reviewPath)")
        exit(2)
    }
    fputs(text, file)
    fclose(file)
}

if let profileCount {
    var sink = 0
    for _ in 0..<profileCount {
        sink &+= AdmissionEndpoint.validate(body: review, contentType: "application/json", gates: gates).body.count
    }
    if sink == 42 { print("") }
    exit(0)
}

let completeVerdict = RayClusterValidator.validate(complete, gates: gates)
let largeVerdict = RayClusterValidator.validate(large, gates: gates)
print("admission-bench (release build expected; thread CPU time per call, best of \(rounds) rounds)")
print("complete sample: \(completeVerdict.errors.count) errors, \(RayClusterDefaulter.patch(for: complete).count) patch ops; "
      + "200-group object: \(largeVerdict.errors.count) errors, \(RayClusterDefaulter.patch(for: large).count) patch ops; "
      + "review body \(review.count) bytes")

let validateComplete = measure { RayClusterValidator.validate(complete, gates: gates).errors.count }
let defaultComplete = measure { RayClusterDefaulter.patch(for: complete).count }
report("validate, complete sample", validateComplete)
report("default, complete sample", defaultComplete)
report("validate + default, complete sample", validateComplete + defaultComplete, target: 20)
let validateLarge = measure { RayClusterValidator.validate(large, gates: gates).errors.count }
let defaultLarge = measure { RayClusterDefaulter.patch(for: large).count }
report("validate, 200 worker groups", validateLarge)
report("default, 200 worker groups", defaultLarge)
report("validate, 200 worker groups, per group", validateLarge / 200)

let json = "application/json"
report("validating review ~10 KB (parse+validate+serialize)", measure {
    AdmissionEndpoint.validate(body: review, contentType: json, gates: gates).body.count
}, target: 22)
report("mutating review ~10 KB (parse+default+serialize)", measure {
    AdmissionEndpoint.mutate(body: review, contentType: json, gates: gates).body.count
})
report("  of which review parse (unread members skipped)", measure {
    (try? AdmissionReview.parse(review))?.request.uid.utf8.count ?? 0
}, target: 14)
report("  the same review parsed in full", measure {
    (try? AdmissionReview.parse(review, skippingUnreadMembers: false))?.request.uid.utf8.count ?? 0
})
report("  JSON parse of the whole review (JSONValue.parse)", measure {
    (try? JSONValue.parse(review))?.objectValue?.count ?? 0
})
