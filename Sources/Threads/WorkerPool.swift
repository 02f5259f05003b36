import CLinux
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// A fixed set of threads that run request handlers, so that the event loops only move bytes and
/// one slow handler cannot stall other connections. The queue is bounded by construction: each
/// connection has at most one request dispatched at a time, and connections are bounded.
package final class WorkerPool: @unchecked Sendable {
    package typealias Job = @Sendable () -> Void

    // pthread primitives need stable addresses: heap-allocated, never moved.
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    private let condition: UnsafeMutablePointer<pthread_cond_t>
    // Guarded by `mutex`.
    private var queue: [Job] = []
    private var head = 0
    private var stopping = false
    /// Workers blocked in the condition wait: a submit wakes at most that many.
    private var waiting = 0
    /// Jobs queued and not yet taken, readable without the lock (idle workers poll it briefly
    /// before sleeping: a futex wake-up per request would dominate short handlers).
    private let queued = Atomic<Int>(0)
    /// How many times an idle worker polls (yielding the CPU in between) before it sleeps, unless
    /// the pool is told otherwise.
    package static let defaultPollsBeforeSleeping = 64
    /// This pool's polls: 0 (sleep at once) under a CPU quota, where polling would spend the same
    /// allowance the requests need, and on a single CPU, where it only delays the thread it waits for.
    package let pollsBeforeSleeping: Int
    private var threads: [pthread_t] = []

    package init(threads count: Int, name: String, pollsBeforeSleeping: Int = WorkerPool.defaultPollsBeforeSleeping) {
        self.pollsBeforeSleeping = max(0, pollsBeforeSleeping)
        mutex = .allocate(capacity: 1)
        mutex.initialize(to: pthread_mutex_t())
        pthread_mutex_init(mutex, nil)
        condition = .allocate(capacity: 1)
        condition.initialize(to: pthread_cond_t())
        pthread_cond_init(condition, nil)
        var started: [pthread_t] = []
        for index in 0..<max(1, count) {
            if let thread = Threads.start(name: "\(name)-\(index)", { [self] in self.workerMain() }) {
                started.append(thread)
            }
        }
        pthread_mutex_lock(mutex)
        threads = started
        pthread_mutex_unlock(mutex)
    }

    deinit {
        pthread_cond_destroy(condition)
        pthread_mutex_destroy(mutex)
        condition.deallocate()
        mutex.deallocate()
    }

    package var threadCount: Int {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return threads.count
    }

    package func submit(_ job: @escaping Job) {
        pthread_mutex_lock(mutex)
        queue.append(job)
        queued.add(1, ordering: .relaxed)
        if waiting > 0 { pthread_cond_signal(condition) }
        pthread_mutex_unlock(mutex)
    }

    /// Several jobs under one lock (an event loop hands over what one epoll round produced);
    /// wakes only as many sleeping workers as there are new jobs.
    package func submit(batch jobs: [Job]) {
        guard !jobs.isEmpty else { return }
        pthread_mutex_lock(mutex)
        queue.append(contentsOf: jobs)
        queued.add(jobs.count, ordering: .relaxed)
        let wake = min(jobs.count, waiting)
        if wake > 1 {
            pthread_cond_broadcast(condition)
        } else if wake == 1 {
            pthread_cond_signal(condition)
        }
        pthread_mutex_unlock(mutex)
    }

    /// Lets queued jobs finish, then joins every thread.
    package func stop() {
        pthread_mutex_lock(mutex)
        stopping = true
        let toJoin = threads
        threads = []
        pthread_cond_broadcast(condition)
        pthread_mutex_unlock(mutex)
        for thread in toJoin { Threads.join(thread) }
    }

    private func workerMain() {
        while true {
            // Briefly poll for work before taking the lock and sleeping.
            var polls = 0
            while polls < pollsBeforeSleeping && queued.load(ordering: .relaxed) == 0 {
                sched_yield()
                polls &+= 1
            }
            pthread_mutex_lock(mutex)
            while head >= queue.count && !stopping {
                waiting &+= 1
                pthread_cond_wait(condition, mutex)
                waiting &-= 1
            }
            if head >= queue.count {   // stopping and nothing left
                pthread_mutex_unlock(mutex)
                return
            }
            let job = queue[head]
            head &+= 1
            queued.subtract(1, ordering: .relaxed)
            if head >= queue.count {
                // Drained: reset in place so the array does not grow forever.
                queue.removeAll(keepingCapacity: true)
                head = 0
            } else if head > 1024 && head * 2 > queue.count {
                queue.removeFirst(head)
                head = 0
            }
            pthread_mutex_unlock(mutex)
            job()
        }
    }
}
