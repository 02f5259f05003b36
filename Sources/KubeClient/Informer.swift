import JSON
import Synchronization
import Threads
#if canImport(Glibc)
import Glibc
#endif

/// A list-then-watch cache of one resource (optionally one namespace and a label selector), on a
/// thread of its own.
///
/// The informer lists every object (in pages), swaps the result into its `store`, then watches
/// from the list's resourceVersion, applying each event to the store before calling the handlers.
/// It keeps the resourceVersion of every event, bookmarks included, so that:
/// - a stream the server ends (its `timeoutSeconds` passed) is re-opened from where it stopped;
/// - a transport failure is retried from the same point after a jittered exponential backoff;
/// - a `410 Gone`/`Expired` (history compacted) leads to a fresh list whose differences from the
///   store are reported: vanished objects as deletes, new ones as adds, changed ones as updates,
///   each exactly once.
///
/// Lists are quorum reads (no resourceVersion), so a relist never goes back in time.
///
/// Handlers run on the informer's thread, in event order, after the store has the change; they
/// must return quickly (queue a key, do not call the API). Register them before `start()`.
package final class Informer: Sendable {
    package struct Options: Sendable {
        /// nil: every namespace (or a cluster-scoped resource).
        package var namespace: String?
        package var labelSelector: String?
        package var fieldSelector: String?
        /// Objects per list page (`limit`).
        package var pageSize: Int = 500
        /// Pages per list at most: a server whose `continue` tokens never end cannot make the
        /// informer list for ever (5 million objects at the default page size).
        package var maximumPages: Int = 10_000
        /// The server `timeoutSeconds` of each watch is drawn from this range, so that many
        /// informers do not all re-watch at the same moment.
        package var watchTimeoutSeconds: ClosedRange<Int> = 300...600
        /// Reconnect backoff: `backoffInitial` doubling to `backoffCap`, each stretched by a
        /// random factor in [1, 2); forgotten after `backoffResetAfter` seconds without a failure.
        package var backoffInitial: Double = 0.8
        package var backoffCap: Double = 30
        package var backoffResetAfter: Double = 120
        /// A watch that ends sooner than this without delivering anything counts as a failure
        /// (backoff applies): a server that closes every stream at once must not be hammered.
        package var minimumHealthyWatch: Double = 1
        /// Thread name and log label.
        package var name: String?
        /// Applied to every listed or watched object before the store keeps it (and before the
        /// handlers see it): a controller drops the fields it never reads, so that a cache of
        /// thousands of objects holds only what is used. It must keep `metadata.name`,
        /// `namespace` and `resourceVersion`.
        package var transform: (@Sendable (JSONValue) -> JSONValue)?

        package init(namespace: String? = nil, labelSelector: String? = nil, fieldSelector: String? = nil) {
            self.namespace = namespace
            self.labelSelector = labelSelector
            self.fieldSelector = fieldSelector
        }
    }

    /// What the informer did so far: for tests, logs and metrics.
    package struct Statistics: Sendable, Equatable {
        /// Complete lists swapped into the store (the first one included).
        package var lists = 0
        /// Lists after the first (410 Gone, or a failed list retried).
        package var relists = 0
        /// Watch streams opened.
        package var watches = 0
        /// Watch streams the server ended normally (timeoutSeconds), re-opened from the last RV.
        package var watchesEnded = 0
        /// Failures retried after a backoff (transport errors, server errors, unhealthy streams).
        package var reconnects = 0
        /// `410 Gone`/`Expired` answers and ERROR events.
        package var gone = 0
        /// ADDED/MODIFIED/DELETED events applied.
        package var events = 0
        package var bookmarks = 0
        /// Objects ignored because they had no `metadata.name`, events without an object.
        package var malformed = 0
        package var lastError: KubeError?
    }

    package let api: any KubeAPI
    package let resource: KubeResource
    package let options: Options
    /// The cache. Read it from any thread.
    package let store = ObjectStore()

    private struct Handlers: Sendable {
        var add: [@Sendable (JSONValue) -> Void] = []
        var update: [@Sendable (JSONValue, JSONValue) -> Void] = []
        var delete: [@Sendable (JSONValue) -> Void] = []
    }
    private let handlers = Mutex(Handlers())

    private struct State {
        var started = false
        var stopping = false
        var synced = false
        var thread: pthread_t?
        var stream: (any WatchStream)?
        var resourceVersion: String?
        var statistics = Statistics()
    }
    private let state = Monitor(State())

    package init(api: any KubeAPI, resource: KubeResource, options: Options = Options()) {
        self.api = api
        self.resource = resource
        var options = options
        options.pageSize = max(1, options.pageSize)
        options.maximumPages = max(1, options.maximumPages)
        options.watchTimeoutSeconds = max(1, options.watchTimeoutSeconds.lowerBound)...max(1, options.watchTimeoutSeconds.upperBound)
        self.options = options
    }

    /// Called for every object that appears: initial list, ADDED events, new objects of a relist.
    package func onAdd(_ handler: @escaping @Sendable (JSONValue) -> Void) { handlers.withLock { $0.add.append(handler) } }
    /// Called with the previous and the new state of a changed object.
    package func onUpdate(_ handler: @escaping @Sendable (_ old: JSONValue, _ new: JSONValue) -> Void) {
        handlers.withLock { $0.update.append(handler) }
    }
    /// Called with the last state of an object that is gone (a DELETED event, or absent from a relist).
    package func onDelete(_ handler: @escaping @Sendable (JSONValue) -> Void) { handlers.withLock { $0.delete.append(handler) } }

    /// Starts the list-then-watch thread. A second call does nothing.
    package func start() throws(ThreadStartError) {
        let proceed = state.withLock { s -> Bool in
            guard !s.started else { return false }
            s.started = true
            return true
        }
        guard proceed else { return }
        let name = "inf-" + (options.name ?? resource.plural)
        guard let thread = Threads.start(name: name, { [self] in self.run() }) else {
            state.update { $0.stopping = true }
            throw ThreadStartError(component: "informer \(resource)")
        }
        state.withLock { $0.thread = thread }
    }

    /// Closes the watch, wakes a backoff wait and joins the thread. A list in flight is finished
    /// first (the client's request timeout bounds it). Safe to call more than once, and from a
    /// handler (it then does not join its own thread).
    package func stop() {
        let (stream, thread) = state.update { s -> ((any WatchStream)?, pthread_t?) in
            s.stopping = true
            let taken = (s.stream, s.thread)
            s.thread = nil
            return taken
        }
        stream?.close()
        if let thread, pthread_equal(thread, pthread_self()) == 0 { Threads.join(thread) }
    }

    /// True once the first list is in the store and its adds were handed to the handlers.
    package var hasSynced: Bool { state.withLock { $0.synced } }

    /// Blocks until `hasSynced` or `timeout` seconds pass (or the informer stops); answers `hasSynced`.
    package func waitForSync(timeout: Double) -> Bool {
        let deadline = MonotonicTime.now() + max(0, timeout)
        return state.wait { s in
            if s.synced { return .done(true) }
            if s.stopping || MonotonicTime.now() >= deadline { return .done(false) }
            return .wait(until: deadline)
        }
    }

    package var statistics: Statistics { state.withLock { $0.statistics } }

    /// The resourceVersion the next watch starts from (of the last list or event).
    package var lastResourceVersion: String? { state.withLock { $0.resourceVersion } }

    // Store reads, for convenience.
    package func get(namespace: String?, name: String) -> JSONValue? { store.get(namespace: namespace, name: name) }
    package func list(namespace: String? = nil) -> [JSONValue] { store.list(namespace: namespace) }
    package func byOwner(uid: String) -> [JSONValue] { store.byOwner(uid: uid) }

    // MARK: - The reflector loop

    private var isStopping: Bool { state.withLock { $0.stopping } }

    private func record(_ change: (inout Statistics) -> Void) {
        state.withLock { change(&$0.statistics) }
    }

    private func run() {
        var backoff = Backoff(initial: options.backoffInitial, cap: options.backoffCap, factor: 2, jitter: 1)
        var lastFailure = -Double.infinity
        var needsList = true
        var listedBefore = false

        // Sleeps the backoff delay after a failure; false when stopped meanwhile.
        func failed(_ error: KubeError?) -> Bool {
            let now = MonotonicTime.now()
            if now - lastFailure > options.backoffResetAfter { backoff.reset() }
            lastFailure = now
            let delay = backoff.next()
            state.withLock { s in
                s.statistics.reconnects &+= 1
                if let error { s.statistics.lastError = error }
            }
            return !state.sleep(until: now + delay, orWhile: { $0.stopping })
        }

        while !isStopping {
            if needsList {
                switch listAll() {
                case .success(let (items, version)):
                    let changes = store.replace(with: items)
                    state.withLock { s in
                        s.resourceVersion = version
                        s.statistics.lists &+= 1
                        if listedBefore { s.statistics.relists &+= 1 }
                        s.statistics.malformed &+= items.count &- items.reduce(0) { $0 &+ (ObjectKey(object: $1) == nil ? 0 : 1) }
                    }
                    listedBefore = true
                    dispatch(changes)
                    state.update { $0.synced = true }
                    needsList = false
                case .failure(let error):
                    if error.isGone { record { $0.gone &+= 1 } }
                    if !failed(error) { return }
                    continue
                }
            }

            let watchOptions = WatchOptions(
                labelSelector: options.labelSelector, fieldSelector: options.fieldSelector,
                resourceVersion: state.withLock { $0.resourceVersion }, allowBookmarks: true,
                timeoutSeconds: Int.random(in: options.watchTimeoutSeconds))
            let stream: any WatchStream
            do {
                stream = try api.watch(resource, namespace: options.namespace, options: watchOptions)
            } catch {
                if error == .cancelled, isStopping { return }
                if error.isGone {
                    record { $0.gone &+= 1; $0.lastError = error }
                    needsList = true
                }
                if !failed(error) { return }
                continue
            }
            let admitted = state.withLock { s -> Bool in
                guard !s.stopping else { return false }
                s.stream = stream
                s.statistics.watches &+= 1
                return true
            }
            guard admitted else {
                stream.close()
                return
            }
            let opened = MonotonicTime.now()
            let outcome = consume(stream)
            state.withLock { $0.stream = nil }
            stream.close()
            if isStopping { return }
            let healthy = outcome.delivered || MonotonicTime.now() - opened >= options.minimumHealthyWatch
            switch outcome.end {
            case .ended:
                record { $0.watchesEnded &+= 1 }
                if !healthy, !failed(nil) { return }
            case .gone:
                needsList = true
                if !healthy, !failed(nil) { return }
            case .failed(let error):
                if !failed(error) { return }
            }
        }
    }

    private enum StreamEnd {
        case ended
        case gone
        case failed(KubeError)
    }

    /// Reads one stream until it ends; answers how, and whether it delivered anything.
    private func consume(_ stream: any WatchStream) -> (end: StreamEnd, delivered: Bool) {
        var delivered = false
        while true {
            let event: WatchEvent?
            do {
                event = try stream.next()
            } catch {
                return (.failed(error), delivered)
            }
            guard let event else { return (.ended, delivered) }
            switch event.type {
            case .error:
                let status = Informer.status(of: event.object)
                let error = KubeError.api(status)
                record { $0.lastError = error }
                if error.isGone {
                    record { $0.gone &+= 1 }
                    return (.gone, delivered)
                }
                return (.failed(error), delivered)
            case .bookmark:
                delivered = true
                state.withLock { s in
                    if let version = ObjectMetadata.resourceVersion(of: event.object) { s.resourceVersion = version }
                    s.statistics.bookmarks &+= 1
                }
            case .added, .modified, .deleted:
                delivered = true
                guard ObjectKey(object: event.object) != nil else {
                    record { $0.malformed &+= 1 }
                    continue
                }
                let object = options.transform?(event.object) ?? event.object
                let changes: [StoreChange]
                if event.type == .deleted {
                    changes = store.delete(object).map { [$0] } ?? []
                } else {
                    changes = store.upsert(object)
                }
                state.withLock { s in
                    if let version = ObjectMetadata.resourceVersion(of: event.object) { s.resourceVersion = version }
                    s.statistics.events &+= 1
                }
                dispatch(changes)
            }
            if isStopping { return (.ended, delivered) }
        }
    }

    /// The `Status` of an ERROR event, typed; a malformed one reads as a 500.
    static func status(of object: JSONValue) -> APIStatus {
        APIStatus(code: object["code"]?.intValue ?? 500,
                  reason: object["reason"]?.stringValue ?? "",
                  message: object["message"]?.stringValue ?? "watch ERROR event without a Status")
    }

    /// Lists every page; answers the items and the list's resourceVersion. A continue token that
    /// expired mid-way (410) restarts the list once without paging, as the items of a paged list
    /// must all come from one snapshot.
    private func listAll() -> Result<([JSONValue], String?), KubeError> {
        var unpaged = false
        restart: while true {
            var items: [JSONValue] = []
            var continueToken: String?
            var version: String?
            var pages = 0
            repeat {
                let listOptions = ListOptions(
                    labelSelector: options.labelSelector, fieldSelector: options.fieldSelector,
                    limit: unpaged ? nil : options.pageSize, continueToken: continueToken)
                let page: JSONValue
                do {
                    page = try api.list(resource, namespace: options.namespace, options: listOptions)
                } catch {
                    if error.isGone, continueToken != nil, !unpaged {
                        unpaged = true
                        continue restart
                    }
                    return .failure(error)
                }
                guard let pageItems = page["items"]?.arrayValue ?? (page["items"]?.isNull == true ? [] : nil) else {
                    return .failure(.protocolViolation("list of \(resource) without an items array"))
                }
                if let transform = options.transform {
                    items.append(contentsOf: pageItems.map(transform))
                } else {
                    items.append(contentsOf: pageItems)
                }
                version = page["metadata"]?["resourceVersion"]?.stringValue ?? version
                let next = page["metadata"]?["continue"]?.stringValue
                continueToken = (next?.isEmpty ?? true) ? nil : next
                pages &+= 1
                if pages >= options.maximumPages, continueToken != nil {
                    return .failure(.protocolViolation("list of \(resource) exceeded \(options.maximumPages) pages"))
                }
                if isStopping { return .failure(.cancelled) }
            } while continueToken != nil
            return .success((items, version))
        }
    }

    private func dispatch(_ changes: [StoreChange]) {
        guard !changes.isEmpty else { return }
        let current = handlers.withLock { $0 }
        for change in changes {
            switch change {
            case .added(let object): for handler in current.add { handler(object) }
            case .updated(let old, let new): for handler in current.update { handler(old, new) }
            case .deleted(let object): for handler in current.delete { handler(object) }
            }
        }
    }
}
