import JSON
import Synchronization

/// One change the informer reports to its handlers.
package enum StoreChange: Sendable, Equatable {
    case added(JSONValue)
    case updated(old: JSONValue, new: JSONValue)
    case deleted(JSONValue)
}

/// The informer's cache: the last state seen of every object, indexed by namespace/name, by
/// namespace and by the UID of the controlling owner (the reconciler finds a cluster's pods by its
/// UID without listing). Values are the objects as the API server sent them.
///
/// Readers may call from any thread; only the informer writes. Every write is one critical
/// section, so a reader sees the store before or after an event or a whole relist, never halfway.
package final class ObjectStore: Sendable {
    struct Contents: Sendable {
        var objects: [ObjectKey: JSONValue] = [:]
        var byNamespace: [String: Set<ObjectKey>] = [:]
        var byOwner: [String: Set<ObjectKey>] = [:]

        mutating func insert(_ key: ObjectKey, _ object: JSONValue) {
            if let old = objects[key] { unindex(key, old) }
            objects[key] = object
            byNamespace[key.namespace, default: []].insert(key)
            if let owner = ObjectMetadata.controllerOwnerUID(of: object) { byOwner[owner, default: []].insert(key) }
        }

        mutating func remove(_ key: ObjectKey) -> JSONValue? {
            guard let old = objects.removeValue(forKey: key) else { return nil }
            unindex(key, old)
            return old
        }

        private mutating func unindex(_ key: ObjectKey, _ object: JSONValue) {
            byNamespace[key.namespace]?.remove(key)
            if byNamespace[key.namespace]?.isEmpty == true { byNamespace[key.namespace] = nil }
            if let owner = ObjectMetadata.controllerOwnerUID(of: object) {
                byOwner[owner]?.remove(key)
                if byOwner[owner]?.isEmpty == true { byOwner[owner] = nil }
            }
        }
    }

    private let contents = Mutex(Contents())

    package init() {}

    package func get(namespace: String?, name: String) -> JSONValue? {
        let key = ObjectKey(namespace: namespace, name: name)
        return contents.withLock { $0.objects[key] }
    }

    package func get(_ key: ObjectKey) -> JSONValue? { contents.withLock { $0.objects[key] } }

    /// Every object, or those of one namespace (nil: all), sorted by key so callers iterate in a
    /// stable order.
    package func list(namespace: String? = nil) -> [JSONValue] {
        contents.withLock { c in
            if let namespace {
                return (c.byNamespace[namespace] ?? []).sorted().compactMap { c.objects[$0] }
            }
            return c.objects.keys.sorted().compactMap { c.objects[$0] }
        }
    }

    /// The objects whose controlling owner reference (`controller: true`) has this UID, by key.
    package func byOwner(uid: String) -> [JSONValue] {
        contents.withLock { c in (c.byOwner[uid] ?? []).sorted().compactMap { c.objects[$0] } }
    }

    package func keys(namespace: String? = nil) -> [ObjectKey] {
        contents.withLock { c in
            if let namespace { return (c.byNamespace[namespace] ?? []).sorted() }
            return c.objects.keys.sorted()
        }
    }

    package var count: Int { contents.withLock { $0.objects.count } }

    /// Applies one watch event's object; answers what changed for the handlers. An object already
    /// present under another UID was deleted and re-created while we were not looking: reported
    /// as a delete and an add, so a handler never mistakes one object for the other.
    func upsert(_ object: JSONValue) -> [StoreChange] {
        guard let key = ObjectKey(object: object) else { return [] }
        return contents.withLock { c in
            let old = c.objects[key]
            c.insert(key, object)
            guard let old else { return [.added(object)] }
            if ObjectMetadata.uid(of: old) != ObjectMetadata.uid(of: object) { return [.deleted(old), .added(object)] }
            return [.updated(old: old, new: object)]
        }
    }

    /// Removes the object of a DELETED event; answers the last state we had (nil when we never
    /// had it, in which case nothing is reported: it was never reported added either).
    func delete(_ object: JSONValue) -> StoreChange? {
        guard let key = ObjectKey(object: object) else { return nil }
        return contents.withLock { c in c.remove(key) }.map { _ in .deleted(object) }
    }

    /// Swaps in the result of a (re)list in one step and answers the differences: vanished
    /// objects deleted (with their last known state), then, in list order, new objects added and
    /// objects whose resourceVersion changed updated. Objects without a name are skipped.
    func replace(with items: [JSONValue]) -> [StoreChange] {
        var fresh = Contents()
        for item in items {
            guard let key = ObjectKey(object: item) else { continue }
            fresh.insert(key, item)
        }
        return contents.withLock { c in
            var changes: [StoreChange] = []
            for key in c.objects.keys.sorted() where fresh.objects[key] == nil {
                if let old = c.objects[key] { changes.append(.deleted(old)) }
            }
            var seen = Set<ObjectKey>()
            for item in items {
                guard let key = ObjectKey(object: item), seen.insert(key).inserted, let new = fresh.objects[key] else { continue }
                guard let old = c.objects[key] else {
                    changes.append(.added(new))
                    continue
                }
                if ObjectMetadata.uid(of: old) != ObjectMetadata.uid(of: new) {
                    changes.append(.deleted(old))
                    changes.append(.added(new))
                } else if ObjectMetadata.resourceVersion(of: old) != ObjectMetadata.resourceVersion(of: new) {
                    changes.append(.updated(old: old, new: new))
                }
            }
            c = fresh
            return changes
        }
    }
}
