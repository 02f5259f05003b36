// Which parts of a RayCluster spec the two versions share, as a tree the residual
// machinery in ConversionResidual.swift walks. A spec member is one of:
// - `mapped`: a value computed from the other version (image, env, labels…); the residual keeps,
//   per member, what the other version would give back, so edits made there win;
// - a structural node (`object`, `group`, `groups`, `firstElement`) that is walked into;
// - anything not named here: content only this version can express (rayStartParams, ports,
//   headServiceSuffix, unknown fields…), kept verbatim in the residual.
import JSON
import RayAPI

/// A node of the shared-structure tree.
indirect enum ConversionShape: Sendable {
    /// A value derived from the other version.
    case mapped
    /// An object whose listed members have shapes; other members are this version's own.
    case object(ConversionShapeMembers)
    /// Like `object`, but a pod group: when the other version no longer has it, it is gone.
    case group(ConversionShapeMembers)
    /// An array of pod groups matched by identity (see `ConversionGroupKey`), elements shaped as
    /// the payload. `pinsHead`: the head group's position among the elements is remembered.
    case groups(element: ConversionShapeMembers, pinsHead: Bool)
    /// An array whose first element (the Ray container) has the shape; the rest are sidecars.
    case firstElement(ConversionShapeMembers)

    /// The members of an object-like node.
    var members: ConversionShapeMembers? {
        switch self {
        case .object(let members), .group(let members): return members
        default: return nil
        }
    }
}

/// The shaped members of an object node: a handful of keys, looked up by scanning (with a length
/// check first) rather than hashing, which is what the residual walk does for every member it meets.
struct ConversionShapeMembers: Sendable, ExpressibleByDictionaryLiteral {
    private let entries: [(key: String, length: Int, shape: ConversionShape)]

    init(dictionaryLiteral elements: (String, ConversionShape)...) {
        entries = elements.map { (key: $0.0, length: $0.0.utf8.count, shape: $0.1) }
    }

    subscript(key: String) -> ConversionShape? {
        let length = key.utf8.count
        var i = 0
        let count = entries.count
        while i < count {
            if entries[i].length == length && entries[i].key == key { return entries[i].shape }
            i &+= 1
        }
        return nil
    }
}

/// The shapes of both versions.
enum ConversionShapes {
    // MARK: ray.io/v1

    static let rayContainer: ConversionShapeMembers = [
        "image": .mapped, "imagePullPolicy": .mapped, "command": .mapped, "args": .mapped,
        "env": .mapped, "resources": .mapped, "volumeMounts": .mapped,
    ]

    static let podTemplate: ConversionShapeMembers = [
        "metadata": .object(["labels": .mapped, "annotations": .mapped]),
        "spec": .object([
            "serviceAccountName": .mapped, "nodeSelector": .mapped, "affinity": .mapped,
            "tolerations": .mapped, "volumes": .mapped,
            "containers": .firstElement(rayContainer),
        ]),
    ]

    static let v1HeadGroup: ConversionShapeMembers = ["template": .object(podTemplate)]

    static let v1WorkerGroup: ConversionShapeMembers = [
        "groupName": .mapped, "replicas": .mapped, "template": .object(podTemplate),
    ]

    /// `ray.io/v1` spec: the head group and the worker groups; every other spec field is v1's own.
    static let v1Spec: ConversionShape = .object([
        "headGroupSpec": .group(v1HeadGroup),
        "workerGroupSpecs": .groups(element: v1WorkerGroup, pinsHead: false),
    ])

    // MARK: ray.io/v1alpha1

    static let v1alpha1Extension: ConversionShapeMembers = [
        "replicas": .mapped, "type": .mapped, "image": .mapped, "groupName": .mapped, "command": .mapped,
        "labels": .mapped, "serviceAccountName": .mapped, "nodeSelector": .mapped, "affinity": .mapped,
        "resources": .mapped, "tolerations": .mapped, "containerEnv": .mapped, "annotations": .mapped,
        "volumes": .mapped, "volumeMounts": .mapped,
        // headServiceSuffix is not listed: v1 has nothing like it, so it is kept verbatim.
    ]

    /// `ray.io/v1alpha1` spec.
    static let v1alpha1Spec: ConversionShape = .object([
        "clusterName": .mapped,
        "images": .object(["defaultImage": .mapped]),
        "imagePullPolicy": .mapped,
        "extensions": .groups(element: v1alpha1Extension, pinsHead: true),
    ])

    static func spec(forAPIVersion apiVersion: String) -> ConversionShape {
        apiVersion == RayAPIGroup.v1 ? v1Spec : v1alpha1Spec
    }
}

/// The identity of a pod group in a canonical (freshly converted) spec: the head, or a worker
/// group by its `groupName` (absent and every JSON value distinct). Duplicates are matched in order.
enum ConversionGroupKey {
    static func of(_ group: JSONValue) -> String {
        if group["type"] == .string("head") { return "head" }
        guard let name = group["groupName"] else { return "group" }
        // A name with nothing to escape is its JSON text between quotes: spares serializing it.
        if case .string(let text) = name, !text.utf8.contains(where: { $0 < 0x20 || $0 == 0x22 || $0 == 0x5C }) {
            return "group:\"" + text + "\""
        }
        return "group:" + name.jsonString
    }

    static let head = "head"
}
