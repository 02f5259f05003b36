import JSON

// The calls the rest of the operator makes against a Kubernetes API server, as one protocol: the
// HTTPS client (`KubeClient`) implements it, and the informer, leader election, event recorder and
// reconciler are written against it, so their unit tests can use an in-memory fake.
//
// Every call blocks the calling thread (the operator runs on plain threads, not Swift tasks) and
// answers either the API server's object or a `KubeError`; nothing here traps on bad input.

/// Which collection a call addresses: `/api/v1/namespaces/{ns}/pods`,
/// `/apis/ray.io/v1/namespaces/{ns}/rayclusters`, …
package struct KubeResource: Sendable, Hashable, CustomStringConvertible {
    /// API group; "" for the core group (`/api/v1`).
    package var group: String
    package var version: String
    /// Lower-case plural, as in the URL path.
    package var plural: String
    package var namespaced: Bool

    package init(group: String, version: String, plural: String, namespaced: Bool = true) {
        self.group = group
        self.version = version
        self.plural = plural
        self.namespaced = namespaced
    }

    /// `apiVersion` of the objects: `v1`, `ray.io/v1`, …
    package var apiVersion: String { group.isEmpty ? version : "\(group)/\(version)" }
    package var description: String { group.isEmpty ? "\(plural).\(version)" : "\(plural).\(version).\(group)" }

    package static let pods = KubeResource(group: "", version: "v1", plural: "pods")
    package static let services = KubeResource(group: "", version: "v1", plural: "services")
    package static let namespaces = KubeResource(group: "", version: "v1", plural: "namespaces", namespaced: false)
    package static let leases = KubeResource(group: "coordination.k8s.io", version: "v1", plural: "leases")
    package static let events = KubeResource(group: "events.k8s.io", version: "v1", plural: "events")
}

/// Options of a list or watch call. nil fields are not sent.
package struct ListOptions: Sendable, Equatable {
    package var labelSelector: String?
    package var fieldSelector: String?
    /// Page size; the answer's `metadata.continue` fetches the next page.
    package var limit: Int?
    package var continueToken: String?
    /// "0" reads from the API server's cache, nil is a quorum read, anything else "not older than".
    package var resourceVersion: String?
    package init(labelSelector: String? = nil, fieldSelector: String? = nil, limit: Int? = nil,
                continueToken: String? = nil, resourceVersion: String? = nil) {
        self.labelSelector = labelSelector
        self.fieldSelector = fieldSelector
        self.limit = limit
        self.continueToken = continueToken
        self.resourceVersion = resourceVersion
    }
}

/// Options of a watch call.
package struct WatchOptions: Sendable, Equatable {
    package var labelSelector: String?
    package var fieldSelector: String?
    /// Where the stream starts; events after this version are sent.
    package var resourceVersion: String?
    package var allowBookmarks: Bool
    /// The server closes the stream after this long (client-go draws it from 5–10 min).
    package var timeoutSeconds: Int?
    package init(labelSelector: String? = nil, fieldSelector: String? = nil, resourceVersion: String? = nil,
                allowBookmarks: Bool = true, timeoutSeconds: Int? = nil) {
        self.labelSelector = labelSelector
        self.fieldSelector = fieldSelector
        self.resourceVersion = resourceVersion
        self.allowBookmarks = allowBookmarks
        self.timeoutSeconds = timeoutSeconds
    }
}

/// Options of a delete call.
package struct DeleteOptions: Sendable, Equatable {
    /// `Foreground`, `Background` or `Orphan`; nil leaves the server's default.
    package var propagationPolicy: String?
    /// The delete applies only to the object with this UID (a re-created namesake is left alone).
    package var preconditionUID: String?
    package var gracePeriodSeconds: Int?
    package init(propagationPolicy: String? = nil, preconditionUID: String? = nil, gracePeriodSeconds: Int? = nil) {
        self.propagationPolicy = propagationPolicy
        self.preconditionUID = preconditionUID
        self.gracePeriodSeconds = gracePeriodSeconds
    }
}

/// One event of a watch stream.
package struct WatchEvent: Sendable, Equatable {
    package enum Kind: String, Sendable {
        case added = "ADDED", modified = "MODIFIED", deleted = "DELETED", bookmark = "BOOKMARK", error = "ERROR"
    }
    package var type: Kind
    /// The object; for `.error` the `Status` the server sent (410 Gone after compaction, …).
    package var object: JSONValue
    package init(type: Kind, object: JSONValue) {
        self.type = type
        self.object = object
    }
}

/// An open watch. `next()` blocks until an event arrives; nil means the server ended the stream
/// normally (its `timeoutSeconds` passed), and the caller re-watches from its last resourceVersion.
package protocol WatchStream: AnyObject, Sendable {
    func next() throws(KubeError) -> WatchEvent?
    /// Ends the stream from any thread; a blocked `next()` returns nil or `.cancelled`.
    func close()
}

/// The API server's answer when it is not a success: its `Status` object, typed.
package struct APIStatus: Sendable, Equatable, CustomStringConvertible {
    /// HTTP status code (404, 409, 410, 422, 429, 500…).
    package var code: Int
    /// `Status.reason`: NotFound, AlreadyExists, Conflict, Invalid, Gone, Expired, TooManyRequests…
    package var reason: String
    package var message: String
    /// `Retry-After` in seconds, when the server sent one.
    package var retryAfterSeconds: Int?
    package init(code: Int, reason: String, message: String, retryAfterSeconds: Int? = nil) {
        self.code = code
        self.reason = reason
        self.message = message
        self.retryAfterSeconds = retryAfterSeconds
    }
    package var description: String { "\(code) \(reason): \(message)" }
}

package enum KubeError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The server answered with a failure `Status`.
    case api(APIStatus)
    /// No answer: connect, TLS, read or write failed, or a timeout passed.
    case transport(String)
    /// An answer that is not what the protocol promises (bad JSON, bad chunking, too big…).
    case protocolViolation(String)
    /// Configuration cannot be used (kubeconfig, in-cluster files).
    case configuration(String)
    /// The call was abandoned because the client or the stream was closed.
    case cancelled

    package var description: String {
        switch self {
        case .api(let status): return status.description
        case .transport(let message): return "transport: \(message)"
        case .protocolViolation(let message): return "protocol: \(message)"
        case .configuration(let message): return "configuration: \(message)"
        case .cancelled: return "cancelled"
        }
    }

    package var status: APIStatus? { if case .api(let s) = self { return s } else { return nil } }
    package var isNotFound: Bool { status?.code == 404 }
    package var isAlreadyExists: Bool { status?.code == 409 && status?.reason == "AlreadyExists" }
    package var isConflict: Bool { status?.code == 409 && status?.reason != "AlreadyExists" }
    /// 410 Gone or reason Expired: the resourceVersion is too old; relist.
    package var isGone: Bool { status?.code == 410 || status?.reason == "Expired" || status?.reason == "Gone" }
    package var isInvalid: Bool { status?.code == 422 }
}

/// The Kubernetes API as the operator uses it. `namespace` is nil for cluster-scoped resources and
/// for lists and watches across all namespaces.
package protocol KubeAPI: AnyObject, Sendable {
    func get(_ resource: KubeResource, namespace: String?, name: String) throws(KubeError) -> JSONValue
    /// The List object (`items`, `metadata.resourceVersion`, `metadata.continue`).
    func list(_ resource: KubeResource, namespace: String?, options: ListOptions) throws(KubeError) -> JSONValue
    func create(_ resource: KubeResource, namespace: String?, object: JSONValue) throws(KubeError) -> JSONValue
    /// PUT; `object.metadata.resourceVersion` makes it conditional (409 Conflict when stale).
    /// `subresource` "status" writes the status subresource.
    func update(_ resource: KubeResource, namespace: String?, name: String, object: JSONValue,
                subresource: String?) throws(KubeError) -> JSONValue
    /// JSON merge patch (RFC 7386).
    func mergePatch(_ resource: KubeResource, namespace: String?, name: String, patch: JSONValue,
                    subresource: String?) throws(KubeError) -> JSONValue
    func delete(_ resource: KubeResource, namespace: String?, name: String, options: DeleteOptions) throws(KubeError)
    func deleteCollection(_ resource: KubeResource, namespace: String?, labelSelector: String,
                          options: DeleteOptions) throws(KubeError)
    func watch(_ resource: KubeResource, namespace: String?, options: WatchOptions) throws(KubeError) -> any WatchStream
}
