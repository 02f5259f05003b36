// Read-only views of the apimachinery metadata types (ObjectMeta, OwnerReference, Condition).
// Pattern of every view: see TypedViewReading.swift (nil = absent, null or wrong type).
import JSON

/// `metav1.ObjectMeta`.
public struct ObjectMeta: JSONView {
    public let json: JSONValue
    public init(_ json: JSONValue) { self.json = json }

    public var name: String? { json.string("name") }
    public var generateName: String? { json.string("generateName") }
    public var namespace: String? { json.string("namespace") }
    public var uid: String? { json.string("uid") }
    public var resourceVersion: String? { json.string("resourceVersion") }
    public var generation: Int64? { json.int64("generation") }
    public var creationTimestamp: String? { json.string("creationTimestamp") }
    public var deletionTimestamp: String? { json.string("deletionTimestamp") }
    public var deletionGracePeriodSeconds: Int64? { json.int64("deletionGracePeriodSeconds") }
    public var labels: [String: String]? { json.stringMap("labels") }
    public var annotations: [String: String]? { json.stringMap("annotations") }
    public var ownerReferences: [OwnerReference]? { json.views("ownerReferences") }
    public var finalizers: [String]? { json.strings("finalizers") }
    /// Server-side apply bookkeeping; nobody reads inside it.
    public var managedFields: JSONValue? { json["managedFields"] }

    /// The value of label `key`, nil when absent.
    public func label(_ key: String) -> String? { json["labels"]?[key]?.stringValue }
    /// The value of annotation `key`, nil when absent.
    public func annotation(_ key: String) -> String? { json["annotations"]?[key]?.stringValue }
}

/// `metav1.OwnerReference`.
public struct OwnerReference: JSONView {
    public let json: JSONValue
    public init(_ json: JSONValue) { self.json = json }

    public var apiVersion: String? { json.string("apiVersion") }
    public var kind: String? { json.string("kind") }
    public var name: String? { json.string("name") }
    public var uid: String? { json.string("uid") }
    public var controller: Bool? { json.bool("controller") }
    public var blockOwnerDeletion: Bool? { json.bool("blockOwnerDeletion") }
}

/// `metav1.Condition` (status conditions of a RayCluster).
public struct Condition: JSONView {
    public let json: JSONValue
    public init(_ json: JSONValue) { self.json = json }

    public var type: String? { json.string("type") }
    /// "True", "False" or "Unknown".
    public var status: String? { json.string("status") }
    public var observedGeneration: Int64? { json.int64("observedGeneration") }
    public var lastTransitionTime: String? { json.string("lastTransitionTime") }
    public var reason: String? { json.string("reason") }
    public var message: String? { json.string("message") }

    /// True when `status` is exactly "True".
    public var isTrue: Bool { status == "True" }
}
