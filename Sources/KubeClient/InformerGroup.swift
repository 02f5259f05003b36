import JSON

/// Informers of one resource across several namespaces (the controller's `--namespace a,b`): one
/// informer per namespace, since the API has no multi-namespace watch, read as one cache.
/// With no namespaces, a single informer covers all of them.
package final class InformerGroup: Sendable {
    /// By namespace; the key "" holds the all-namespaces informer.
    package let informers: [String: Informer]

    /// `namespaces` empty (or only empty strings): one informer over every namespace. Duplicates
    /// are ignored. `options.namespace` is overridden per informer.
    package init(api: any KubeAPI, resource: KubeResource, namespaces: [String], options: Informer.Options = Informer.Options()) {
        let wanted = Set(namespaces.filter { !$0.isEmpty })
        var informers: [String: Informer] = [:]
        if wanted.isEmpty {
            var all = options
            all.namespace = nil
            informers[""] = Informer(api: api, resource: resource, options: all)
        } else {
            for namespace in wanted {
                var scoped = options
                scoped.namespace = namespace
                scoped.name = "\(options.name ?? resource.plural)-\(namespace)"
                informers[namespace] = Informer(api: api, resource: resource, options: scoped)
            }
        }
        self.informers = informers
    }

    private var ordered: [Informer] { informers.keys.sorted().compactMap { informers[$0] } }

    /// Registers the handler on every informer (before `start`).
    package func onAdd(_ handler: @escaping @Sendable (JSONValue) -> Void) { for i in ordered { i.onAdd(handler) } }
    package func onUpdate(_ handler: @escaping @Sendable (JSONValue, JSONValue) -> Void) { for i in ordered { i.onUpdate(handler) } }
    package func onDelete(_ handler: @escaping @Sendable (JSONValue) -> Void) { for i in ordered { i.onDelete(handler) } }

    /// Starts every informer; on failure the ones already started are stopped.
    package func start() throws(ThreadStartError) {
        var started: [Informer] = []
        for informer in ordered {
            do {
                try informer.start()
                started.append(informer)
            } catch {
                for s in started { s.stop() }
                throw error
            }
        }
    }

    package func stop() { for informer in ordered { informer.stop() } }

    package var hasSynced: Bool { ordered.allSatisfy(\.hasSynced) }

    /// Blocks until every informer synced or `timeout` passes; answers `hasSynced`.
    package func waitForSync(timeout: Double) -> Bool {
        let deadline = MonotonicTime.now() + max(0, timeout)
        for informer in ordered where !informer.waitForSync(timeout: max(0, deadline - MonotonicTime.now())) {
            return false
        }
        return true
    }

    /// The informer holding `namespace`'s objects (the all-namespaces one when there is one).
    package func informer(for namespace: String?) -> Informer? {
        if let all = informers[""] { return all }
        return namespace.flatMap { informers[$0] }
    }

    package func get(namespace: String?, name: String) -> JSONValue? {
        informer(for: namespace)?.get(namespace: namespace, name: name)
    }

    /// One namespace's objects, or (nil) all of them sorted by key.
    package func list(namespace: String? = nil) -> [JSONValue] {
        if let namespace { return informer(for: namespace)?.list(namespace: namespace) ?? [] }
        return ordered.flatMap { $0.list() }
    }

    package func byOwner(uid: String) -> [JSONValue] { ordered.flatMap { $0.byOwner(uid: uid) } }
}
