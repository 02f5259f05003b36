import JSON

/// Where an object lives: namespace ("" for cluster-scoped objects) and name. The key of the
/// informer's store and, as `namespace/name`, the usual work-queue key.
package struct ObjectKey: Hashable, Sendable, Comparable, CustomStringConvertible {
    package var namespace: String
    package var name: String

    package init(namespace: String?, name: String) {
        self.namespace = namespace ?? ""
        self.name = name
    }

    /// The key of `object` (its `metadata.namespace` and `metadata.name`); nil without a name.
    package init?(object: JSONValue) {
        guard let name = object["metadata"]?["name"]?.stringValue, !name.isEmpty else { return nil }
        self.init(namespace: object["metadata"]?["namespace"]?.stringValue, name: name)
    }

    /// `namespace/name`, or `name` alone for cluster-scoped objects.
    package var description: String { namespace.isEmpty ? name : "\(namespace)/\(name)" }

    package static func < (lhs: ObjectKey, rhs: ObjectKey) -> Bool {
        (lhs.namespace, lhs.name) < (rhs.namespace, rhs.name)
    }
}

/// Reading the `metadata` members the client machinery needs, from any object.
package enum ObjectMetadata {
    package static func resourceVersion(of object: JSONValue) -> String? {
        object["metadata"]?["resourceVersion"]?.stringValue
    }

    package static func uid(of object: JSONValue) -> String? {
        object["metadata"]?["uid"]?.stringValue
    }

    /// The UID of the owner reference marked `controller: true`, if any (at most one may be).
    package static func controllerOwnerUID(of object: JSONValue) -> String? {
        guard let references = object["metadata"]?["ownerReferences"]?.arrayValue else { return nil }
        for reference in references where reference["controller"]?.boolValue == true {
            if let uid = reference["uid"]?.stringValue, !uid.isEmpty { return uid }
        }
        return nil
    }
}
