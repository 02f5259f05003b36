@testable import KubeClient
import Metrics
import Synchronization
import Threads
import XCTest

final class WorkQueueTests: XCTestCase {
    private func queue(qps: Double = 0, metrics: MetricsRegistry? = nil) -> WorkQueue<String> {
        var options = WorkQueue<String>.Options(name: "test", metrics: metrics)
        options.overallQPS = qps
        return WorkQueue(options: options)
    }

    func testKeysAreDeduplicatedAndHandedOutFirstInFirstOut() {
        let q = queue()
        for key in ["b", "a", "b", "c", "a", "b"] { q.add(key) }
        XCTAssertEqual(q.count, 3)
        XCTAssertEqual([q.get(timeout: 1), q.get(timeout: 1), q.get(timeout: 1)], ["b", "a", "c"])
        XCTAssertNil(q.get(timeout: 0.01))
        XCTAssertEqual(q.processingCount, 3)
    }

    func testKeyAddedWhileProcessingRunsAgainOnlyAfterDone() {
        let q = queue()
        q.add("a")
        XCTAssertEqual(q.get(timeout: 1), "a")
        q.add("a")
        q.add("a")
        XCTAssertEqual(q.count, 0, "not queued while a worker holds it")
        XCTAssertNil(q.get(timeout: 0.02), "never handed to a second worker")
        q.done("a")
        XCTAssertEqual(q.count, 1)
        XCTAssertEqual(q.get(timeout: 1), "a")
        q.done("a")
        XCTAssertNil(q.get(timeout: 0.01), "the two re-adds ran once")
    }

    func testNoKeyIsEverProcessedByTwoWorkersAndEveryAddIsServed() throws {
        let q = queue()
        let keys = (0..<16).map { "k\($0)" }
        let inFlight = Mutex<Set<String>>([])
        let overlaps = Atomic<Int>(0)
        let processed = Atomic<Int>(0)
        // For each key: the time of the last add, and the start of the last processing; every
        // add must be followed by a processing start (no add is lost).
        let lastAdd = Mutex<[String: Int]>([:])
        let lastStart = Mutex<[String: Int]>([:])
        let clock = Atomic<Int>(0)

        var workers: [pthread_t] = []
        for index in 0..<8 {
            let thread = Threads.start(name: "wq-worker-\(index)") {
                while let key = q.get() {
                    let tick = clock.wrappingAdd(1, ordering: .sequentiallyConsistent).newValue
                    lastStart.withLock { $0[key] = tick }
                    if !inFlight.withLock({ $0.insert(key).inserted }) { overlaps.wrappingAdd(1, ordering: .relaxed) }
                    if tick % 7 == 0 { sched_yield() }
                    inFlight.withLock { _ = $0.remove(key) }
                    processed.wrappingAdd(1, ordering: .relaxed)
                    q.done(key)
                }
            }
            workers.append(try XCTUnwrap(thread))
        }
        var adders: [pthread_t] = []
        for index in 0..<4 {
            let thread = Threads.start(name: "wq-adder-\(index)") {
                var g = SplitMix(seed: UInt64(index) + 1)
                for _ in 0..<5000 {
                    let key = keys[Int(g.next() % UInt64(keys.count))]
                    lastAdd.withLock { $0[key] = clock.wrappingAdd(1, ordering: .sequentiallyConsistent).newValue }
                    q.add(key)
                }
            }
            adders.append(try XCTUnwrap(thread))
        }
        for thread in adders { Threads.join(thread) }
        eventually("the queue drains") { q.count == 0 && q.processingCount == 0 }
        q.shutDown()
        for thread in workers { Threads.join(thread) }

        XCTAssertEqual(overlaps.load(ordering: .relaxed), 0)
        XCTAssertGreaterThan(processed.load(ordering: .relaxed), 0)
        XCTAssertLessThanOrEqual(processed.load(ordering: .relaxed), 20_000, "dedup: never more runs than adds")
        let adds = lastAdd.withLock { $0 }, starts = lastStart.withLock { $0 }
        for key in keys {
            XCTAssertGreaterThan(starts[key] ?? -1, adds[key] ?? Int.max, "\(key): its last add was processed")
        }
    }

    func testRetryDelaysDoublePerKeyAndForgetResets() {
        let q = queue()
        var observed: [Double] = []
        for _ in 0..<5 {
            let start = MonotonicTime.now()
            q.addRateLimited("a")
            XCTAssertEqual(q.get(timeout: 10), "a")
            observed.append(MonotonicTime.now() - start)
            q.done("a")
        }
        XCTAssertEqual(q.numRequeues("a"), 5)
        for (index, delay) in observed.enumerated() {
            let expected = 0.005 * Double(1 << index)
            XCTAssertGreaterThanOrEqual(delay, expected * 0.9, "retry \(index): \(observed)")
            XCTAssertLessThan(delay, expected + 0.5, "retry \(index): \(observed)")
        }
        q.forget("a")
        XCTAssertEqual(q.numRequeues("a"), 0)
        XCTAssertEqual(q.numRequeues("never"), 0)
        let start = MonotonicTime.now()
        q.addRateLimited("a")
        XCTAssertEqual(q.get(timeout: 10), "a")
        XCTAssertLessThan(MonotonicTime.now() - start, 0.5, "back to the first step")
    }

    func testRetryDelayIsCapped() {
        XCTAssertEqual(Backoff.delay(failures: 100, initial: 0.005, factor: 2, cap: 1000), 1000)
        var options = WorkQueue<String>.Options(name: "cap")
        options.overallQPS = 0
        options.retryMaximumDelay = 0.02
        let q = WorkQueue<String>(options: options)
        for _ in 0..<10 {
            q.addRateLimited("a")
            XCTAssertEqual(q.get(timeout: 10), "a")
            q.done("a")
        }
        let start = MonotonicTime.now()
        q.addRateLimited("a")
        XCTAssertEqual(q.get(timeout: 10), "a")
        XCTAssertLessThan(MonotonicTime.now() - start, 0.5)
    }

    func testOverallTokenBucketSpreadsRetriesOfDifferentKeys() {
        var options = WorkQueue<String>.Options(name: "bucket")
        options.overallQPS = 20
        options.overallBurst = 1
        let q = WorkQueue<String>(options: options)
        let start = MonotonicTime.now()
        for key in ["a", "b", "c"] { q.addRateLimited(key) }
        var arrivals: [Double] = []
        for _ in 0..<3 {
            XCTAssertNotNil(q.get(timeout: 10))
            arrivals.append(MonotonicTime.now() - start)
        }
        // Burst 1 at 20 qps: the second key waits ≥ 50 ms, the third ≥ 100 ms, though each has
        // its own first (5 ms) backoff.
        XCTAssertGreaterThanOrEqual(arrivals[1], 0.045, "\(arrivals)")
        XCTAssertGreaterThanOrEqual(arrivals[2], 0.095, "\(arrivals)")
    }

    func testDelayedAddsComeOutInDueOrderAndTheEarliestDelayWins() {
        let q = queue()
        let start = MonotonicTime.now()
        q.addAfter("c", seconds: 0.15)
        q.addAfter("a", seconds: 0.05)
        q.addAfter("b", seconds: 0.10)
        q.addAfter("x", seconds: 30)
        q.addAfter("x", seconds: 0.12)   // earlier: wins
        q.addAfter("x", seconds: 60)     // later: ignored
        XCTAssertEqual(q.count, 0)
        XCTAssertEqual(q.delayedCount, 4)
        var order: [String] = []
        for _ in 0..<4 {
            guard let key = q.get(timeout: 10) else { return XCTFail("missing key after \(order)") }
            order.append(key)
            q.done(key)
        }
        XCTAssertEqual(order, ["a", "b", "x", "c"])
        XCTAssertGreaterThanOrEqual(MonotonicTime.now() - start, 0.15 * 0.9)
        XCTAssertNil(q.get(timeout: 0.05), "the superseded delays of x do not fire")
        XCTAssertEqual(q.delayedCount, 0)

        q.addAfter("now", seconds: 0)
        XCTAssertEqual(q.count, 1, "no delay: added at once")
    }

    func testShutDownWakesBlockedWorkersAndIgnoresAdds() throws {
        let q = queue()
        let results = Log<String?>()
        let thread = try XCTUnwrap(Threads.start(name: "wq-blocked") { results.append(q.get()) })
        eventually("the worker blocks") { results.count == 0 }
        q.addAfter("later", seconds: 30)
        q.shutDown()
        Threads.join(thread)
        XCTAssertEqual(results.all, [nil])
        q.add("a")
        XCTAssertNil(q.get())
        XCTAssertTrue(q.isShuttingDown)
        XCTAssertEqual(q.delayedCount, 0)
    }

    func testShutDownWithDrainLetsQueuedAndInFlightKeysFinish() throws {
        let q = queue()
        q.add("a")
        q.add("b")
        XCTAssertEqual(q.get(timeout: 1), "a")
        let drained = Log<Bool>()
        let drainer = try XCTUnwrap(Threads.start(name: "wq-drain") { drained.append(q.shutDownWithDrain(timeout: 20)) })
        eventually("adds are refused") { q.isShuttingDown }
        q.add("c")
        XCTAssertEqual(q.get(timeout: 1), "b", "queued keys are still handed out while draining")
        XCTAssertEqual(drained.count, 0, "the drain waits for the keys in flight")
        q.done("a")
        XCTAssertEqual(drained.count, 0)
        q.done("b")
        Threads.join(drainer)
        XCTAssertEqual(drained.all, [true])
        XCTAssertNil(q.get(), "c was added after the shutdown began")

        let stuck = queue()
        stuck.add("x")
        _ = stuck.get(timeout: 1)
        XCTAssertFalse(stuck.shutDownWithDrain(timeout: 0.05), "a key never done: the drain times out")
    }

    func testMetricsCarryTheQueueName() {
        let registry = MetricsRegistry()
        let q = queue(metrics: registry)
        q.add("a")
        q.add("a")
        q.add("b")
        XCTAssertEqual(q.get(timeout: 1), "a")
        q.done("a")
        q.addRateLimited("a")
        let text = registry.render()
        XCTAssertTrue(text.contains("workqueue_depth{name=\"test\"} 1"), text)
        XCTAssertTrue(text.contains("workqueue_adds_total{name=\"test\"} 2"), text)
        XCTAssertTrue(text.contains("workqueue_retries_total{name=\"test\"} 1"), text)
        XCTAssertTrue(text.contains("workqueue_queue_duration_seconds_count{name=\"test\"} 1"), text)
        XCTAssertTrue(text.contains("workqueue_work_duration_seconds_count{name=\"test\"} 1"), text)
        XCTAssertTrue(text.contains("workqueue_queue_duration_seconds_bucket{name=\"test\",le=\"1e-08\"}"), text)
    }
}

/// A small seeded generator (the adders must not share one).
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
