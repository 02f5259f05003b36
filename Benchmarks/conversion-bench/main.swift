// Conversion benchmark: the time to convert a ConversionReview of 1, 100 and 1,000
// RayClusters each way, in process, through the very function `/convert` calls: parse the body,
// convert every object, serialize the response.
//
//   swift run -c release --scratch-path .build-conversion conversion-bench
//   conversion-bench --write-reviews DIR   # also writes the review bodies (for benchmarks/conversion-bench.sh)
//   conversion-bench --show-sample         # prints one converted object per scenario
//   valgrind --tool=callgrind --toggle-collect='*ConversionEndpoint*convert*' --toggle-collect='*ParallelMap*' conversion-bench --profile 1
//                                          # instruction counts of two 1,000-object reviews of scenario 1
//
// Each figure is wall time, best and median of `rounds` rounds (a round converts the review
// `repeats` times): a big review is converted on every core, so this thread's CPU time would not
// count the other threads' share. On a busy machine the best is the fairer figure. Target: a
// 1,000-object review ≤ 50 ms end to end.

import Conversion
import JSON
import RayAPI
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

let rounds = 7
let sizes = [1, 100, 1000]

/// Wall time (monotonic).
func nowNanos() -> Double {
    var spec = timespec()
    clock_gettime(CLOCK_MONOTONIC, &spec)
    return Double(spec.tv_sec) * 1e9 + Double(spec.tv_nsec)
}

/// CPU time of every thread of the process (the parts and the release thread included).
func processCPUNanos() -> Double {
    var spec = timespec()
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &spec)
    return Double(spec.tv_sec) * 1e9 + Double(spec.tv_nsec)
}

func median(_ values: [Double]) -> Double {
    let sorted = values.sorted()
    guard !sorted.isEmpty else { return .nan }
    return sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
}

/// A cluster as the original operator's users wrote them (its `complete` sample's shape).
func alphaCluster(_ i: Int) -> JSONValue {
    func group(_ name: String, _ type: String, _ cpu: String) -> JSONValue {
        .object(JSONObject([
            ("replicas", 1), ("type", .string(type)),
            ("labels", .object(JSONObject([("raycluster.group.name", .string(name))]))),
            ("groupName", .string(name)),
            ("command", .string(type == "head"
                ? "ray start --head --block --redis-port=6379 --node-ip-address=$MY_POD_IP --num-cpus=1"
                : "ray start --block --node-ip-address=$MY_POD_IP --address=$CLUSTER_NAME-head:6379 --num-cpus=1")),
            ("resources", .object(JSONObject([
                ("limits", .object(JSONObject([("cpu", .string(cpu)), ("memory", "2Gi"), ("ephemeral-storage", "2Gi")]))),
                ("requests", .object(JSONObject([("cpu", .string(cpu)), ("memory", "2Gi"), ("ephemeral-storage", "2Gi")]))),
            ]))),
            ("annotations", .object(JSONObject([("key", "value")]))),
            ("tolerations", .array([.object(JSONObject([("key", "key1"), ("operator", "Equal"), ("value", "true"), ("effect", "NoSchedule")]))])),
            ("containerEnv", .array([
                .object(JSONObject([("name", "APPNAME"), ("value", "raycluster-sample")])),
                .object(JSONObject([("name", "MY_POD_IP"), ("valueFrom", .object(JSONObject([("fieldRef", .object(JSONObject([("fieldPath", "status.podIP")])))])))])),
            ])),
            ("headServiceSuffix", "ray-operator.svc"),
            ("volumes", .array([.object(JSONObject([("name", "log-volume"), ("emptyDir", .object(JSONObject()))]))])),
            ("volumeMounts", .array([.object(JSONObject([("mountPath", "/path/to/log"), ("name", "log-volume")]))])),
        ]))
    }
    return .object(JSONObject([
        ("apiVersion", "ray.io/v1alpha1"), ("kind", "RayCluster"),
        ("metadata", .object(JSONObject([("name", .string("raycluster-\(i)")), ("namespace", "ray"),
                                         ("uid", .string("0e7bd8a1-0000-4000-8000-\(i)")), ("resourceVersion", "4711")]))),
        ("spec", .object(JSONObject([
            ("clusterName", .string("raycluster-\(i)")),
            ("images", .object(JSONObject([("defaultImage", "rayproject/autoscaler")]))),
            ("imagePullPolicy", "Always"),
            ("extensions", .array([group("small-group", "worker", "1000m"), group("medium-group", "worker", "2000m"), group("head-group", "head", "2000m")])),
        ]))),
    ]))
}

/// A cluster as KubeRay users write them: generated `ray start`, ports, autoscaler, status.
func kubeRayCluster(_ i: Int) -> JSONValue {
    func container(_ name: String, _ cpu: String) -> JSONValue {
        .object(JSONObject([
            ("name", .string(name)), ("image", "rayproject/ray:2.41.0"),
            ("resources", .object(JSONObject([("limits", .object(JSONObject([("cpu", .string(cpu)), ("memory", "2G")]))),
                                              ("requests", .object(JSONObject([("cpu", .string(cpu)), ("memory", "2G")])))]))),
            ("ports", .array([.object(JSONObject([("containerPort", 6379), ("name", "gcs")])),
                              .object(JSONObject([("containerPort", 8265), ("name", "dashboard")]))])),
        ]))
    }
    return .object(JSONObject([
        ("apiVersion", "ray.io/v1"), ("kind", "RayCluster"),
        ("metadata", .object(JSONObject([("name", .string("raycluster-\(i)")), ("namespace", "ray"),
                                         ("uid", .string("0e7bd8a1-0000-4000-8000-\(i)")), ("resourceVersion", "4711")]))),
        ("spec", .object(JSONObject([
            ("rayVersion", "2.41.0"), ("enableInTreeAutoscaling", true),
            ("autoscalerOptions", .object(JSONObject([("upscalingMode", "Default"), ("idleTimeoutSeconds", 60)]))),
            ("headGroupSpec", .object(JSONObject([
                ("rayStartParams", .object(JSONObject([("num-cpus", "0")]))),
                ("template", .object(JSONObject([("spec", .object(JSONObject([("containers", .array([container("ray-head", "1")]))])))]))),
            ]))),
            ("workerGroupSpecs", .array([.object(JSONObject([
                ("groupName", "small-group"), ("replicas", 1), ("minReplicas", 0), ("maxReplicas", 10), ("numOfHosts", 1),
                ("rayStartParams", .object(JSONObject())),
                ("template", .object(JSONObject([("spec", .object(JSONObject([("containers", .array([container("ray-worker", "1")]))])))]))),
            ]))])),
        ]))),
        ("status", .object(JSONObject([("state", "ready"), ("availableWorkerReplicas", 1), ("desiredCPU", "2")]))),
    ]))
}

func review(_ objects: [JSONValue], to version: String) -> [UInt8] {
    JSONValue.object(JSONObject([
        ("apiVersion", "apiextensions.k8s.io/v1"), ("kind", "ConversionReview"),
        ("request", .object(JSONObject([("uid", "705ab4f5-6393-11e8-b7cc-42010a800002"),
                                        ("desiredAPIVersion", .string(version)), ("objects", .array(objects))]))),
    ])).serialized()
}

/// The v1 objects stored for `alphaCluster`s (what the API server sends back for v1alpha1 reads).
func storedFromAlpha(_ i: Int) -> JSONValue {
    (try? RayClusterConverter.convert(alphaCluster(i), to: "ray.io/v1")) ?? .null
}

struct Scenario {
    var name: String
    var version: String
    var make: (Int) -> JSONValue
}

let scenarios = [
    Scenario(name: "v1alpha1 → v1      (original samples)", version: "ray.io/v1", make: alphaCluster),
    Scenario(name: "v1 → v1alpha1      (stored from v1alpha1)", version: "ray.io/v1alpha1", make: storedFromAlpha),
    Scenario(name: "v1 → v1alpha1      (KubeRay manifests)", version: "ray.io/v1alpha1", make: kubeRayCluster),
    Scenario(name: "v1alpha1 → v1      (read back of KubeRay)", version: "ray.io/v1",
             make: { (try? RayClusterConverter.convert(kubeRayCluster($0), to: "ray.io/v1alpha1")) ?? .null }),
]

var writeDirectory: String?
var arguments = CommandLine.arguments.dropFirst()
while let argument = arguments.popFirst() {
    if argument == "--write-reviews", let directory = arguments.popFirst() { writeDirectory = directory }
    if argument == "--profile", let which = arguments.popFirst().flatMap({ Int($0) }), scenarios.indices.contains(which) {
        // Converts one 1,000-object review of scenario `which` twice and exits: a short, fixed
        // workload for `valgrind --tool=callgrind` (instruction counts do not depend on the load
        // of the machine, unlike times).
        let body = review((0..<1000).map(scenarios[which].make), to: scenarios[which].version)
        for _ in 0..<2 {
            if ConversionEndpoint.convert(body: body, contentType: "application/json").status != 200 { exit(1) }
        }
        exit(0)
    }
    if argument == "--show-sample" {
        // One converted object of each scenario, to see what the conversion writes.
        for scenario in scenarios {
            print(scenario.name)
            print(((try? RayClusterConverter.convert(scenario.make(0), to: scenario.version)) ?? .null).jsonString)
        }
        exit(0)
    }
}

print("ConversionReview: parse + convert + serialize (ConversionEndpoint.convert), wall ms, \(rounds) rounds, \(ConversionResponseWriter.defaultParts) threads for big reviews")
print("scenario                                     objects   body KB    best  median   µs/object  CPU ms")
var worst1000 = 0.0
for (index, scenario) in scenarios.enumerated() {
    for size in sizes {
        let body = review((0..<size).map(scenario.make), to: scenario.version)
        if let writeDirectory {
            let path = "\(writeDirectory)/review-\(index)-\(size).json"
            if let file = fopen(path, "wb") {
                _ = body.withUnsafeBufferPointer { fwrite($0.baseAddress, 1, $0.count, file) }
                fclose(file)
            }
        }
        // Sanity: every object converted.
        let check = ConversionEndpoint.convert(body: body, contentType: "application/json")
        guard check.status == 200, let parsed = try? JSONValue.parse(check.body),
              parsed["response"]?["result"]?["status"] == "Success",
              parsed["response"]?["convertedObjects"]?.arrayValue?.count == size else {
            print("conversion-bench: \(scenario.name) with \(size) objects did not convert")
            exit(1)
        }
        let repeats = max(1, 200 / size)
        var times: [Double] = []
        var sink = 0
        let cpuStart = processCPUNanos()
        for _ in 0..<rounds {
            let start = nowNanos()
            for _ in 0..<repeats {
                sink &+= ConversionEndpoint.convert(body: body, contentType: "application/json").body.count
            }
            times.append((nowNanos() - start) / Double(repeats))
        }
        if sink == 0 { print("") }
        // All threads' CPU per review (the release thread's share of the last round may be missing).
        let cpu = (processCPUNanos() - cpuStart) / Double(rounds * repeats)
        let best = times.min() ?? .nan
        let ms = median(times) / 1e6
        if size == 1000 { worst1000 = max(worst1000, ms) }
        let line = scenario.name.padding(toLength: 44) + String(size).leftPad(8)
            + String(body.count / 1024).leftPad(10) + format(best / 1e6, 2).leftPad(8) + format(ms, 2).leftPad(8)
            + format(best / 1e3 / Double(size), 1).leftPad(12) + format(cpu / 1e6, 2).leftPad(8)
        print(line)
    }
}
// Where the time goes, for the 1,000-object reviews: the serial steps, then convert + serialize
// in parts from a parsed request (each converted object freed as soon as it is written).
print("\nbreakdown of the 1,000-object reviews (best ms): parse / convert / serialize / free, serial; then convert + serialize of the parsed request on \(ConversionResponseWriter.defaultParts) threads")
for scenario in scenarios {
    let body = review((0..<1000).map(scenario.make), to: scenario.version)
    var parseBest = Double.infinity, convertBest = Double.infinity, serializeBest = Double.infinity, freeBest = Double.infinity
    var partsBest = Double.infinity
    for _ in 0..<rounds {
        var start = nowNanos()
        guard let parsed = try? JSONValue.parse(body), let request = try? ConversionReview.request(from: parsed) else { exit(1) }
        parseBest = min(parseBest, nowNanos() - start)
        start = nowNanos()
        var response: JSONValue? = ConversionReview.respond(to: request)
        convertBest = min(convertBest, nowNanos() - start)
        start = nowNanos()
        let bytes = response?.serialized() ?? []
        serializeBest = min(serializeBest, nowNanos() - start)
        // Freeing the response tree (the converted objects) and the request tree.
        var trees: (JSONValue, ConversionReviewRequest)? = (parsed, request)
        start = nowNanos()
        response = nil
        trees = nil
        freeBest = min(freeBest, nowNanos() - start)
        if bytes.isEmpty || trees != nil { exit(1) }
        guard let parsedAgain = try? JSONValue.parse(body), let requestAgain = try? ConversionReview.request(from: parsedAgain) else { exit(1) }
        start = nowNanos()
        let output = ConversionResponseWriter.write(requestAgain, reservingCapacity: body.count * 2)
        partsBest = min(partsBest, nowNanos() - start)
        if output != bytes { print("conversion-bench: parallel and serial bytes differ"); exit(1) }
    }
    print(scenario.name.padding(toLength: 44) + format(parseBest / 1e6, 2).leftPad(8) + format(convertBest / 1e6, 2).leftPad(8)
          + format(serializeBest / 1e6, 2).leftPad(8) + format(freeBest / 1e6, 2).leftPad(8) + format(partsBest / 1e6, 2).leftPad(10))
}
print("worst 1,000-object review: \(format(worst1000, 2)) ms (target ≤ 50 ms) \(worst1000 <= 50 ? "OK" : "OVER")")

func format(_ value: Double, _ decimals: Int) -> String {
    var scale = 1.0
    for _ in 0..<decimals { scale *= 10 }
    let scaled = (value * scale).rounded()
    guard let whole = Int64(exactly: scaled) else { return "?" }
    let integer = whole / Int64(scale)
    let fraction = String(whole % Int64(scale))
    return decimals == 0 ? String(integer) : "\(integer)." + String(repeating: "0", count: max(0, decimals - fraction.count)) + fraction
}

extension String {
    func padding(toLength length: Int) -> String {
        count >= length ? self : self + String(repeating: " ", count: length - count)
    }
    func leftPad(_ length: Int) -> String {
        count >= length ? self : String(repeating: " ", count: length - count) + self
    }
}
