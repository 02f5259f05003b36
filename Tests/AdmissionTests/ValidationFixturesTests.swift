import XCTest
import JSON
import RayAPI
@testable import Admission
@testable import Conversion

/// Builders for RayCluster objects in validation tests: a valid base (KubeRay's
/// `ray-cluster.sample.yaml` shape) and path edits, so each test states only what it changes.
enum RC {
    static let image = "rayproject/ray:2.46.0"

    static func container(_ name: String, image: String = RC.image, env: [JSONValue]? = nil, mounts: [JSONValue]? = nil) -> JSONValue {
        var c: JSONValue = [
            "name": .string(name),
            "image": .string(image),
            "resources": ["limits": ["cpu": "1", "memory": "2G"], "requests": ["cpu": "1", "memory": "2G"]],
        ]
        if let env { c["env"] = .array(env) }
        if let mounts { c["volumeMounts"] = .array(mounts) }
        return c
    }

    static func env(_ name: String, _ value: String) -> JSONValue { ["name": .string(name), "value": .string(value)] }
    static func mount(_ name: String, _ path: String) -> JSONValue { ["name": .string(name), "mountPath": .string(path)] }

    static func worker(_ name: String, replicas: Int64 = 1, min: Int64 = 1, max: Int64 = 5) -> JSONValue {
        [
            "replicas": .integer(replicas), "minReplicas": .integer(min), "maxReplicas": .integer(max),
            "groupName": .string(name),
            "rayStartParams": [:],
            "template": ["spec": ["containers": [container("ray-worker")]]],
        ]
    }

    static func cluster(name: String = "raycluster-kuberay", workers: [JSONValue]? = nil) -> JSONValue {
        [
            "apiVersion": "ray.io/v1",
            "kind": "RayCluster",
            "metadata": ["name": .string(name)],
            "spec": [
                "rayVersion": "2.46.0",
                "headGroupSpec": [
                    "rayStartParams": [:],
                    "template": ["spec": ["containers": [container("ray-head")]]],
                ],
                "workerGroupSpecs": .array(workers ?? [worker("workergroup")]),
            ],
        ]
    }

    /// KubeRay's `ray-cluster.complete.yaml`, as JSON (the shape the benchmark also uses).
    static func complete() -> JSONValue {
        let headContainer: JSONValue = [
            "name": "ray-head", "image": "rayproject/ray:2.46.0",
            "ports": [["containerPort": 6379, "name": "gcs"], ["containerPort": 8265, "name": "dashboard"],
                      ["containerPort": 10001, "name": "client"]],
            "lifecycle": ["preStop": ["exec": ["command": ["/bin/sh", "-c", "ray stop"]]]],
            "volumeMounts": [["mountPath": "/tmp/ray", "name": "ray-logs"]],
            "resources": ["limits": ["cpu": "1", "memory": "2G"], "requests": ["cpu": "1", "memory": "2G"]],
        ]
        let workerContainer: JSONValue = [
            "name": "ray-worker", "image": "rayproject/ray:2.46.0",
            "lifecycle": ["preStop": ["exec": ["command": ["/bin/sh", "-c", "ray stop"]]]],
            "volumeMounts": [["mountPath": "/tmp/ray", "name": "ray-logs"]],
            "resources": ["limits": ["cpu": "1", "memory": "1G"], "requests": ["cpu": "1", "memory": "1G"]],
        ]
        return [
            "apiVersion": "ray.io/v1", "kind": "RayCluster",
            "metadata": ["name": "raycluster-complete"],
            "spec": [
                "rayVersion": "2.46.0",
                "headGroupSpec": [
                    "serviceType": "ClusterIP",
                    "rayStartParams": ["dashboard-host": "0.0.0.0"],
                    "template": ["spec": ["containers": [headContainer], "volumes": [["name": "ray-logs", "emptyDir": [:]]]]],
                ],
                "workerGroupSpecs": [[
                    "replicas": 1, "minReplicas": 1, "maxReplicas": 10, "groupName": "small-group",
                    "rayStartParams": [:],
                    "template": ["spec": ["containers": [workerContainer], "volumes": [["name": "ray-logs", "emptyDir": [:]]]]],
                ]],
            ],
        ]
    }
}

/// One step of a path into a JSON value.
enum Step: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral {
    case key(String)
    case index(Int)
    init(stringLiteral value: String) { self = .key(value) }
    init(integerLiteral value: Int) { self = .index(value) }
}

extension JSONValue {
    /// Sets (or with nil removes) the value at `path`, creating objects on the way.
    mutating func set(_ path: [Step], _ value: JSONValue?) {
        guard let first = path.first else {
            self = value ?? .null
            return
        }
        let rest = Array(path.dropFirst())
        switch first {
        case .key(let k):
            var object = objectValue ?? JSONObject()
            if rest.isEmpty {
                object[k] = value
            } else {
                var child = object[k] ?? .object(JSONObject())
                child.set(rest, value)
                object[k] = child
            }
            self = .object(object)
        case .index(let i):
            var array = arrayValue ?? []
            while array.count <= i { array.append(.object(JSONObject())) }
            if rest.isEmpty {
                if let value { array[i] = value } else { array.remove(at: i) }
            } else {
                array[i].set(rest, value)
            }
            self = .array(array)
        }
    }

    func with(_ a: Step, _ value: JSONValue?) -> JSONValue {
        var copy = self
        copy.set([a], value)
        return copy
    }

    func with(_ a: Step, _ b: Step, _ value: JSONValue?) -> JSONValue {
        var copy = self
        copy.set([a, b], value)
        return copy
    }
}

/// Path prefixes used throughout.
enum At {
    static let head: [Step] = ["spec", "headGroupSpec"]
    static let headContainer: [Step] = ["spec", "headGroupSpec", "template", "spec", "containers", 0]
    static func worker(_ i: Int) -> [Step] { ["spec", "workerGroupSpecs", .index(i)] }
    static func workerContainer(_ i: Int) -> [Step] { ["spec", "workerGroupSpecs", .index(i), "template", "spec", "containers", 0] }
}

extension JSONValue {
    func with(_ prefix: [Step], _ rest: Step..., value: JSONValue?) -> JSONValue {
        var copy = self
        copy.set(prefix + rest, value)
        return copy
    }
}

extension XCTestCase {
    /// Asserts the exact list of `<field>: <body>` messages.
    func assertErrors(_ object: JSONValue, old: JSONValue? = nil, gates: FeatureGates = FeatureGates(),
                      _ expected: [String], file: StaticString = #filePath, line: UInt = #line)
    {
        let outcome = RayClusterValidator.validate(object, oldObject: old, gates: gates)
        XCTAssertEqual(outcome.errors.map(\.message), expected, file: file, line: line)
    }

    func assertValid(_ object: JSONValue, old: JSONValue? = nil, gates: FeatureGates = FeatureGates(),
                     file: StaticString = #filePath, line: UInt = #line)
    {
        assertErrors(object, old: old, gates: gates, [], file: file, line: line)
    }

    /// The one error's message, for tests that check a single failure.
    func errors(_ object: JSONValue, gates: FeatureGates = FeatureGates()) -> [FieldError] {
        RayClusterValidator.validate(object, gates: gates).errors
    }
}

final class ValidationFixturesTests: XCTestCase {
    func testBaseClusterIsValidWithoutWarnings() {
        let outcome = RayClusterValidator.validate(RC.cluster())
        XCTAssertEqual(outcome.errors, [])
        XCTAssertEqual(outcome.warnings, [])
    }

    func testCompleteSampleIsValid() {
        let outcome = RayClusterValidator.validate(RC.complete())
        XCTAssertEqual(outcome.errors, [])
        XCTAssertEqual(outcome.warnings, [])
    }

    func testPathEditsReachTheFieldTheyName() {
        let edited = RC.cluster().with(At.worker(0), "minReplicas", value: 7)
        XCTAssertEqual(edited["spec"]?["workerGroupSpecs"]?[0]?["minReplicas"], 7)
    }
}
