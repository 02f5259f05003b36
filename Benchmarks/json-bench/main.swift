// JSON throughput: RayAPI's parser/serializer against Foundation's JSONSerialization, on the same
// inputs in the same run. Run: swift run -c release --scratch-path .build-jsonyaml json-bench
//
// Inputs are generated here: a ~10 KB RayCluster (spec, status, managedFields, a little non-ASCII
// and escapes) and a ~1 MB `kind: List` of such clusters. Each measurement repeats until it has run
// for at least `minimumSeconds`, best of `rounds` rounds, and reports MB/s of the input size.

import Foundation
import JSON

let minimumSeconds = 0.4
let rounds = 5

func rayCluster(_ n: Int) -> JSONValue {
    func container(_ name: String, _ image: String) -> JSONValue {
        [
            "name": .string(name),
            "image": .string(image),
            "imagePullPolicy": "IfNotPresent",
            "command": ["/bin/bash", "-c", "--"],
            "args": [.string("ulimit -n 65536; ray start --head --port=6379 --dashboard-host=0.0.0.0 --num-cpus=$MY_CPU_REQUEST --block\n")],
            "env": [
                ["name": "MY_POD_IP", "valueFrom": ["fieldRef": ["apiVersion": "v1", "fieldPath": "status.podIP"]]],
                ["name": "CLUSTER_NAME", "value": .string("raycluster-\(n)")],
                ["name": "GREETING", "value": "héllo wörld – \"quoted\" \\ tab\t"],
            ],
            "ports": [
                ["containerPort": 6379, "name": "gcs", "protocol": "TCP"],
                ["containerPort": 8265, "name": "dashboard", "protocol": "TCP"],
                ["containerPort": 10001, "name": "client", "protocol": "TCP"],
            ],
            "resources": [
                "limits": ["cpu": "2", "memory": "4Gi", "nvidia.com/gpu": 1],
                "requests": ["cpu": "1500m", "memory": "2Gi"],
            ],
            "volumeMounts": [["mountPath": "/tmp/ray", "name": "ray-logs"], ["mountPath": "/dev/shm", "name": "dshm"]],
            "lifecycle": ["preStop": ["exec": ["command": ["/bin/sh", "-c", "ray stop"]]]],
        ]
    }
    func group(_ name: String, replicas: Int64) -> JSONValue {
        [
            "groupName": .string(name),
            "replicas": .integer(replicas), "minReplicas": 1, "maxReplicas": 10,
            "rayStartParams": ["num-cpus": "2", "block": "true", "object-store-memory": "100000000"],
            "template": [
                "metadata": ["labels": ["app": "ray", "group": .string(name)], "annotations": ["ray.io/ft-enabled": "false"]],
                "spec": [
                    "containers": [container("ray-worker", "rayproject/ray:2.9.0-py310")],
                    "volumes": [["name": "ray-logs", "emptyDir": [:]], ["name": "dshm", "emptyDir": ["medium": "Memory", "sizeLimit": "1Gi"]]],
                    "tolerations": [["key": "ray.io/node-type", "operator": "Equal", "value": "worker", "effect": "NoSchedule"]],
                ],
            ],
        ]
    }
    func managedField(_ manager: String) -> JSONValue {
        [
            "apiVersion": "ray.io/v1", "fieldsType": "FieldsV1", "manager": .string(manager),
            "operation": "Update", "time": "2024-01-15T10:20:30Z",
            "fieldsV1": [
                "f:metadata": ["f:labels": [".": [:], "f:app": [:]], "f:annotations": [".": [:]]],
                "f:spec": [
                    ".": [:], "f:enableInTreeAutoscaling": [:], "f:rayVersion": [:],
                    "f:headGroupSpec": [".": [:], "f:rayStartParams": [".": [:], "f:dashboard-host": [:]], "f:serviceType": [:]],
                    "f:workerGroupSpecs": [:],
                ],
            ],
        ]
    }
    // kubectl apply keeps the applied object as a JSON string: long, full of escaped quotes.
    let lastApplied: JSONValue = [
        "apiVersion": "ray.io/v1", "kind": "RayCluster",
        "metadata": ["name": .string("raycluster-\(n)"), "namespace": "default"],
        "spec": ["rayVersion": "2.9.0", "workerGroupSpecs": [group("small-group", replicas: 2)]],
    ]
    return [
        "apiVersion": "ray.io/v1",
        "kind": "RayCluster",
        "metadata": [
            "name": .string("raycluster-\(n)"), "namespace": "default",
            "uid": "5f1c2e9a-8d3b-4c7e-9f0a-1b2c3d4e5f60", "resourceVersion": .string("\(100000 + n)"),
            "generation": 3, "creationTimestamp": "2024-01-15T10:20:30Z",
            "labels": ["app.kubernetes.io/name": "kuberay", "ray.io/cluster": .string("raycluster-\(n)")],
            "annotations": ["ray.io/ft-enabled": "false", "description": "a cluster / with a slash",
                            "kubectl.kubernetes.io/last-applied-configuration": .string(lastApplied.jsonString + "\n")],
            "managedFields": [managedField("kubectl-client-side-apply"), managedField("ray-operator"), managedField("kubectl-edit"), managedField("kubectl-label")],
        ],
        "spec": [
            "rayVersion": "2.9.0",
            "enableInTreeAutoscaling": true,
            "autoscalerOptions": ["upscalingMode": "Default", "idleTimeoutSeconds": 60],
            "headGroupSpec": [
                "serviceType": "ClusterIP",
                "rayStartParams": ["dashboard-host": "0.0.0.0", "num-cpus": "0"],
                "template": ["spec": ["containers": [container("ray-head", "rayproject/ray:2.9.0")]]],
            ],
            "workerGroupSpecs": [group("small-group", replicas: 2), group("gpu-group", replicas: 1), group("large-group", replicas: 4)],
        ],
        "status": [
            "state": "ready", "availableWorkerReplicas": 3, "desiredWorkerReplicas": 3,
            "desiredCPU": "6500m", "desiredMemory": "12Gi", "desiredGPU": "1", "desiredTPU": "0",
            "observedGeneration": 3, "lastUpdateTime": "2024-01-15T10:25:00Z", "ratio": 0.75,
            "head": ["podIP": "10.0.0.12", "serviceIP": "10.96.0.15", "podName": .string("raycluster-\(n)-head-abcde")],
            "endpoints": ["client": "10001", "dashboard": "8265", "gcs-server": "6379", "metrics": "8080"],
        ],
    ]
}

func list(count: Int) -> JSONValue {
    ["apiVersion": "v1", "kind": "List", "metadata": ["resourceVersion": ""],
     "items": .array((0..<count).map(rayCluster))]
}

/// Seconds per call, best of `rounds`.
func measure(_ body: () -> Void) -> Double {
    var best = Double.infinity
    for _ in 0..<rounds {
        var iterations = 0
        let start = DispatchTime.now().uptimeNanoseconds
        var elapsed = 0.0
        repeat {
            body()
            iterations += 1
            elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        } while elapsed < minimumSeconds
        best = min(best, elapsed / Double(iterations))
    }
    return best
}

func mbps(_ bytes: Int, _ seconds: Double) -> String {
    String(format: "%8.1f MB/s", Double(bytes) / seconds / 1e6)
}

func run(name: String, value: JSONValue) {
    let bytes = value.serialized()
    let data = Data(bytes)
    // Sanity: ours round-trips, Foundation accepts the same input.
    guard let reparsed = try? JSONValue.parse(bytes), reparsed == value, reparsed.serialized() == bytes else {
        print("\(name): round trip FAILED"); return
    }
    guard let foundationObject = try? JSONSerialization.jsonObject(with: data) else {
        print("\(name): Foundation could not parse the input"); return
    }

    var sink = 0
    let oursParse = measure {
        if case .object(let o)? = try? JSONValue.parse(bytes) { sink &+= o.count }
    }
    let foundationParse = measure {
        if let o = try? JSONSerialization.jsonObject(with: data) as? NSDictionary { sink &+= o.count }
    }
    let oursSerialize = measure { sink &+= value.serialized().count }
    let foundationSerialize = measure {
        if let d = try? JSONSerialization.data(withJSONObject: foundationObject) { sink &+= d.count }
    }
    print("\(name) (\(bytes.count) bytes)")
    print("  parse      ours \(mbps(bytes.count, oursParse))   Foundation \(mbps(bytes.count, foundationParse))   ratio \(String(format: "%.2f", foundationParse / oursParse))x")
    print("  serialize  ours \(mbps(bytes.count, oursSerialize))   Foundation \(mbps(bytes.count, foundationSerialize))   ratio \(String(format: "%.2f", foundationSerialize / oursSerialize))x")
    // For information: the YAML path (libyaml + resolver, and the emitter) on the same object.
    let yaml = Manifest.yaml(value)
    let yamlBytes = Array(yaml.utf8)
    guard (try? Manifest.decode(yamlBytes, source: "bench")) != nil else { print("  YAML round trip FAILED"); return }
    let yamlDecode = measure { sink &+= (try? Manifest.decode(yamlBytes, source: "bench"))?.count ?? 0 }
    let yamlEmit = measure { sink &+= Manifest.yaml(value).utf8.count }
    print("  YAML (\(yamlBytes.count) bytes)  decode \(mbps(yamlBytes.count, yamlDecode))   emit \(mbps(yamlBytes.count, yamlEmit))")
    if sink == 42 { print("") }  // keeps the work observable
}

// `json-bench --file PATH…`: parse time of given JSON files only (µs per parse, ours), to see
// what part of a document costs what. Options before `--file`:
//   --skip-admission   also time the parse that skips what AdmissionReview.parse skips
//   --iterations N     parse each file N times, untimed, and print nothing else (for
//                      `valgrind --tool=callgrind`: the difference between two N gives one parse)
/// The skip paths of `AdmissionReview.unreadMembers` (Admission is not a dependency of this tool).
let admissionSkip = JSONSkipPaths([
    ["request", "userInfo"], ["request", "options"],
    ["request", "object", "metadata", "managedFields"], ["request", "oldObject", "metadata", "managedFields"],
    ["request", "object", "metadata", "annotations", "kubectl.kubernetes.io/last-applied-configuration"],
    ["request", "oldObject", "metadata", "annotations", "kubectl.kubernetes.io/last-applied-configuration"],
    ["request", "resource"], ["request", "requestResource"], ["request", "requestSubResource"],
] + ["uid", "resourceVersion", "generation", "creationTimestamp"].flatMap { key in
    [["request", "object", "metadata", key], ["request", "oldObject", "metadata", key]]
})
let options = CommandLine.arguments.dropFirst().prefix { $0 != "--file" }
let files = CommandLine.arguments.dropFirst().drop { $0 != "--file" }.dropFirst()
if !files.isEmpty {
    let withSkip = options.contains("--skip-admission")
    let iterations = options.firstIndex(of: "--iterations").flatMap { options.index(after: $0) < options.endIndex ? Int(options[options.index(after: $0)]) : nil }
    for path in files {
        guard let data = FileManager.default.contents(atPath: path), (try? JSONValue.parse(Array(data))) != nil else {
            print("\(path): cannot read or parse"); exit(2)
        }
        let bytes = Array(data)
        var sink = 0
        if let iterations {
            for _ in 0..<iterations {
                let value = withSkip ? try? JSONValue.parse(bytes, skipping: admissionSkip) : try? JSONValue.parse(bytes)
                if case .object(let o)? = value { sink &+= o.count }
            }
            if sink == 42 { print("") }
            continue
        }
        let seconds = measure { if case .object(let o)? = try? JSONValue.parse(bytes) { sink &+= o.count } }
        print(String(format: "%-28@ %7d bytes  parse %8.2f µs  %8.1f MB/s", path as NSString, bytes.count, seconds * 1e6, Double(bytes.count) / seconds / 1e6))
        if withSkip {
            let skipping = measure { if case .object(let o)? = try? JSONValue.parse(bytes, skipping: admissionSkip) { sink &+= o.count } }
            print(String(format: "%-28@ %7d bytes  parse %8.2f µs  %8.1f MB/s  (skipping unread review members)", path as NSString, bytes.count, skipping * 1e6, Double(bytes.count) / skipping / 1e6))
        }
        if sink == 42 { print("") }
    }
    exit(0)
}

print("json-bench: RayAPI JSONValue vs Foundation JSONSerialization (release build, best of \(rounds))")
run(name: "RayCluster ~10 KB", value: rayCluster(0))
// ~1 MB: enough clusters in one List.
let one = rayCluster(0).serialized().count
run(name: "List of RayClusters ~1 MB", value: list(count: max(1, (1 << 20) / one)))
