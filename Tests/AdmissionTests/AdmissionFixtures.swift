import JSON
import RayAPI
@testable import Admission
@testable import Conversion

/// Objects and reviews the admission tests share. Built as JSONValue literals so a test reads
/// them without the YAML reader.
enum AdmissionFixtures {
    static func container(_ name: String, image: String) -> JSONValue {
        [
            "name": .string(name),
            "image": .string(image),
            "resources": ["limits": ["cpu": "1", "memory": "2G"], "requests": ["cpu": "1", "memory": "2G"]],
            "volumeMounts": [["mountPath": "/tmp/ray", "name": "ray-logs"]],
        ]
    }

    static func template(_ containerName: String, image: String) -> JSONValue {
        ["spec": ["containers": [container(containerName, image: image)], "volumes": [["name": "ray-logs", "emptyDir": [:]]]]]
    }

    /// KubeRay's `ray-cluster.complete.yaml` shape (head + one worker group, everything set).
    static func complete(name: String = "raycluster-complete", image: String = "rayproject/ray:2.46.0") -> JSONValue {
        [
            "apiVersion": "ray.io/v1",
            "kind": "RayCluster",
            "metadata": ["name": .string(name)],
            "spec": [
                "rayVersion": "2.46.0",
                "headGroupSpec": [
                    "serviceType": "ClusterIP",
                    "rayStartParams": ["dashboard-host": "0.0.0.0"],
                    "template": template("ray-head", image: image),
                ],
                "workerGroupSpecs": [[
                    "replicas": 1, "minReplicas": 1, "maxReplicas": 10, "numOfHosts": 1,
                    "groupName": "small-group",
                    "rayStartParams": [:],
                    "template": template("ray-worker", image: image),
                ]],
            ],
        ]
    }

    /// A minimal object with nothing defaulted: no rayVersion, no rayStartParams, no replica counts.
    static func bare(name: String = "raycluster-bare", image: String = "rayproject/ray:2.9.0", groups: [String] = ["small-group"]) -> JSONValue {
        [
            "apiVersion": "ray.io/v1",
            "kind": "RayCluster",
            "metadata": ["name": .string(name), "namespace": "default"],
            "spec": [
                "headGroupSpec": ["template": template("ray-head", image: image)],
                "workerGroupSpecs": .array(groups.map { ["groupName": .string($0), "template": template("ray-worker", image: image)] }),
            ],
        ]
    }

    static func review(
        version: String = "admission.k8s.io/v1", uid: String = "705ab4f5-6393-11e8-b7cc-42010a800002",
        operation: String = "CREATE", object: JSONValue?, oldObject: JSONValue? = nil, dryRun: Bool = false,
        kind: JSONValue = ["group": "ray.io", "version": "v1", "kind": "RayCluster"],
        requestKind: JSONValue? = nil, subResource: String? = nil
    ) -> JSONValue {
        var request: JSONObject = [
            "uid": .string(uid),
            "kind": kind,
            "resource": ["group": "ray.io", "version": "v1", "resource": "rayclusters"],
            "requestKind": requestKind ?? kind,
            "requestResource": ["group": "ray.io", "version": "v1", "resource": "rayclusters"],
            "name": .string(object?["metadata"]?["name"]?.stringValue ?? ""),
            "namespace": "default",
            "operation": .string(operation),
            "userInfo": ["username": "admin", "groups": ["system:masters", "system:authenticated"]],
            "object": object ?? .null,
            "oldObject": oldObject ?? .null,
            "dryRun": .bool(dryRun),
            "options": ["kind": "CreateOptions", "apiVersion": "meta.k8s.io/v1"],
        ]
        if let subResource { request["subResource"] = .string(subResource) }
        return ["kind": "AdmissionReview", "apiVersion": .string(version), "request": .object(request)]
    }
}
