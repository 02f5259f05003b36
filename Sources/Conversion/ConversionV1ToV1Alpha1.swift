// The plain projection ray.io/v1 → ray.io/v1alpha1 of a spec (the reverse of
// ConversionV1Alpha1ToV1.swift), with no residual:
// - `clusterName` is metadata.name (the original operator used the name and ignored the field);
// - `images.defaultImage` is the image of the first Ray container that has one (head first), and
//   `imagePullPolicy` likewise; an extension names its own `image` only when it differs;
// - worker groups in order, then the head group (`type: head`, `groupName: headgroup`, the name
//   KubeRay gives it, `replicas: 1`), as the original samples list them;
// - the Ray container is the first container of the pod template; its command projects only when
//   it is exactly `command: ["/bin/bash", "-c", "--"]`, `args: [X]` (the shape the original operator
//   ran); anything else (no command, KubeRay's generated `ray start`, sidecars, rayStartParams…)
//   has no v1alpha1 field and travels in the residual.
import JSON
import RayAPI

enum ConversionV1ToV1Alpha1 {
    /// The head group's name when the object names none: KubeRay's `ray.io/group` value for heads.
    static let headGroupName = RayNaming.defaultHeadGroupName

    /// The v1alpha1 spec for a v1 spec; nil when there is none (or it is not an object).
    static func spec(_ spec: JSONValue?, name: JSONValue?) -> JSONValue? {
        guard case .object(let v1) = spec else { return nil }
        let head = v1["headGroupSpec"]?.objectValue
        var workers: [JSONObject] = []
        if case .array(let elements)? = v1["workerGroupSpecs"] {
            for element in elements {
                guard case .object(let object) = element else {
                    workers = []  // a malformed list converts as a whole through the residual
                    break
                }
                workers.append(object)
            }
        }
        var ordered: [JSONObject] = []
        ordered.reserveCapacity(workers.count &+ 1)
        if let head { ordered.append(head) }
        ordered.append(contentsOf: workers)
        let defaultImage = ordered.lazy.compactMap { rayContainer($0)?["image"] }.first
        let pullPolicy = ordered.lazy.compactMap { rayContainer($0)?["imagePullPolicy"] }.first

        var out: [JSONObject.Member] = []
        if let name { out.append(.init(key: "clusterName", value: name)) }
        var images: [JSONObject.Member] = []
        if let defaultImage { images.append(.init(key: "defaultImage", value: defaultImage)) }
        out.append(.init(key: "images", value: .object(JSONObject(uniqueMembers: images))))
        if let pullPolicy { out.append(.init(key: "imagePullPolicy", value: pullPolicy)) }
        var extensions: [JSONValue] = []
        extensions.reserveCapacity(ordered.count)
        for worker in workers { extensions.append(extensionFor(worker, isHead: false, defaultImage: defaultImage)) }
        if let head { extensions.append(extensionFor(head, isHead: true, defaultImage: defaultImage)) }
        if !extensions.isEmpty { out.append(.init(key: "extensions", value: .array(extensions))) }
        return .object(JSONObject(uniqueMembers: out))
    }

    /// The first container of a group's pod template, when it is an object.
    static func rayContainer(_ group: JSONObject) -> JSONObject? {
        group["template"]?["spec"]?["containers"]?[0]?.objectValue
    }

    private static func extensionFor(_ group: JSONObject, isHead: Bool, defaultImage: JSONValue?) -> JSONValue {
        let metadata = group["template"]?["metadata"]?.objectValue
        let pod = group["template"]?["spec"]?.objectValue
        let container = rayContainer(group)
        var out: [JSONObject.Member] = []
        func put(_ key: String, _ value: JSONValue?) {
            if let value { out.append(.init(key: key, value: value)) }
        }
        // Field order of the original Go type.
        put("replicas", isHead ? 1 : group["replicas"])
        put("type", .string(isHead ? "head" : "worker"))
        if let image = container?["image"], !ConversionEquality.same(image, defaultImage) { put("image", image) }
        put("groupName", isHead ? .string(headGroupName) : group["groupName"])
        put("command", command(of: container))
        put("labels", metadata?["labels"])
        put("serviceAccountName", pod?["serviceAccountName"])
        put("nodeSelector", pod?["nodeSelector"])
        put("affinity", pod?["affinity"])
        put("resources", container?["resources"])
        put("tolerations", pod?["tolerations"])
        put("containerEnv", container?["env"])
        put("annotations", metadata?["annotations"])
        put("volumes", pod?["volumes"])
        put("volumeMounts", container?["volumeMounts"])
        return .object(JSONObject(uniqueMembers: out))
    }

    /// X when the container runs `/bin/bash -c -- X`.
    private static func command(of container: JSONObject?) -> JSONValue? {
        guard let container, let shell = container["command"],
              ConversionEquality.same(shell, ConversionV1Alpha1ToV1.shell),
              case .array(let args)? = container["args"], args.count == 1 else { return nil }
        return args[0]
    }
}
