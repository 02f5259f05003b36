import JSON
import RayAPI

/// The objects the admission benchmark measures on.
enum Samples {
    static func container(_ name: String, image: String, memory: String, ports: Bool, env: Int = 0) -> JSONValue {
        var object: JSONObject = [
            "name": .string(name),
            "image": .string(image),
            "lifecycle": ["preStop": ["exec": ["command": ["/bin/sh", "-c", "ray stop"]]]],
            "volumeMounts": [["mountPath": "/tmp/ray", "name": "ray-logs"]],
            "resources": ["limits": ["cpu": "1", "memory": .string(memory)], "requests": ["cpu": "1", "memory": .string(memory)]],
        ]
        if ports {
            object["ports"] = [
                ["containerPort": 6379, "name": "gcs"],
                ["containerPort": 8265, "name": "dashboard"],
                ["containerPort": 10001, "name": "client"],
            ]
        }
        if env > 0 {
            object["env"] = .array((0..<env).map { i in
                ["name": .string("RAY_SETTING_\(i)"), "value": .string("value-number-\(i)-for-the-worker-process")]
            })
        }
        return .object(object)
    }

    static func workerGroup(_ name: String, image: String, env: Int = 0) -> JSONValue {
        [
            "replicas": 1, "minReplicas": 1, "maxReplicas": 10,
            "groupName": .string(name),
            "rayStartParams": [:],
            "template": ["spec": [
                "containers": [container("ray-worker", image: image, memory: "1G", ports: false, env: env)],
                "volumes": [["name": "ray-logs", "emptyDir": [:]]],
            ]],
        ]
    }

    /// KubeRay's `ray-cluster.complete.yaml` (config/samples), as the user writes it.
    static func complete(groups: Int = 1, image: String = "rayproject/ray:2.46.0") -> JSONValue {
        let workers: [JSONValue] = groups == 1
            ? [workerGroup("small-group", image: image)]
            : (0..<groups).map { workerGroup("group-\($0)", image: image) }
        return [
            "apiVersion": "ray.io/v1",
            "kind": "RayCluster",
            "metadata": ["name": "raycluster-complete"],
            "spec": [
                "rayVersion": "2.46.0",
                "headGroupSpec": [
                    "serviceType": "ClusterIP",
                    "rayStartParams": [:],
                    "template": [
                        "metadata": ["labels": [:]],
                        "spec": [
                            "containers": [container("ray-head", image: image, memory: "2G", ports: true)],
                            "volumes": [["name": "ray-logs", "emptyDir": [:]]],
                        ],
                    ],
                ],
                "workerGroupSpecs": .array(workers),
            ],
        ]
    }

    /// A realistic ~10 KB AdmissionReview for a `kubectl apply` of the complete sample with a
    /// second, GPU worker group: the object as the apiserver sends it (CRD defaults applied,
    /// server metadata, the last-applied annotation, managedFields).
    static func review(targetBytes: Int = 10_240) -> [UInt8] {
        var object = complete()
        var groups = object["spec"]?["workerGroupSpecs"]?.arrayValue ?? []
        var envCount = 8
        var body: [UInt8] = []
        while true {
            var gpu = workerGroup("gpu-group", image: "rayproject/ray:2.46.0-gpu", env: envCount)
            gpu["numOfHosts"] = 1
            var all = groups
            all.append(gpu)
            object["spec"]?["workerGroupSpecs"] = .array(all)
            let lastApplied = object.jsonString
            object["metadata"] = [
                "name": "raycluster-complete",
                "namespace": "default",
                "uid": "2c7e6c8e-5b1a-4d8e-9d55-0f4a8c1e9b21",
                "generation": 1,
                "creationTimestamp": "2026-11-27T04:00:00Z",
                "labels": ["app.kubernetes.io/name": "raycluster", "team": "ml-platform"],
                "annotations": ["kubectl.kubernetes.io/last-applied-configuration": .string(lastApplied + "\n")],
                "managedFields": [[
                    "manager": "kubectl-client-side-apply",
                    "operation": "Update",
                    "apiVersion": "ray.io/v1",
                    "time": "2026-11-27T04:00:00Z",
                    "fieldsType": "FieldsV1",
                    "fieldsV1": [
                        "f:metadata": ["f:annotations": [".": [:], "f:kubectl.kubernetes.io/last-applied-configuration": [:]]],
                        "f:spec": [".": [:], "f:headGroupSpec": [".": [:], "f:rayStartParams": [:], "f:serviceType": [:], "f:template": [:]],
                                   "f:rayVersion": [:], "f:workerGroupSpecs": [:]],
                    ],
                ]],
            ]
            let review: JSONValue = [
                "kind": "AdmissionReview",
                "apiVersion": "admission.k8s.io/v1",
                "request": [
                    "uid": "705ab4f5-6393-11e8-b7cc-42010a800002",
                    "kind": ["group": "ray.io", "version": "v1", "kind": "RayCluster"],
                    "resource": ["group": "ray.io", "version": "v1", "resource": "rayclusters"],
                    "requestKind": ["group": "ray.io", "version": "v1", "kind": "RayCluster"],
                    "requestResource": ["group": "ray.io", "version": "v1", "resource": "rayclusters"],
                    "name": "raycluster-complete",
                    "namespace": "default",
                    "operation": "CREATE",
                    "userInfo": ["username": "kubernetes-admin", "groups": ["kubeadm:cluster-admins", "system:authenticated"]],
                    "object": object,
                    "oldObject": nil,
                    "dryRun": false,
                    "options": ["kind": "CreateOptions", "apiVersion": "meta.k8s.io/v1", "fieldManager": "kubectl-client-side-apply"],
                ],
            ]
            body = review.serialized()
            if body.count >= targetBytes || envCount > 200 { break }
            envCount += 2
            groups = object["spec"]?["workerGroupSpecs"]?.arrayValue.map { Array($0.prefix(1)) } ?? []
            object["metadata"] = ["name": "raycluster-complete"]
        }
        return body
    }
}
