// Read-only views of the apimachinery metadata types (ObjectMeta, OwnerReference, Condition).
// Pattern of every view: see TypedViewReading.swift (nil = absent, null or wrong type).
import JSON

/// `metav1.ObjectMeta`.
package struct ObjectMeta: JSONView {
    package let json: JSONValue
    package init(_ json: JSONValue) { self.json = json }

    package var name: String? { json.string("name") }
    package var generateName: String? { json.string("generateName") }
    package var namespace: String? { json.string("namespace") }
    package var uid: String? { json.string("uid") }
    package var resourceVersion: String? { json.string("resourceVersion") }
    package var generation: Int64? { json.int64("generation") }
    package var creationTimestamp: String? { json.string("creationTimestamp") }
    package var deletionTimestamp: String? { json.string("deletionTimestamp") }
    package var deletionGracePeriodSeconds: Int64? { json.int64("deletionGracePeriodSeconds") }
    package var labels: [String: String]? { json.stringMap("labels") }
    package var annotations: [String: String]? { json.stringMap("annotations") }
    package var ownerReferences: [OwnerReference]? { json.views("ownerReferences") }
    package var finalizers: [String]? { json.strings("finalizers") }
    /// Server-side apply bookkeeping; nobody reads inside it.
    package var managedFields: JSONValue? { json["managedFields"] }

    /// The value of label `key`, nil when absent.
    package func label(_ key: String) -> String? { json["labels"]?[key]?.stringValue }
    /// The value of annotation `key`, nil when absent.
    package func annotation(_ key: String) -> String? { json["annotations"]?[key]?.stringValue }
}

/// `metav1.OwnerReference`.
package struct OwnerReference: JSONView {
    package let json: JSONValue
    package init(_ json: JSONValue) { self.json = json }

    package var apiVersion: String? { json.string("apiVersion") }
    package var kind: String? { json.string("kind") }
    package var name: String? { json.string("name") }
    package var uid: String? { json.string("uid") }
    package var controller: Bool? { json.bool("controller") }
    package var blockOwnerDeletion: Bool? { json.bool("blockOwnerDeletion") }
}

/// `metav1.Condition` (status conditions of a RayCluster).
package struct Condition: JSONView {
    package let json: JSONValue
    package init(_ json: JSONValue) { self.json = json }

    package var type: String? { json.string("type") }
    /// "True", "False" or "Unknown".
    package var status: String? { json.string("status") }
    package var observedGeneration: Int64? { json.int64("observedGeneration") }
    package var lastTransitionTime: String? { json.string("lastTransitionTime") }
    package var reason: String? { json.string("reason") }
    package var message: String? { json.string("message") }

    /// True when `status` is exactly "True".
    package var isTrue: Bool { status == "True" }
}
