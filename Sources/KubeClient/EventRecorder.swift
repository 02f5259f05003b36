import JSON
import Threads
#if canImport(Glibc)
import Glibc
#endif

/// Records `events.k8s.io/v1` Events without ever blocking the caller.
///
/// `event(…)` only takes a short lock: it checks the object's spam bucket and appends to a bounded
/// queue (full: the event is dropped and counted). One thread drains the queue, taking all of it
/// at once (so at most two queues' worth of occurrences exist: one waiting, one being folded),
/// folds the batch into the series cache (at most `maximumSeries` entries) and writes:
/// - the first occurrence of (object, type, reason, action, note) creates an Event named
///   `<object name>.<random hex>`;
/// - repeats within `seriesWindow` of the previous one fold into that Event's series: a merge
///   patch of `series.count` and `series.lastObservedTime`. Repeats that arrive while a write is
///   pending fold into the next patch, so a burst costs one call, not one per repeat;
/// - after `seriesWindow` of silence the next occurrence starts a new Event.
/// Failed writes (transport errors, 429, 5xx) are retried up to `maximumAttempts` times,
/// `retryInterval` apart, without holding up other events; other refusals are given up at once.
package final class EventRecorder: Sendable {
    package struct Options: Sendable {
        /// `reportingController`: a qualified name.
        package var reportingController = "ray-operator"
        /// `reportingInstance`: this process (the leader-election identity fits), ≤ 128 bytes.
        package var reportingInstance: String
        /// Occurrences waiting for the writer at most; more are dropped.
        package var queueCapacity = 1000
        /// Repeats closer together than this continue a series.
        package var seriesWindow: Double = 360
        /// Series remembered at most (least recently observed forgotten first).
        package var maximumSeries = 4096
        /// Per-object spam limit: `spamBurst` events, then one per `spamRefillInterval` seconds,
        /// for the `spamTrackedObjects` most recently seen objects.
        package var spamBurst = 25
        package var spamRefillInterval: Double = 300
        package var spamTrackedObjects = 4096
        /// Attempts per write (the first included) and the pause between them.
        package var maximumAttempts = 12
        package var retryInterval: Double = 10

        package init(reportingInstance: String) { self.reportingInstance = reportingInstance }
    }

    package struct Statistics: Sendable, Equatable {
        /// Occurrences queued.
        package var accepted = 0
        package var droppedQueueFull = 0
        package var droppedSpam = 0
        /// Occurrences offered after `stop()`.
        package var droppedStopped = 0
        /// Event creates and series patches that succeeded.
        package var created = 0
        package var patched = 0
        /// Writes attempted again after a failure.
        package var retries = 0
        /// Writes given up (attempts exhausted or refused by the server).
        package var failedWrites = 0
        /// Series forgotten with an unwritten count (the series cache was full).
        package var evictedUnwritten = 0
        package var lastError: KubeError?
    }

    /// Byte limits of the API server's Event validation.
    static let noteLimit = 1024
    static let fieldLimit = 128
    static let nameLimit = 253

    private struct Occurrence: Sendable {
        var regarding: EventReference
        var related: EventReference?
        var type: EventType
        var reason: String
        var action: String
        var note: String
        var wallTime: Int64
        var monotonic: Double
    }

    private struct SeriesKey: Hashable {
        var regarding: EventReference.Identity
        var related: EventReference.Identity?
        var type: EventType
        var reason: String
        var action: String
        var note: String
    }

    private struct Series {
        var name: String
        var first: Occurrence
        var count: Int
        var lastObservedWall: Int64
        var lastObservedMonotonic: Double
        var created = false
        /// The count the server has; the series is dirty while it differs from `count`.
        var writtenCount = 0
        var failedAttempts = 0
        var nextAttemptAt = -Double.infinity
    }

    private struct State {
        var queue: [Occurrence] = []
        var head = 0
        var spam: EventSpamFilter
        var started = false
        var stopping = false
        var thread: pthread_t?
        /// The writer is working on taken occurrences or due writes.
        var busy = false
        /// Series with a write outstanding (waiting for a retry).
        var pendingWrites = 0
        var statistics = Statistics()
        var depth: Int { queue.count &- head }
    }

    package let api: any KubeAPI
    package let options: Options
    private let state: Monitor<State>

    package init(api: any KubeAPI, options: Options) {
        var options = options
        options.queueCapacity = max(1, options.queueCapacity)
        options.maximumSeries = max(1, options.maximumSeries)
        options.maximumAttempts = max(1, options.maximumAttempts)
        options.retryInterval = max(0, options.retryInterval)
        options.seriesWindow = max(0, options.seriesWindow)
        options.reportingInstance = EventRecorder.truncated(options.reportingInstance, EventRecorder.fieldLimit)
        self.api = api
        self.options = options
        state = Monitor(State(spam: EventSpamFilter(burst: options.spamBurst, refillInterval: options.spamRefillInterval,
                                                    capacity: options.spamTrackedObjects)))
    }

    /// Starts the writer thread. Events recorded before are kept and written then.
    package func start() throws(ThreadStartError) {
        let proceed = state.withLock { s -> Bool in
            guard !s.started else { return false }
            s.started = true
            return true
        }
        guard proceed else { return }
        guard let thread = Threads.start(name: "event-recorder", { [self] in self.writerLoop() }) else {
            state.update { $0.stopping = true }
            throw ThreadStartError(component: "event recorder")
        }
        state.withLock { $0.thread = thread }
    }

    /// Records one occurrence; never blocks (beyond a short lock). Answers false when it was
    /// dropped: queue full, spam limit of the object reached, or recorder stopped. Reason and
    /// action are cut to 128 bytes, the note to 1024 (the API server's limits).
    @discardableResult
    package func event(regarding: EventReference, related: EventReference? = nil, type: EventType,
                      reason: String, action: String, note: String) -> Bool {
        let occurrence = Occurrence(
            regarding: regarding, related: related, type: type,
            reason: EventRecorder.truncated(reason, EventRecorder.fieldLimit),
            action: EventRecorder.truncated(action, EventRecorder.fieldLimit),
            note: EventRecorder.truncated(note, EventRecorder.noteLimit),
            wallTime: MicroTime.nowMicroseconds(), monotonic: MonotonicTime.now())
        return state.update { s -> Bool in
            if s.stopping {
                s.statistics.droppedStopped &+= 1
                return false
            }
            if s.depth >= options.queueCapacity {
                s.statistics.droppedQueueFull &+= 1
                return false
            }
            guard s.spam.allow(regarding.identity, now: occurrence.monotonic) else {
                s.statistics.droppedSpam &+= 1
                return false
            }
            s.queue.append(occurrence)
            s.statistics.accepted &+= 1
            return true
        }
    }

    /// Blocks until everything recorded so far is written (or given up), or `timeout` seconds
    /// pass; answers whether it got there.
    @discardableResult
    package func flush(timeout: Double) -> Bool {
        let deadline = MonotonicTime.now() + max(0, timeout)
        return state.wait { s in
            if s.depth == 0 && !s.busy && s.pendingWrites == 0 { return .done(true) }
            if s.stopping || !s.started || MonotonicTime.now() >= deadline { return .done(false) }
            return .wait(until: deadline)
        }
    }

    /// Stops the writer after the write in progress and joins it; what is still queued or waiting
    /// for a retry is abandoned (call `flush` first to give it a chance).
    package func stop() {
        let thread = state.update { s -> pthread_t? in
            s.stopping = true
            let t = s.thread
            s.thread = nil
            return t
        }
        if let thread, pthread_equal(thread, pthread_self()) == 0 { Threads.join(thread) }
    }

    package var statistics: Statistics { state.withLock { $0.statistics } }

    /// Occurrences waiting for the writer.
    package var queueDepth: Int { state.withLock { $0.depth } }

    // MARK: - Writer thread

    private func writerLoop() {
        var series = LRUCache<SeriesKey, Series>(capacity: options.maximumSeries)
        // Series with a write outstanding, in the order they became dirty.
        var dirty: [SeriesKey] = []
        var dirtySet = Set<SeriesKey>()

        while true {
            let nextRetry = dirty.compactMap { series.peek($0)?.nextAttemptAt }.min()
            let taken = state.wait { s -> MonitorStep<[Occurrence]?> in
                if s.stopping { return .done(nil) }
                if s.depth > 0 {
                    let batch = Array(s.queue[s.head...])
                    s.queue.removeAll(keepingCapacity: s.queue.count <= options.queueCapacity)
                    s.head = 0
                    s.busy = true
                    return .done(batch)
                }
                if let nextRetry, MonotonicTime.now() >= nextRetry {
                    s.busy = true
                    return .done([])
                }
                return .wait(until: nextRetry)
            }
            guard let batch = taken else { return }

            var evictedUnwritten = 0
            for occurrence in batch {
                let key = SeriesKey(regarding: occurrence.regarding.identity, related: occurrence.related?.identity,
                                    type: occurrence.type, reason: occurrence.reason, action: occurrence.action,
                                    note: occurrence.note)
                if var existing = series.get(key),
                   occurrence.monotonic - existing.lastObservedMonotonic <= options.seriesWindow {
                    existing.count = existing.count == Int.max ? Int.max : existing.count &+ 1
                    existing.lastObservedWall = max(existing.lastObservedWall, occurrence.wallTime)
                    existing.lastObservedMonotonic = max(existing.lastObservedMonotonic, occurrence.monotonic)
                    series.set(key, existing)
                } else {
                    let fresh = Series(name: EventRecorder.eventName(for: occurrence.regarding.name), first: occurrence,
                                       count: 1, lastObservedWall: occurrence.wallTime,
                                       lastObservedMonotonic: occurrence.monotonic)
                    if let evicted = series.set(key, fresh), dirtySet.remove(evicted.key) != nil {
                        dirty.removeAll { $0 == evicted.key }
                        evictedUnwritten &+= 1
                    }
                }
                if dirtySet.insert(key).inserted { dirty.append(key) }
            }

            var remaining: [SeriesKey] = []
            for key in dirty {
                guard var entry = series.peek(key) else {
                    dirtySet.remove(key)
                    continue
                }
                if state.withLock({ $0.stopping }) { return }
                if entry.nextAttemptAt <= MonotonicTime.now() {
                    write(&entry)
                    series.set(key, entry)
                }
                if entry.writtenCount == entry.count {
                    dirtySet.remove(key)
                } else {
                    remaining.append(key)
                }
            }
            dirty = remaining
            let pending = dirty.count
            state.update { s in
                s.busy = false
                s.pendingWrites = pending
                s.statistics.evictedUnwritten &+= evictedUnwritten
            }
        }
    }

    /// One create or patch of a series; on return either the server has `count`, or the write is
    /// scheduled for a retry, or it was given up (then `writtenCount` is set to `count` too).
    private func write(_ entry: inout Series) {
        let namespace = entry.first.regarding.namespace.isEmpty ? "default" : entry.first.regarding.namespace
        let count = entry.count
        do {
            if entry.created {
                let patch: JSONValue = ["series": ["count": .integer(Int64(count)),
                                                   "lastObservedTime": .string(MicroTime.format(microseconds: entry.lastObservedWall))]]
                _ = try api.mergePatch(.events, namespace: namespace, name: entry.name, patch: patch, subresource: nil)
                state.withLock { $0.statistics.patched &+= 1 }
            } else {
                _ = try api.create(.events, namespace: namespace, object: eventObject(entry, namespace: namespace))
                entry.created = true
                state.withLock { $0.statistics.created &+= 1 }
            }
            entry.writtenCount = count
            entry.failedAttempts = 0
            entry.nextAttemptAt = -Double.infinity
        } catch {
            state.withLock { $0.statistics.lastError = error }
            if entry.created && error.isNotFound || !entry.created && error.isAlreadyExists {
                // The Event expired on the server (its TTL) or the name was taken: start a new
                // Event carrying the whole count, at once.
                entry.created = false
                entry.name = EventRecorder.eventName(for: entry.first.regarding.name)
                entry.nextAttemptAt = -Double.infinity
                return retry(&entry, after: 0)
            }
            guard EventRecorder.isRetryable(error) else {
                return giveUp(&entry)
            }
            retry(&entry, after: options.retryInterval)
        }
    }

    private func retry(_ entry: inout Series, after delay: Double) {
        entry.failedAttempts &+= 1
        guard entry.failedAttempts < options.maximumAttempts else { return giveUp(&entry) }
        entry.nextAttemptAt = MonotonicTime.now() + delay
        state.withLock { $0.statistics.retries &+= 1 }
    }

    private func giveUp(_ entry: inout Series) {
        entry.writtenCount = entry.count
        entry.failedAttempts = 0
        entry.nextAttemptAt = -Double.infinity
        state.withLock { $0.statistics.failedWrites &+= 1 }
    }

    /// Transport failures, throttling and server errors may pass; any other answer will not.
    static func isRetryable(_ error: KubeError) -> Bool {
        switch error {
        case .transport: return true
        case .api(let status): return status.code == 429 || status.code >= 500
        case .protocolViolation, .configuration, .cancelled: return false
        }
    }

    private func eventObject(_ entry: Series, namespace: String) -> JSONValue {
        let first = entry.first
        var event: JSONObject = [
            "apiVersion": .string(KubeResource.events.apiVersion),
            "kind": "Event",
            "metadata": ["name": .string(entry.name), "namespace": .string(namespace)],
            "eventTime": .string(MicroTime.format(microseconds: first.wallTime)),
            "reportingController": .string(options.reportingController),
            "reportingInstance": .string(options.reportingInstance),
            "action": .string(first.action),
            "reason": .string(first.reason),
            "regarding": first.regarding.json,
            "note": .string(first.note),
            "type": .string(first.type.rawValue),
        ]
        if let related = first.related { event["related"] = related.json }
        if entry.count >= 2 {
            event["series"] = ["count": .integer(Int64(entry.count)),
                               "lastObservedTime": .string(MicroTime.format(microseconds: entry.lastObservedWall))]
        }
        return .object(event)
    }

    /// `<name>.<16 hex digits>`, the object's name shortened so the whole stays within 253 bytes,
    /// as a DNS subdomain (lower case; other characters become `-`).
    static func eventName(for objectName: String) -> String {
        var g = SystemRandomNumberGenerator()
        let suffix = String(UInt64.random(in: 0...UInt64.max, using: &g), radix: 16)
        let padded = String(repeating: "0", count: max(0, 16 &- suffix.count)) + suffix
        var base: [UInt8] = []
        for byte in objectName.utf8.prefix(nameLimit &- 17) {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."):
                base.append(byte)
            case UInt8(ascii: "A")...UInt8(ascii: "Z"):
                base.append(byte &+ 32)
            default:
                base.append(UInt8(ascii: "-"))
            }
        }
        while let first = base.first, !EventRecorder.isAlphanumeric(first) { base.removeFirst() }
        while let last = base.last, !EventRecorder.isAlphanumeric(last) { base.removeLast() }
        let prefix = base.isEmpty ? "event" : String(decoding: base, as: UTF8.self)
        return prefix + "." + padded
    }

    private static func isAlphanumeric(_ byte: UInt8) -> Bool {
        (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z")) || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9"))
    }

    /// `text` cut to at most `limit` UTF-8 bytes, at a character boundary.
    static func truncated(_ text: String, _ limit: Int) -> String {
        guard text.utf8.count > limit else { return text }
        var out = ""
        var used = 0
        for character in text {
            let size = character.utf8.count
            if used &+ size > limit { break }
            out.append(character)
            used &+= size
        }
        return out
    }
}
