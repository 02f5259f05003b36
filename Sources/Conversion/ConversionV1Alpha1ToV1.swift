// The plain mapping ray.io/v1alpha1 → ray.io/v1 of a spec, with no residual:
// - the first extension whose type is `head` (any case, as the original operator compared) becomes
//   `headGroupSpec`; every other extension, in order, a `workerGroupSpecs[]` entry with its
//   `groupName` and `replicas` as written, and the CRD defaults of v1 written out (minReplicas 0,
//   maxReplicas 2147483647, numOfHosts 1, priority 0: what the API server would store anyway, and
//   they never clamp replicas);
// - `rayStartParams: {}` (the command is given);
// - the pod template: labels and annotations; volumes, service account, node selector (which the
//   original operator forgot to apply: we apply it), affinity, tolerations; one container named
//   after the type (`head` / `worker`, as the original operator named it) with the image
//   (`image`, else `images.defaultImage`), `imagePullPolicy`, the command as
//   `command: ["/bin/bash", "-c", "--"]`, `args: [command]` (exactly the original's container),
//   env (`containerEnv`), resources and volume mounts.
// Everything else (clusterName, headServiceSuffix, the head's groupName and replicas, order…)
// travels in the residual (ConversionResidual.swift).
import JSON
import RayAPI

enum ConversionV1Alpha1ToV1 {
    /// The original operator's shell: `/bin/bash -c -- <command>`.
    static let shell: JSONValue = ["/bin/bash", "-c", "--"]

    /// CRD defaults of a v1 worker group, written out on conversion.
    static let workerGroupDefaults: [(String, JSONValue)] = [
        ("minReplicas", 0), ("maxReplicas", 2_147_483_647), ("numOfHosts", 1), ("priority", 0),
    ]

    /// Index of the head extension: the first whose `type` is `head` ignoring case.
    static func headIndex(_ extensions: [JSONObject]) -> Int? {
        extensions.firstIndex { $0["type"]?.stringValue.map(V1Alpha1.isHeadType) ?? false }
    }

    /// The v1 spec for a v1alpha1 spec; nil when there is none (or it is not an object).
    static func spec(_ spec: JSONValue?) -> JSONValue? {
        guard case .object(let alpha)? = spec else { return nil }
        let defaultImage = alpha["images"]?["defaultImage"]
        let pullPolicy = alpha["imagePullPolicy"]
        var extensions: [JSONObject] = []
        if case .array(let elements)? = alpha["extensions"] {
            for element in elements {
                guard case .object(let object) = element else {
                    extensions = []  // a malformed list converts as a whole through the residual
                    break
                }
                extensions.append(object)
            }
        }
        let head = headIndex(extensions)
        var out: [JSONObject.Member] = []
        if let head {
            out.append(.init(key: "headGroupSpec",
                             value: group(extensions[head], isHead: true, defaultImage: defaultImage, pullPolicy: pullPolicy)))
        }
        var workers: [JSONValue] = []
        workers.reserveCapacity(extensions.count)
        for (i, ext) in extensions.enumerated() where i != head {
            workers.append(group(ext, isHead: false, defaultImage: defaultImage, pullPolicy: pullPolicy))
        }
        if !workers.isEmpty { out.append(.init(key: "workerGroupSpecs", value: .array(workers))) }
        return .object(JSONObject(uniqueMembers: out))
    }

    private static func group(_ ext: JSONObject, isHead: Bool, defaultImage: JSONValue?, pullPolicy: JSONValue?) -> JSONValue {
        var out: [JSONObject.Member] = []
        if !isHead {
            if let name = ext["groupName"] { out.append(.init(key: "groupName", value: name)) }
            if let replicas = ext["replicas"] { out.append(.init(key: "replicas", value: replicas)) }
            for (key, value) in workerGroupDefaults { out.append(.init(key: key, value: value)) }
        }
        out.append(.init(key: "rayStartParams", value: .object(JSONObject())))
        out.append(.init(key: "template", value: template(ext, isHead: isHead, defaultImage: defaultImage, pullPolicy: pullPolicy)))
        return .object(JSONObject(uniqueMembers: out))
    }

    private static func template(_ ext: JSONObject, isHead: Bool, defaultImage: JSONValue?, pullPolicy: JSONValue?) -> JSONValue {
        var out: [JSONObject.Member] = []
        var metadata: [JSONObject.Member] = []
        copy("labels", from: ext, as: "labels", into: &metadata)
        copy("annotations", from: ext, as: "annotations", into: &metadata)
        if !metadata.isEmpty { out.append(.init(key: "metadata", value: .object(JSONObject(uniqueMembers: metadata)))) }

        var container: [JSONObject.Member] = [.init(key: "name", value: .string(isHead ? "head" : "worker"))]
        // `image` wins unless empty (the original fell back on an empty string too).
        if let image = ext["image"], image != .string("") {
            container.append(.init(key: "image", value: image))
        } else if let defaultImage {
            container.append(.init(key: "image", value: defaultImage))
        } else if let image = ext["image"] {
            container.append(.init(key: "image", value: image))
        }
        if let pullPolicy { container.append(.init(key: "imagePullPolicy", value: pullPolicy)) }
        if let command = ext["command"] {
            container.append(.init(key: "command", value: shell))
            container.append(.init(key: "args", value: .array([command])))
        }
        copy("containerEnv", from: ext, as: "env", into: &container)
        copy("resources", from: ext, as: "resources", into: &container)
        copy("volumeMounts", from: ext, as: "volumeMounts", into: &container)

        var pod: [JSONObject.Member] = [
            .init(key: "containers", value: .array([.object(JSONObject(uniqueMembers: container))])),
        ]
        copy("volumes", from: ext, as: "volumes", into: &pod)
        copy("serviceAccountName", from: ext, as: "serviceAccountName", into: &pod)
        copy("nodeSelector", from: ext, as: "nodeSelector", into: &pod)
        copy("affinity", from: ext, as: "affinity", into: &pod)
        copy("tolerations", from: ext, as: "tolerations", into: &pod)
        out.append(.init(key: "spec", value: .object(JSONObject(uniqueMembers: pod))))
        return .object(JSONObject(uniqueMembers: out))
    }

    private static func copy(_ key: String, from source: JSONObject, as target: String, into out: inout [JSONObject.Member]) {
        if let value = source[key] { out.append(.init(key: target, value: value)) }
    }
}
