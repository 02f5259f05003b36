// Freeing big JSON trees off the critical path. A 1,000-object ConversionReview leaves the parsed
// request and the converted objects behind: tens of thousands of small allocations whose release
// costs about as much as serializing them. They are garbage only once the response bytes exist, so
// the endpoint hands them here and answers; one background thread drops them.
//
// The queue is bounded: when it is full (the release thread is behind, the server is under load),
// `release` frees the batch inline on the caller's thread, as if there were no queue. So memory
// held for release never exceeds `capacity` batches, whatever the load.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

package final class DeferredRelease: @unchecked Sendable {
    /// Batches waiting at most (each is one review's trees: a few MB to tens of MB).
    package static let defaultCapacity = 4

    /// The process-wide instance the conversion endpoint uses; its thread starts on first use.
    package static let shared = DeferredRelease(capacity: defaultCapacity)

    /// How a `release` call went.
    package enum Outcome: Sendable, Equatable {
        /// Handed to the release thread.
        case queued
        /// Freed on the calling thread: the queue was full or the release thread could not start.
        case freedInline
    }

    /// Counters, for tests and diagnostics.
    package struct Counts: Sendable, Equatable {
        /// Batches handed to the release thread.
        package var queued = 0
        /// Batches the release thread has dropped.
        package var released = 0
        /// Batches freed on the caller's thread because the queue was full.
        package var freedInline = 0
        /// Batches waiting right now (not counting the one being dropped).
        package var waiting = 0
        /// The most ever waiting at once.
        package var highWater = 0
    }

    package let capacity: Int

    // pthread primitives need stable addresses: heap-allocated, never moved.
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    private let condition: UnsafeMutablePointer<pthread_cond_t>
    // Guarded by `mutex`.
    private var batches: [any Sendable] = []
    private var head = 0
    private var counts = Counts()
    private var threadState = ThreadState.notStarted

    private enum ThreadState { case notStarted, running, failed }

    /// `capacity` batches may wait (at least one).
    package init(capacity: Int) {
        self.capacity = max(1, capacity)
        mutex = .allocate(capacity: 1)
        mutex.initialize(to: pthread_mutex_t())
        pthread_mutex_init(mutex, nil)
        condition = .allocate(capacity: 1)
        condition.initialize(to: pthread_cond_t())
        pthread_cond_init(condition, nil)
    }

    // The release thread holds a reference for ever, so an instance whose thread started lives
    // until the process ends; one that never started one is freed normally.
    deinit {
        pthread_cond_destroy(condition)
        pthread_mutex_destroy(mutex)
        condition.deallocate()
        mutex.deallocate()
    }

    /// Takes `batch` (the last references to the trees it holds) and drops it on the release
    /// thread, or right here when the queue is full.
    @discardableResult
    package func release(_ batch: consuming any Sendable) -> Outcome {
        pthread_mutex_lock(mutex)
        if threadState == .notStarted { startThread() }
        let waiting = batches.count &- head
        guard threadState == .running, waiting < capacity else {
            counts.freedInline &+= 1
            pthread_mutex_unlock(mutex)
            _ = consume batch  // freed here, outside the lock
            return .freedInline
        }
        batches.append(batch)
        counts.queued &+= 1
        counts.waiting = waiting &+ 1
        counts.highWater = max(counts.highWater, counts.waiting)
        pthread_cond_signal(condition)
        pthread_mutex_unlock(mutex)
        return .queued
    }

    package var currentCounts: Counts {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return counts
    }

    /// Called with the mutex held.
    private func startThread() {
        // The thread keeps the releaser alive for as long as it runs (it runs for the process).
        if Threads.startDetached(name: "release", { [self] in run() }) {
            threadState = .running
        } else {
            threadState = .failed
        }
    }

    /// Linux `SCHED_IDLE` (5; the Glibc module does not export the name): the thread runs only
    /// on a core nothing else wants. Freeing is background work; at normal priority it would take
    /// a core from the conversions of the next reviews, which then wait for it. When it cannot keep
    /// up, the queue fills and reviews free their own trees (the bound above).
    private static let schedIdle: Int32 = 5

    private func runAtIdlePriority() {
        #if os(Linux)
        var parameters = sched_param()
        parameters.sched_priority = 0
        // Pid 0: the calling thread. On failure the thread keeps the normal priority.
        _ = sched_setscheduler(0, DeferredRelease.schedIdle, &parameters)
        #endif
    }

    private func run() {
        runAtIdlePriority()
        pthread_mutex_lock(mutex)
        while true {
            while head == batches.count { pthread_cond_wait(condition, mutex) }
            var batch: (any Sendable)? = batches[head]
            batches[head] = ()  // the queue's reference goes now; `batch` holds the last one
            head &+= 1
            if head == batches.count {
                batches.removeAll(keepingCapacity: true)
                head = 0
            }
            counts.waiting = batches.count &- head
            pthread_mutex_unlock(mutex)
            batch = nil  // the actual freeing, outside the lock
            _ = batch
            pthread_mutex_lock(mutex)
            counts.released &+= 1
            counts.waiting = batches.count &- head
        }
    }
}
