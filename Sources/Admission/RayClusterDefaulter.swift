// Defaulting: the JSON Patch the mutating webhook answers with.
import JSON
import RayAPI

/// One RFC 6902 operation. We only ever emit `add`.
package struct JSONPatchOperation: Sendable, Equatable {
    package var op: String
    package var path: String
    package var value: JSONValue
    package init(op: String = "add", path: String, value: JSONValue) {
        self.op = op
        self.path = path
        self.value = value
    }
}

/// The defaults we persist (README lists them), as a minimal add-only JSON Patch.
///
/// Only defaults that are constant and equal to what the system assumes when the field is absent
/// are persisted, so writing them never changes behaviour:
/// - `rayStartParams: {}` on the head group and on every worker group (KubeRay's reconciler
///   treats a missing map as empty);
/// - on every worker group, the CRD defaults `replicas: 0`, `minReplicas: 0`,
///   `maxReplicas: 2147483647`, `numOfHosts: 1`;
/// - `spec.rayVersion` from the head's Ray container image when that is an official Ray image with
///   a plain version tag (`RayImageVersion`), and no worker's Ray container names another version.
///
/// A value that is `null` counts as absent (the apiserver's structural defaulting does the same).
/// The patch only adds: a member is added where it is absent, never removed or replaced, so fields
/// we do not know survive. Defaults whose parent object is missing or not an object (no `spec`, a
/// worker group that is not an object) are not emitted: such an object is rejected by the schema
/// or the validator anyway, and the patch must apply to the object exactly as sent.
package enum RayClusterDefaulter {
    /// CRD defaults of a worker group, in the order we add them.
    package static let workerGroupDefaults: [(key: String, value: JSONValue)] = [
        ("replicas", .integer(0)),
        ("minReplicas", .integer(0)),
        ("maxReplicas", .integer(2_147_483_647)),
        ("numOfHosts", .integer(1)),
    ]

    package static func patch(for object: JSONValue) -> [JSONPatchOperation] {
        guard case .object(let root) = object, case .object(let spec)? = root["spec"] else { return [] }
        var operations: [JSONPatchOperation] = []

        if isAbsent(spec["rayVersion"]), let version = impliedRayVersion(spec) {
            operations.append(JSONPatchOperation(path: "/spec/rayVersion", value: .string(version)))
        }

        if case .object(let head)? = spec["headGroupSpec"], isAbsent(head["rayStartParams"]) {
            operations.append(JSONPatchOperation(path: "/spec/headGroupSpec/rayStartParams", value: .object(JSONObject())))
        }

        if case .array(let groups)? = spec["workerGroupSpecs"] {
            for (index, group) in groups.enumerated() {
                guard case .object(let members) = group else { continue }
                let prefix = "/spec/workerGroupSpecs/\(index)/"
                // The keys are our constants and need no escaping (a test checks it).
                for (key, value) in workerGroupDefaults where isAbsent(members[key]) {
                    operations.append(JSONPatchOperation(path: prefix + key, value: value))
                }
                if isAbsent(members["rayStartParams"]) {
                    operations.append(JSONPatchOperation(path: prefix + "rayStartParams", value: .object(JSONObject())))
                }
            }
        }
        return operations
    }

    private static func isAbsent(_ value: JSONValue?) -> Bool {
        guard let value else { return true }
        return value.isNull
    }

    /// The image of container 0 (KubeRay's "Ray container") of a group's pod template.
    static func rayContainerImage(_ group: JSONValue?) -> String? {
        group?["template"]?["spec"]?["containers"]?[0]?["image"]?.stringValue
    }

    /// The plain Ray version of the head's Ray container, unless a worker's Ray container is a
    /// plain Ray image of another version (then the cluster's version is ambiguous: no default).
    static func impliedRayVersion(_ spec: JSONObject) -> String? {
        guard let image = rayContainerImage(spec["headGroupSpec"]),
              let version = RayImageVersion.rayVersion(ofImage: image) else { return nil }
        if case .array(let groups)? = spec["workerGroupSpecs"] {
            for group in groups {
                if let workerImage = rayContainerImage(group),
                   let workerVersion = RayImageVersion.rayVersion(ofImage: workerImage),
                   workerVersion != version {
                    return nil
                }
            }
        }
        return version
    }
}
