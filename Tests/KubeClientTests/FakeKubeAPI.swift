import JSON
@testable import KubeClient
import Synchronization

/// An in-memory API server for unit tests: objects per resource, one resourceVersion counter,
/// paged lists, watch streams that replay history from a resourceVersion and can be ended,
/// broken or fed bookmarks, compaction (410 Gone), conditional updates (409 Conflict), JSON merge
/// patch, injectable failures per verb and an optional latency per call.
final class FakeKubeAPI: KubeAPI, Sendable {
    enum Verb: String, Sendable, CaseIterable {
        case get, list, create, update, patch, delete, deleteCollection, watch
    }

    /// How a watch from a compacted resourceVersion fails: as an in-stream ERROR event (what
    /// the API server's watch cache does) or as the watch call's error.
    enum GoneStyle: Sendable { case errorEvent, callError }

    struct Failure: Sendable {
        var verb: Verb
        var resource: KubeResource?
        var error: KubeError
        var remaining: Int?  // nil: until cleared
    }

    private struct Record: Sendable {
        var revision: Int64
        var namespace: String
        var event: WatchEvent
    }

    private struct State: Sendable {
        var revision: Int64 = 100
        var objects: [KubeResource: [ObjectKey: JSONValue]] = [:]
        var history: [KubeResource: [Record]] = [:]
        /// Watches and continue tokens older than this are gone.
        var compactedBelow: Int64 = 0
        var streams: [FakeWatchStream] = []
        var failures: [Failure] = []
        var calls: [Verb: Int] = [:]
        var watchOptions: [WatchOptions] = []
        var listOptions: [ListOptions] = []
        var uidCounter = 0
        var latency: Double = 0
        var goneStyle: GoneStyle = .errorEvent
    }

    private let state = Mutex(State())

    // MARK: - Test controls

    var goneStyle: GoneStyle {
        get { state.withLock { $0.goneStyle } }
        set { state.withLock { $0.goneStyle = newValue } }
    }

    var latency: Double {
        get { state.withLock { $0.latency } }
        set { state.withLock { $0.latency = newValue } }
    }

    func fail(_ verb: Verb, resource: KubeResource? = nil, with error: KubeError, times: Int? = 1) {
        state.withLock { $0.failures.append(Failure(verb: verb, resource: resource, error: error, remaining: times)) }
    }

    func clearFailures() { state.withLock { $0.failures.removeAll() } }

    func calls(_ verb: Verb) -> Int { state.withLock { $0.calls[verb] ?? 0 } }
    var recordedWatchOptions: [WatchOptions] { state.withLock { $0.watchOptions } }
    var recordedListOptions: [ListOptions] { state.withLock { $0.listOptions } }
    var currentRevision: Int64 { state.withLock { $0.revision } }
    var openStreams: Int { state.withLock { s in s.streams.filter { !$0.isFinished }.count } }
    var openStreamsForTesting: [FakeWatchStream] { state.withLock { s in s.streams.filter { !$0.isFinished } } }

    /// Ends every open stream normally (the server's timeoutSeconds passed).
    func endStreams() {
        let streams = state.withLock { s -> [FakeWatchStream] in
            defer { s.streams.removeAll() }
            return s.streams
        }
        for stream in streams { stream.finish(with: nil) }
    }

    /// Breaks every open stream with `error` (a reset connection).
    func breakStreams(_ error: KubeError = .transport("connection reset by peer")) {
        let streams = state.withLock { s -> [FakeWatchStream] in
            defer { s.streams.removeAll() }
            return s.streams
        }
        for stream in streams { stream.finish(with: error) }
    }

    /// Sends an ERROR event with 410 Expired on every open stream (they stay open, as a real
    /// server would close them right after).
    func sendGoneOnStreams() {
        let streams = state.withLock { $0.streams }
        for stream in streams { stream.push(FakeKubeAPI.goneEvent) }
    }

    /// Sends a BOOKMARK carrying the current revision to streams that asked for bookmarks.
    func sendBookmarks(_ resource: KubeResource) {
        let (streams, revision) = state.withLock { s in (s.streams.filter { $0.resource == resource && $0.allowBookmarks }, s.revision) }
        let bookmark = WatchEvent(type: .bookmark, object: [
            "kind": "Bookmark", "apiVersion": .string(resource.apiVersion),
            "metadata": ["resourceVersion": .string(String(revision))],
        ])
        for stream in streams { stream.push(bookmark) }
    }

    /// Forgets history below the current revision: older watches and continue tokens get 410.
    func compact() {
        state.withLock { s in
            s.compactedBelow = s.revision
            for key in s.history.keys { s.history[key]?.removeAll { $0.revision < s.revision } }
        }
    }

    /// Advances the revision without changing any object of interest (like writes elsewhere).
    func bumpRevision(by n: Int64 = 1) { state.withLock { $0.revision &+= n } }

    static let goneEvent = WatchEvent(type: .error, object: [
        "kind": "Status", "apiVersion": "v1", "status": "Failure",
        "message": "too old resource version", "reason": "Expired", "code": 410,
    ])

    // MARK: - Seeding helpers

    static func pod(_ name: String, namespace: String = "default", labels: [String: String] = [:], owner: String? = nil) -> JSONValue {
        var metadata: JSONObject = ["name": .string(name), "namespace": .string(namespace)]
        if !labels.isEmpty {
            var l = JSONObject()
            for (k, v) in labels.sorted(by: { $0.key < $1.key }) { l[k] = .string(v) }
            metadata["labels"] = .object(l)
        }
        if let owner {
            metadata["ownerReferences"] = [["apiVersion": "ray.io/v1", "kind": "RayCluster", "name": "c", "uid": .string(owner), "controller": true]]
        }
        return ["apiVersion": "v1", "kind": "Pod", "metadata": .object(metadata), "spec": ["containers": []]]
    }

    // MARK: - KubeAPI

    private func enter(_ verb: Verb, _ resource: KubeResource) throws(KubeError) {
        let (failure, latency) = state.withLock { s -> (KubeError?, Double) in
            s.calls[verb, default: 0] += 1
            var found: KubeError?
            if let i = s.failures.firstIndex(where: { $0.verb == verb && ($0.resource == nil || $0.resource == resource) }) {
                found = s.failures[i].error
                if let remaining = s.failures[i].remaining {
                    if remaining <= 1 { s.failures.remove(at: i) } else { s.failures[i].remaining = remaining - 1 }
                }
            }
            return (found, s.latency)
        }
        if latency > 0 { sleepSeconds(latency) }
        if let failure { throw failure }
    }

    func get(_ resource: KubeResource, namespace: String?, name: String) throws(KubeError) -> JSONValue {
        try enter(.get, resource)
        let key = ObjectKey(namespace: namespace, name: name)
        guard let object = state.withLock({ $0.objects[resource]?[key] }) else { throw FakeKubeAPI.notFound(resource, name) }
        return object
    }

    func list(_ resource: KubeResource, namespace: String?, options: ListOptions) throws(KubeError) -> JSONValue {
        try enter(.list, resource)
        let selector = LabelSelector(options.labelSelector)
        return try state.withLock { s throws(KubeError) -> JSONValue in
            s.listOptions.append(options)
            var revision = s.revision
            var offset = 0
            if let token = options.continueToken {
                let parts = token.split(separator: ":")
                guard parts.count == 2, let r = Int64(parts[0]), let o = Int(parts[1]) else {
                    throw .api(APIStatus(code: 400, reason: "BadRequest", message: "bad continue token"))
                }
                guard r >= s.compactedBelow else {
                    throw .api(APIStatus(code: 410, reason: "Expired", message: "continue token expired"))
                }
                revision = r
                offset = o
            }
            let all = (s.objects[resource] ?? [:])
                .filter { namespace == nil || $0.key.namespace == namespace }
                .filter { selector.matches($0.value) }
                .sorted { $0.key < $1.key }
                .map(\.value)
            let limit = options.limit ?? Int.max
            let page = Array(all.dropFirst(offset).prefix(limit))
            var metadata: JSONObject = ["resourceVersion": .string(String(revision))]
            if offset + page.count < all.count { metadata["continue"] = .string("\(revision):\(offset + page.count)") }
            return ["apiVersion": .string(resource.apiVersion), "kind": "List", "metadata": .object(metadata), "items": .array(page)]
        }
    }

    func create(_ resource: KubeResource, namespace: String?, object: JSONValue) throws(KubeError) -> JSONValue {
        try enter(.create, resource)
        guard let name = object["metadata"]?["name"]?.stringValue, !name.isEmpty else {
            throw .api(APIStatus(code: 422, reason: "Invalid", message: "metadata.name: Required value"))
        }
        return try state.withLock { s throws(KubeError) -> JSONValue in
            let key = ObjectKey(namespace: namespace, name: name)
            if s.objects[resource]?[key] != nil {
                throw .api(APIStatus(code: 409, reason: "AlreadyExists", message: "\(resource) \"\(name)\" already exists"))
            }
            var stored = object
            s.uidCounter += 1
            stored["metadata"]?["uid"] = .string("uid-\(s.uidCounter)")
            if let namespace { stored["metadata"]?["namespace"] = .string(namespace) }
            return commit(&s, resource, key, stored, .added)
        }
    }

    func update(_ resource: KubeResource, namespace: String?, name: String, object: JSONValue, subresource: String?) throws(KubeError) -> JSONValue {
        try enter(.update, resource)
        return try state.withLock { s throws(KubeError) -> JSONValue in
            let key = ObjectKey(namespace: namespace, name: name)
            guard let current = s.objects[resource]?[key] else { throw FakeKubeAPI.notFound(resource, name) }
            if let wanted = ObjectMetadata.resourceVersion(of: object), wanted != ObjectMetadata.resourceVersion(of: current) {
                throw .api(APIStatus(code: 409, reason: "Conflict",
                                     message: "Operation cannot be fulfilled on \(resource) \"\(name)\": the object has been modified"))
            }
            var stored = object
            stored["metadata"]?["uid"] = current["metadata"]?["uid"]
            return commit(&s, resource, key, stored, .modified)
        }
    }

    func mergePatch(_ resource: KubeResource, namespace: String?, name: String, patch: JSONValue, subresource: String?) throws(KubeError) -> JSONValue {
        try enter(.patch, resource)
        return try state.withLock { s throws(KubeError) -> JSONValue in
            let key = ObjectKey(namespace: namespace, name: name)
            guard let current = s.objects[resource]?[key] else { throw FakeKubeAPI.notFound(resource, name) }
            return commit(&s, resource, key, FakeKubeAPI.merge(current, patch), .modified)
        }
    }

    func delete(_ resource: KubeResource, namespace: String?, name: String, options: DeleteOptions) throws(KubeError) {
        try enter(.delete, resource)
        try state.withLock { s throws(KubeError) in
            let key = ObjectKey(namespace: namespace, name: name)
            guard let current = s.objects[resource]?[key] else { throw FakeKubeAPI.notFound(resource, name) }
            if let uid = options.preconditionUID, uid != ObjectMetadata.uid(of: current) {
                throw .api(APIStatus(code: 409, reason: "Conflict", message: "Precondition failed: UID in precondition: \(uid)"))
            }
            remove(&s, resource, key)
        }
    }

    func deleteCollection(_ resource: KubeResource, namespace: String?, labelSelector: String, options: DeleteOptions) throws(KubeError) {
        try enter(.deleteCollection, resource)
        let selector = LabelSelector(labelSelector)
        state.withLock { s in
            let keys = (s.objects[resource] ?? [:]).filter { (namespace == nil || $0.key.namespace == namespace) && selector.matches($0.value) }.keys
            for key in keys.sorted() { remove(&s, resource, key) }
        }
    }

    func watch(_ resource: KubeResource, namespace: String?, options: WatchOptions) throws(KubeError) -> any WatchStream {
        try enter(.watch, resource)
        let selector = LabelSelector(options.labelSelector)
        return try state.withLock { s throws(KubeError) -> any WatchStream in
            s.watchOptions.append(options)
            let stream = FakeWatchStream(resource: resource, namespace: namespace, selector: selector, allowBookmarks: options.allowBookmarks)
            if let version = options.resourceVersion, !version.isEmpty, version != "0" {
                guard let from = Int64(version) else {
                    throw .api(APIStatus(code: 400, reason: "BadRequest", message: "bad resourceVersion \(version)"))
                }
                if from < s.compactedBelow {
                    if s.goneStyle == .callError {
                        throw .api(APIStatus(code: 410, reason: "Expired", message: "too old resource version: \(from)"))
                    }
                    stream.push(FakeKubeAPI.goneEvent)
                    return stream
                }
                for record in s.history[resource] ?? [] where record.revision > from {
                    stream.offer(record.namespace, record.event)
                }
            } else {
                for (key, object) in (s.objects[resource] ?? [:]).sorted(by: { $0.key < $1.key }) {
                    stream.offer(key.namespace, WatchEvent(type: .added, object: object))
                }
            }
            s.streams.append(stream)
            return stream
        }
    }

    // MARK: - Internals

    private func commit(_ s: inout State, _ resource: KubeResource, _ key: ObjectKey, _ object: JSONValue, _ kind: WatchEvent.Kind) -> JSONValue {
        s.revision += 1
        var stored = object
        stored["metadata"]?["resourceVersion"] = .string(String(s.revision))
        s.objects[resource, default: [:]][key] = stored
        publish(&s, resource, key.namespace, WatchEvent(type: kind, object: stored))
        return stored
    }

    private func remove(_ s: inout State, _ resource: KubeResource, _ key: ObjectKey) {
        guard var old = s.objects[resource]?.removeValue(forKey: key) else { return }
        s.revision += 1
        old["metadata"]?["resourceVersion"] = .string(String(s.revision))
        publish(&s, resource, key.namespace, WatchEvent(type: .deleted, object: old))
    }

    private func publish(_ s: inout State, _ resource: KubeResource, _ namespace: String, _ event: WatchEvent) {
        s.history[resource, default: []].append(Record(revision: s.revision, namespace: namespace, event: event))
        s.streams.removeAll { $0.isFinished }
        for stream in s.streams where stream.resource == resource { stream.offer(namespace, event) }
    }

    static func notFound(_ resource: KubeResource, _ name: String) -> KubeError {
        .api(APIStatus(code: 404, reason: "NotFound", message: "\(resource) \"\(name)\" not found"))
    }

    /// RFC 7386.
    static func merge(_ target: JSONValue, _ patch: JSONValue) -> JSONValue {
        guard case .object(let patchObject) = patch else { return patch }
        var result = target.objectValue ?? JSONObject()
        for member in patchObject {
            if member.value.isNull {
                result[member.key] = nil
            } else {
                result[member.key] = merge(result[member.key] ?? .null, member.value)
            }
        }
        return .object(result)
    }
}

/// `a=b,c!=d,e` label selectors (equality, inequality, existence).
struct LabelSelector: Sendable {
    enum Term: Sendable { case equals(String, String), notEquals(String, String), exists(String) }
    var terms: [Term] = []

    init(_ text: String?) {
        for raw in (text ?? "").split(separator: ",") {
            let part = String(raw)
            if let range = part.range(of: "!=") {
                terms.append(.notEquals(String(part[..<range.lowerBound]), String(part[range.upperBound...])))
            } else if let range = part.range(of: "=") {
                terms.append(.equals(String(part[..<range.lowerBound]), String(part[range.upperBound...].drop { $0 == "=" })))
            } else {
                terms.append(.exists(part))
            }
        }
    }

    func matches(_ object: JSONValue) -> Bool {
        let labels = object["metadata"]?["labels"]
        return terms.allSatisfy { term in
            switch term {
            case .equals(let k, let v): return labels?[k]?.stringValue == v
            case .notEquals(let k, let v): return labels?[k]?.stringValue != v
            case .exists(let k): return labels?[k] != nil
            }
        }
    }
}

/// One fake watch: a queue of events that `next()` blocks on.
final class FakeWatchStream: WatchStream, Sendable {
    let resource: KubeResource
    let namespace: String?
    let selector: LabelSelector
    let allowBookmarks: Bool

    private struct State {
        var events: [WatchEvent] = []
        var head = 0
        var finished = false
        var failure: KubeError?
        var closed = false
    }
    private let state = Monitor(State())

    init(resource: KubeResource, namespace: String?, selector: LabelSelector, allowBookmarks: Bool) {
        self.resource = resource
        self.namespace = namespace
        self.selector = selector
        self.allowBookmarks = allowBookmarks
    }

    var isFinished: Bool { state.withLock { $0.finished || $0.closed } }

    /// Queues `event` when it is in this watch's scope.
    func offer(_ eventNamespace: String, _ event: WatchEvent) {
        if let namespace, namespace != eventNamespace { return }
        guard selector.matches(event.object) else { return }
        push(event)
    }

    func push(_ event: WatchEvent) {
        state.update { s in
            guard !s.finished, !s.closed else { return }
            s.events.append(event)
        }
    }

    /// Ends the stream after the queued events: normally (nil) or with `error`.
    func finish(with error: KubeError?) {
        state.update { s in
            s.finished = true
            s.failure = error
        }
    }

    func next() throws(KubeError) -> WatchEvent? {
        let result = state.wait { s -> MonitorStep<Result<WatchEvent?, KubeError>> in
            if s.closed { return .done(.success(nil)) }
            if s.head < s.events.count {
                let event = s.events[s.head]
                s.head += 1
                return .done(.success(event))
            }
            if s.finished { return .done(s.failure.map { .failure($0) } ?? .success(nil)) }
            return .wait(until: nil)
        }
        return try result.get()
    }

    func close() { state.update { $0.closed = true } }
}
