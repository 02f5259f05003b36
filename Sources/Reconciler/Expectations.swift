import JSON
import KubeClient
import Synchronization

/// Writes this controller made that its cache has not shown yet.
///
/// The informer's cache lags the API server by one watch event. Planning on it alone would, right
/// after a pass that created pods, count those pods as missing and create them again (answered
/// AlreadyExists, thanks to the fixed names, but still wasted writes), or pick a pod it already
/// deleted as a scale-down victim a second time. So every create and delete is remembered here
/// until the cache shows it (or `timeout` passes, after which the cache is believed again), and
/// the planner sees the cache corrected by these entries.
///
/// The fixed pod names remain the safety net: even when an entry expires too early, a second
/// create of the same name is refused by the API server, and a delete carries the pod's UID as a
/// precondition, so it can never remove a namesake created later.
package final class Expectations: Sendable {
    struct Pending: Sendable {
        /// The object as sent (creates), or the last state seen (deletes).
        var object: JSONValue
        var uid: String?
        var since: Double
    }
    struct Entries: Sendable {
        var creates: [String: Pending] = [:]
        var deletes: [String: Pending] = [:]
    }

    package let timeout: Double
    private let state = Mutex<[String: Entries]>([:])

    package init(timeout: Double) { self.timeout = timeout }

    /// `scope` names the owner and the kind of child ("ns/cluster pods"), so pods and Services of
    /// one cluster are kept apart.
    package func expectCreate(_ scope: String, name: String, object: JSONValue, now: Double) {
        state.withLock { $0[scope, default: Entries()].creates[name] = Pending(object: object, uid: nil, since: now) }
    }

    package func expectDelete(_ scope: String, name: String, uid: String?, object: JSONValue, now: Double) {
        state.withLock { s in
            s[scope, default: Entries()].creates[name] = nil
            s[scope, default: Entries()].deletes[name] = Pending(object: object, uid: uid, since: now)
        }
    }

    /// A create that failed (other than AlreadyExists) is not expected any more.
    package func forgetCreate(_ scope: String, name: String) {
        state.withLock { $0[scope]?.creates[name] = nil }
    }

    package func forget(_ scope: String) {
        state.withLock { $0[scope] = nil }
    }

    /// How many writes of `scope` the cache has not shown yet (after pruning against `cached`).
    package func pendingCount(_ scope: String) -> Int {
        state.withLock { s in (s[scope]?.creates.count ?? 0) + (s[scope]?.deletes.count ?? 0) }
    }

    /// The children as the API server has them, as far as this controller knows: `cached` without
    /// the objects it deleted and with the objects it created. Entries the cache now reflects, or
    /// older than `timeout`, are dropped on the way.
    package func view(_ scope: String, cached: [JSONValue], now: Double) -> [JSONValue] {
        var byName: [String: JSONValue] = [:]
        for object in cached {
            if let name = object["metadata"]?["name"]?.stringValue { byName[name] = object }
        }
        return state.withLock { s -> [JSONValue] in
            guard var entries = s[scope] else { return cached }
            for (name, pending) in entries.creates {
                if byName[name] != nil || now - pending.since > timeout { entries.creates[name] = nil }
            }
            for (name, pending) in entries.deletes {
                let seen = byName[name]
                let gone = seen == nil
                    || seen?["metadata"]?["deletionTimestamp"]?.stringValue != nil
                    || (pending.uid != nil && seen?["metadata"]?["uid"]?.stringValue != pending.uid)
                if gone || now - pending.since > timeout { entries.deletes[name] = nil }
            }
            s[scope] = (entries.creates.isEmpty && entries.deletes.isEmpty) ? nil : entries
            var result = cached.filter { object in
                guard let name = object["metadata"]?["name"]?.stringValue, let pending = entries.deletes[name] else { return true }
                return pending.uid != nil && object["metadata"]?["uid"]?.stringValue != pending.uid
            }
            for name in entries.creates.keys.sorted() {
                if let pending = entries.creates[name] { result.append(pending.object) }
            }
            return result
        }
    }
}
