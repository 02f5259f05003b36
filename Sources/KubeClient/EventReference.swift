import JSON

/// The object an Event is about (`regarding`, `related`): an ObjectReference.
package struct EventReference: Sendable, Hashable {
    package var apiVersion: String
    package var kind: String
    /// "" for cluster-scoped objects.
    package var namespace: String
    package var name: String
    package var uid: String
    package var resourceVersion: String
    package var fieldPath: String

    package init(apiVersion: String, kind: String, namespace: String?, name: String, uid: String = "",
                resourceVersion: String = "", fieldPath: String = "") {
        self.apiVersion = apiVersion
        self.kind = kind
        self.namespace = namespace ?? ""
        self.name = name
        self.uid = uid
        self.resourceVersion = resourceVersion
        self.fieldPath = fieldPath
    }

    /// The reference to `object` (its apiVersion, kind and metadata); nil without kind or name.
    package init?(object: JSONValue) {
        guard let kind = object["kind"]?.stringValue, !kind.isEmpty,
              let name = object["metadata"]?["name"]?.stringValue, !name.isEmpty else { return nil }
        self.init(apiVersion: object["apiVersion"]?.stringValue ?? "", kind: kind,
                  namespace: object["metadata"]?["namespace"]?.stringValue, name: name,
                  uid: ObjectMetadata.uid(of: object) ?? "",
                  resourceVersion: ObjectMetadata.resourceVersion(of: object) ?? "")
    }

    /// Which object this is, whatever its version: what series and spam limits are kept per.
    /// (A cluster's resourceVersion changes with every status write; its repeated events must
    /// still fold into one series.)
    package struct Identity: Sendable, Hashable {
        package var apiVersion: String
        package var kind: String
        package var namespace: String
        package var name: String
        package var uid: String
    }

    package var identity: Identity {
        Identity(apiVersion: apiVersion, kind: kind, namespace: namespace, name: name, uid: uid)
    }

    /// The ObjectReference JSON (empty fields left out).
    package var json: JSONValue {
        var object = JSONObject()
        for (key, value) in [("apiVersion", apiVersion), ("kind", kind), ("namespace", namespace), ("name", name),
                             ("uid", uid), ("resourceVersion", resourceVersion), ("fieldPath", fieldPath)] where !value.isEmpty {
            object[key] = .string(value)
        }
        return .object(object)
    }
}

/// `Normal` or `Warning`, the two types the API server accepts.
package enum EventType: String, Sendable, Hashable {
    case normal = "Normal"
    case warning = "Warning"
}
