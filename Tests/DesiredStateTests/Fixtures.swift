import Conversion
import DesiredState
import Foundation
import JSON
import RayAPI
import XCTest

/// Samples as the API server stores them, small clusters, pods in given states, and a fake
/// "cluster" that applies a plan, for the planner and status tests.
enum Fixtures {
    static let samplesDirectory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("config/samples")

    static let uid = "0b6c3a1e-1111-4222-8333-444455556666"

    /// A sample file's RayCluster, converted to ray.io/v1 and given what the API server adds
    /// (namespace, uid, generation, the CRD defaults of worker groups).
    static func storedSample(_ file: String, namespace: String = "default") throws -> JSONValue {
        let data = try Data(contentsOf: samplesDirectory.appendingPathComponent(file))
        let documents = try Manifest.decode([UInt8](data), source: file)
        let cluster = try XCTUnwrap(documents.first { $0["kind"] == "RayCluster" })
        return try stored(cluster, namespace: namespace)
    }

    /// `object` as the API server would store it.
    static func stored(_ object: JSONValue, namespace: String = "default", generation: Int64 = 1) throws -> JSONValue {
        var cluster = try RayClusterConverter.convert(object, to: RayAPIGroup.v1)
        cluster["metadata"]?["namespace"] = .string(namespace)
        cluster["metadata"]?["uid"] = .string(uid)
        cluster["metadata"]?["generation"] = .integer(generation)
        if case .array(var groups)? = cluster["spec"]?["workerGroupSpecs"] {
            for i in groups.indices {
                for (key, value) in [("replicas", JSONValue.integer(0)), ("minReplicas", 0), ("maxReplicas", 2_147_483_647), ("numOfHosts", 1)]
                where groups[i][key] == nil {
                    groups[i][key] = value
                }
            }
            cluster["spec"]?["workerGroupSpecs"] = .array(groups)
        }
        return cluster
    }

    /// A small v1 cluster: head + one group `workers` (replicas as given, min 0, max 10).
    static func cluster(name: String = "demo", replicas: Int64 = 3, minReplicas: Int64 = 0, maxReplicas: Int64 = 10,
                        numOfHosts: Int64 = 1, workersToDelete: [String] = [], autoscaling: Bool = false,
                        suspend: Bool? = nil, groupSuspend: Bool? = nil) -> JSONValue {
        var group: JSONValue = [
            "groupName": "workers",
            "replicas": .integer(replicas),
            "minReplicas": .integer(minReplicas),
            "maxReplicas": .integer(maxReplicas),
            "numOfHosts": .integer(numOfHosts),
            "rayStartParams": [:],
            "template": ["spec": ["containers": [["name": "ray-worker", "image": "rayproject/ray:2.52.0",
                                                  "resources": ["limits": ["cpu": "1", "memory": "1Gi"]]]]]],
        ]
        if !workersToDelete.isEmpty { group["scaleStrategy"] = ["workersToDelete": .array(workersToDelete.map(JSONValue.string))] }
        if let groupSuspend { group["suspend"] = .bool(groupSuspend) }
        var spec: JSONValue = [
            "rayVersion": "2.52.0",
            "headGroupSpec": [
                "rayStartParams": [:],
                "template": ["spec": ["containers": [["name": "ray-head", "image": "rayproject/ray:2.52.0",
                                                      "resources": ["limits": ["cpu": "2", "memory": "4Gi"]]]]]],
            ],
            "workerGroupSpecs": [group],
        ]
        if autoscaling { spec["enableInTreeAutoscaling"] = true }
        if let suspend { spec["suspend"] = .bool(suspend) }
        return [
            "apiVersion": "ray.io/v1",
            "kind": "RayCluster",
            "metadata": ["name": .string(name), "namespace": "default", "uid": .string(uid), "generation": 1],
            "spec": spec,
        ]
    }

    /// The env entry named `name` of a container.
    static func env(_ container: JSONValue?, _ name: String) -> JSONValue? {
        container?["env"]?.arrayValue?.first { $0["name"]?.stringValue == name }
    }

    /// Names of the env entries of a container, in order.
    static func envNames(_ container: JSONValue?) -> [String] {
        container?["env"]?.arrayValue?.compactMap { $0["name"]?.stringValue } ?? []
    }
}

/// A pod state the tests put pods in.
enum PodState {
    case pending, running, runningReady, failed, succeeded, rayTerminated
}

/// An in-memory stand-in for the API server's pods and Services of one cluster: it applies plans
/// (creates get a UID, deletes make a pod terminating) and hands out views.
struct FakeCluster {
    var cluster: JSONValue
    var pods: [String: JSONValue] = [:]
    var services: [String: JSONValue] = [:]
    /// The autoscaler's objects, by "<kind>/<name>".
    var autoscalerObjects: [String: JSONValue] = [:]
    /// ServiceAccounts the user made (not the operator's).
    var userServiceAccounts: Set<String> = []
    /// Every Service delete that found its Service.
    var deletedServices: [String] = []
    private var nextUID = 1
    /// Every create that hit an existing name (what AlreadyExists would answer).
    var alreadyExists: [String] = []
    /// Every delete that found its pod (by name and UID).
    var deleted: [String] = []

    init(cluster: JSONValue) { self.cluster = cluster }

    var podList: [JSONValue] { pods.keys.sorted().compactMap { pods[$0] } }
    var serviceList: [JSONValue] { services.keys.sorted().compactMap { services[$0] } }

    /// Pods that are not terminating.
    var livePodNames: [String] { pods.keys.sorted().filter { pods[$0]?["metadata"]?["deletionTimestamp"] == nil } }

    /// What exists of the autoscaler's objects.
    var existingAutoscalerObjects: ExistingAutoscalerObjects {
        func names(_ kind: AutoscalerObjectKind) -> Set<String> {
            Set(autoscalerObjects.keys.filter { $0.hasPrefix(kind.rawValue + "/") }.map { String($0.dropFirst(kind.rawValue.count + 1)) })
        }
        return ExistingAutoscalerObjects(serviceAccounts: names(.serviceAccount).union(userServiceAccounts), roles: names(.role),
                                         roleBindings: names(.roleBinding))
    }

    func plan(options: DesiredStateOptions = DesiredStateOptions()) -> ReconcilePlan {
        ReconcilePlan.make(cluster: cluster, pods: podList, services: serviceList, autoscalerObjects: existingAutoscalerObjects,
                           options: options)
    }

    /// Runs the actions of `plan`.
    mutating func apply(_ plan: ReconcilePlan) {
        for action in plan.actions {
            switch action {
            case .createAutoscalerObject(let creation):
                let key = "\(creation.kind.rawValue)/\(creation.name)"
                if autoscalerObjects[key] != nil { alreadyExists.append(key); continue }
                autoscalerObjects[key] = creation.object
            case .deleteService(let name, let uid):
                guard let service = services[name], service["metadata"]?["uid"]?.stringValue == uid else { continue }
                services[name] = nil
                deletedServices.append(name)
            case .createService(let name, var object):
                if services[name] != nil { alreadyExists.append(name); continue }
                object["metadata"]?["uid"] = .string("svc-\(nextUID)")
                nextUID += 1
                services[name] = object
            case .createPod(let creation):
                if pods[creation.name] != nil { alreadyExists.append(creation.name); continue }
                var object = creation.object
                object["metadata"]?["uid"] = .string("pod-\(nextUID)")
                nextUID += 1
                object["status"] = ["phase": "Pending"]
                pods[creation.name] = object
            case .deletePod(let deletion):
                guard var pod = pods[deletion.name], pod["metadata"]?["uid"]?.stringValue == deletion.uid else { continue }
                if pod["metadata"]?["deletionTimestamp"] == nil {
                    deleted.append(deletion.name)
                    pod["metadata"]?["deletionTimestamp"] = "2025-01-01T00:00:00Z"
                    pods[deletion.name] = pod
                }
            case .deleteAllPods:
                for name in pods.keys.sorted() where pods[name]?["metadata"]?["deletionTimestamp"] == nil {
                    deleted.append(name)
                    pods[name]?["metadata"]?["deletionTimestamp"] = "2025-01-01T00:00:00Z"
                }
            }
        }
    }

    /// Terminating pods finish terminating.
    mutating func finishTerminating() {
        for name in pods.keys.sorted() where pods[name]?["metadata"]?["deletionTimestamp"] != nil { pods[name] = nil }
    }

    /// Sets a pod's state as a kubelet would.
    mutating func set(_ name: String, _ state: PodState, ip: String? = nil) {
        guard var pod = pods[name] else { return }
        let rayName = pod["spec"]?["containers"]?[0]?["name"]?.stringValue ?? "ray"
        var status: JSONValue
        switch state {
        case .pending: status = ["phase": "Pending"]
        case .running: status = ["phase": "Running", "conditions": [["type": "Ready", "status": "False", "reason": "ContainersNotReady"]]]
        case .runningReady: status = ["phase": "Running", "conditions": [["type": "Ready", "status": "True"]]]
        case .failed: status = ["phase": "Failed"]
        case .succeeded: status = ["phase": "Succeeded"]
        case .rayTerminated:
            status = ["phase": "Running", "containerStatuses": [["name": .string(rayName), "state": ["terminated": ["exitCode": 1, "reason": "Error"]]]]]
        }
        if let ip { status["podIP"] = .string(ip) }
        pod["status"] = status
        pods[name] = pod
    }

    /// Every pod Running and Ready.
    mutating func allReady() {
        for (offset, name) in pods.keys.sorted().enumerated() { set(name, .runningReady, ip: "10.0.0.\(offset + 1)") }
    }

    /// Plans and applies until a plan has no actions (at most `limit` passes), each pass also
    /// letting terminating pods go.
    @discardableResult
    mutating func converge(limit: Int = 10, options: DesiredStateOptions = DesiredStateOptions()) -> Int {
        for pass in 1...limit {
            let plan = plan(options: options)
            if plan.actions.isEmpty { return pass }
            apply(plan)
            finishTerminating()
        }
        return limit
    }
}

extension ReconcilePlan {
    var createdPodNames: [String] {
        actions.compactMap { if case .createPod(let c) = $0 { return c.name } else { return nil } }
    }
    var deletedPodNames: [String] {
        actions.compactMap { if case .deletePod(let d) = $0 { return d.name } else { return nil } }
    }
    var deletions: [PodDeletion] {
        actions.compactMap { if case .deletePod(let d) = $0 { return d } else { return nil } }
    }
}

/// A step of a path into a JSON value: a member name or an array index.
enum PathStep: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral {
    case key(String)
    case index(Int)
    init(stringLiteral value: String) { self = .key(value) }
    init(integerLiteral value: Int) { self = .index(value) }
}

extension JSONValue {
    /// Sets (nil removes) the value at `path`, creating objects along the way.
    mutating func set(_ path: [PathStep], _ value: JSONValue?) {
        guard let step = path.first else {
            self = value ?? .null
            return
        }
        let rest = Array(path.dropFirst())
        switch step {
        case .key(let key):
            if case .object = self {} else { self = .object(JSONObject()) }
            if rest.isEmpty {
                self[key] = value
            } else {
                var child = self[key] ?? .object(JSONObject())
                child.set(rest, value)
                self[key] = child
            }
        case .index(let index):
            guard case .array(var elements) = self, elements.indices.contains(index) else { return }
            if rest.isEmpty {
                if let value { elements[index] = value } else { elements.remove(at: index) }
            } else {
                elements[index].set(rest, value)
            }
            self = .array(elements)
        }
    }
}
