import Metrics
import Synchronization

/// The controller's queue of keys to reconcile, with client-go's guarantees:
/// - a key waits in the queue at most once, however often it is added (dirty set);
/// - a key is never handed to two workers at once: added while a worker has it, it is queued
///   again only when that worker calls `done` (processing set);
/// - keys are handed out in the order they were first added (FIFO), so one busy cluster
///   re-adding its key cannot starve the others;
/// - `addAfter` delays an add (the earliest pending delay of a key wins), and `addRateLimited`
///   delays it by the key's exponential backoff combined with an overall token bucket.
///
/// Memory is bounded by the number of distinct keys: the dirty and processing sets, the delayed
/// entries (one live entry per key; superseded ones are dropped when they come up) and the retry
/// counts (until `forget`).
package final class WorkQueue<Key: Hashable & Sendable>: Sendable {
    package struct Options: Sendable {
        /// The `name` label of the metrics.
        package var name: String
        /// Where `workqueue_*` metrics go; nil: none.
        package var metrics: MetricsRegistry?
        /// Per-key retry delay: `retryInitialDelay` × 2^(retries), at most `retryMaximumDelay`.
        package var retryInitialDelay: Double = 0.005
        package var retryMaximumDelay: Double = 1000
        /// Overall retry rate limit across keys; `overallQPS` ≤ 0 turns it off.
        package var overallQPS: Double = 10
        package var overallBurst: Int = 100

        package init(name: String, metrics: MetricsRegistry? = nil) {
            self.name = name
            self.metrics = metrics
        }
    }

    private struct Delayed {
        var readyAt: Double
        var sequence: UInt64
        var key: Key
    }

    private struct State {
        /// FIFO of queued keys; `head` is the next to hand out (compacted as it advances).
        var queue: [Key] = []
        var head = 0
        var dirty: Set<Key> = []
        var processing: Set<Key> = []
        /// When each queued key was added (queue-duration metric).
        var addedAt: [Key: Double] = [:]
        /// When each processing key was handed out (work-duration metric).
        var startedAt: [Key: Double] = [:]
        var delayed = MinHeap<Delayed>(by: { ($0.readyAt, $0.sequence) < ($1.readyAt, $1.sequence) })
        /// The earliest pending delay of each key; heap entries that disagree are stale.
        var waitingUntil: [Key: Double] = [:]
        var sequence: UInt64 = 0
        var failures: [Key: Int] = [:]
        var shuttingDown = false
        var draining = false

        var depth: Int { queue.count &- head }
    }

    private struct Instruments: Sendable {
        var depth: Gauge
        var adds: Counter
        var queueDuration: Histogram
        var workDuration: Histogram
        var retries: Counter
    }

    /// client-go's buckets for the queue metrics: 10 ns to 10 s, ×10 each.
    package static var durationBuckets: [Double] { (0..<10).map { exponent in 1e-8 * pow10(exponent) } }
    private static func pow10(_ n: Int) -> Double { (0..<n).reduce(1.0) { acc, _ in acc * 10 } }

    package let options: Options
    private let state = Monitor(State())
    private let instruments: Instruments?
    private let overallLimit: TokenBucket?

    package init(options: Options) {
        var options = options
        options.retryInitialDelay = max(0, options.retryInitialDelay)
        options.retryMaximumDelay = max(options.retryInitialDelay, options.retryMaximumDelay)
        self.options = options
        overallLimit = options.overallQPS > 0 ? TokenBucket(qps: options.overallQPS, burst: max(1, options.overallBurst)) : nil
        if let registry = options.metrics {
            let labels = ["name": options.name]
            instruments = Instruments(
                depth: registry.gauge("workqueue_depth", help: "Current depth of workqueue", labels: labels),
                adds: registry.counter("workqueue_adds_total", help: "Total number of adds handled by workqueue", labels: labels),
                queueDuration: registry.histogram("workqueue_queue_duration_seconds",
                                                  help: "How long in seconds an item stays in workqueue before being requested",
                                                  buckets: WorkQueue.durationBuckets, labels: labels),
                workDuration: registry.histogram("workqueue_work_duration_seconds",
                                                 help: "How long in seconds processing an item from workqueue takes",
                                                 buckets: WorkQueue.durationBuckets, labels: labels),
                retries: registry.counter("workqueue_retries_total", help: "Total number of retries handled by workqueue", labels: labels))
        } else {
            instruments = nil
        }
    }

    package convenience init(name: String, metrics: MetricsRegistry? = nil) {
        self.init(options: Options(name: name, metrics: metrics))
    }

    // MARK: - Adding

    /// Queues `key` unless it is already queued; a key being processed runs again after `done`.
    /// Ignored once the queue is shutting down.
    package func add(_ key: Key) {
        let now = MonotonicTime.now()
        state.update { s in
            promoteDue(&s, now: now)
            insert(&s, key, at: now)
            instruments?.depth.set(Double(s.depth))
        }
    }

    /// Queues `key` after `seconds` (at once when ≤ 0). While a delayed add of the key is pending,
    /// the earlier of the two wins.
    package func addAfter(_ key: Key, seconds: Double) {
        guard seconds > 0, !seconds.isNaN else { return add(key) }
        let now = MonotonicTime.now()
        let readyAt = now + min(seconds, 10 * 365 * 86_400)
        state.update { s in
            guard !s.shuttingDown else { return }
            promoteDue(&s, now: now)
            if let pending = s.waitingUntil[key], pending <= readyAt { return }
            s.waitingUntil[key] = readyAt
            s.sequence &+= 1
            s.delayed.push(Delayed(readyAt: readyAt, sequence: s.sequence, key: key))
            instruments?.depth.set(Double(s.depth))
        }
    }

    /// Queues `key` after its retry delay: the larger of its own exponential backoff
    /// (`retryInitialDelay` doubling per retry since the last `forget`, capped) and the overall
    /// token bucket's wait. Counts a retry.
    package func addRateLimited(_ key: Key) {
        let retries = state.withLock { s -> Int in
            let n = s.failures[key] ?? 0
            s.failures[key] = n == Int.max ? n : n &+ 1
            return n
        }
        let perKey = Backoff.delay(failures: retries, initial: options.retryInitialDelay, factor: 2, cap: options.retryMaximumDelay)
        let overall = overallLimit?.take() ?? 0
        instruments?.retries.increment()
        addAfter(key, seconds: max(perKey, overall.isFinite ? overall : options.retryMaximumDelay))
    }

    /// Clears the key's retry count (call after it succeeded).
    package func forget(_ key: Key) {
        state.withLock { _ = $0.failures.removeValue(forKey: key) }
    }

    /// Retries of the key since the last `forget`.
    package func numRequeues(_ key: Key) -> Int { state.withLock { $0.failures[key] ?? 0 } }

    // MARK: - Taking

    /// Blocks until a key is available and hands it out (it is then "processing" until `done`);
    /// nil once the queue is shut down (after a drain: once the queue is empty).
    package func get() -> Key? { take(deadline: nil) }

    /// `get` that gives up after `timeout` seconds (nil).
    package func get(timeout: Double) -> Key? { take(deadline: MonotonicTime.now() + max(0, timeout)) }

    private func take(deadline: Double?) -> Key? {
        let taken = state.wait { s -> MonitorStep<(Key, Double?)?> in
            let now = MonotonicTime.now()
            if s.shuttingDown && !s.draining { return .done(nil) }
            promoteDue(&s, now: now)
            if s.head < s.queue.count {
                let key = s.queue[s.head]
                s.head &+= 1
                if s.head >= 1024 && s.head &* 2 >= s.queue.count {
                    s.queue.removeFirst(s.head)
                    s.head = 0
                } else if s.head == s.queue.count {
                    s.queue.removeAll(keepingCapacity: true)
                    s.head = 0
                }
                s.dirty.remove(key)
                s.processing.insert(key)
                s.startedAt[key] = now
                let added = s.addedAt.removeValue(forKey: key)
                instruments?.depth.set(Double(s.depth))
                return .done((key, added.map { now - $0 }))
            }
            if s.shuttingDown { return .done(nil) }  // draining and nothing left to hand out
            if let deadline, now >= deadline { return .done(nil) }
            let wake = [deadline, s.delayed.first?.readyAt].compactMap { $0 }.min()
            return .wait(until: wake)
        }
        guard let (key, waited) = taken else { return nil }
        if let waited { instruments?.queueDuration.observe(waited) }
        return key
    }

    /// Ends processing of `key`; if it was added meanwhile, it is queued again now.
    package func done(_ key: Key) {
        let now = MonotonicTime.now()
        let worked = state.update { s -> Double? in
            guard s.processing.remove(key) != nil else { return nil }
            let started = s.startedAt.removeValue(forKey: key)
            if s.dirty.contains(key) {
                s.queue.append(key)
                if s.addedAt[key] == nil { s.addedAt[key] = now }
                instruments?.depth.set(Double(s.depth))
            }
            return started.map { now - $0 }
        }
        if let worked { instruments?.workDuration.observe(worked) }
    }

    // MARK: - Shutting down

    /// Stops the queue: adds are ignored, waiting and future `get`s answer nil at once, queued and
    /// delayed keys are dropped. Workers still call `done` for the keys they hold.
    package func shutDown() {
        state.update { s in
            s.shuttingDown = true
            s.draining = false
            dropWaiting(&s)
        }
    }

    /// Stops taking adds, lets workers take the keys still queued (delayed ones are dropped), and
    /// waits until every handed-out key is `done` or `timeout` seconds pass (nil: no limit).
    /// Answers whether everything finished. Afterwards the queue is shut down.
    @discardableResult
    package func shutDownWithDrain(timeout: Double? = nil) -> Bool {
        let deadline = timeout.map { MonotonicTime.now() + max(0, $0) }
        state.update { s in
            guard !s.shuttingDown else { return }
            s.shuttingDown = true
            s.draining = true
            s.delayed.removeAll()
            s.waitingUntil.removeAll()
        }
        let drained = state.wait { s -> MonitorStep<Bool> in
            if !s.draining { return .done(s.processing.isEmpty) }  // a plain shutDown cut the drain short
            if s.processing.isEmpty && s.head >= s.queue.count { return .done(true) }
            if let deadline, MonotonicTime.now() >= deadline { return .done(false) }
            return .wait(until: deadline)
        }
        shutDown()
        return drained
    }

    package var isShuttingDown: Bool { state.withLock { $0.shuttingDown } }

    /// Keys queued now (not processing, not delayed).
    package var count: Int {
        let now = MonotonicTime.now()
        return state.withLock { s in
            promoteDue(&s, now: now)
            return s.depth
        }
    }

    /// Keys waiting for a delayed add.
    package var delayedCount: Int { state.withLock { $0.waitingUntil.count } }

    /// Keys handed out and not yet `done`.
    package var processingCount: Int { state.withLock { $0.processing.count } }

    // MARK: - Internals (lock held)

    private func insert(_ s: inout State, _ key: Key, at now: Double) {
        guard !s.shuttingDown, !s.dirty.contains(key) else { return }
        s.dirty.insert(key)
        instruments?.adds.increment()
        guard !s.processing.contains(key) else { return }  // queued again by `done`
        s.queue.append(key)
        s.addedAt[key] = now
    }

    /// Moves delayed keys whose time came into the queue; their queue time counts from when they
    /// became due, so the metric does not depend on when a worker happened to look.
    private func promoteDue(_ s: inout State, now: Double) {
        while let first = s.delayed.first, first.readyAt <= now {
            _ = s.delayed.pop()
            guard s.waitingUntil[first.key] == first.readyAt else { continue }  // superseded by an earlier add
            s.waitingUntil[first.key] = nil
            insert(&s, first.key, at: first.readyAt)
        }
    }

    private func dropWaiting(_ s: inout State) {
        s.queue.removeAll()
        s.head = 0
        s.dirty.removeAll()
        s.addedAt.removeAll()
        s.delayed.removeAll()
        s.waitingUntil.removeAll()
        instruments?.depth.set(0)
    }
}
