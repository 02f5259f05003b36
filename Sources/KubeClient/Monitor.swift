#if canImport(Glibc)
import Glibc
#endif

/// What a `Monitor.wait` step answers: finished with a result, or sleep until signalled (or until
/// the monotonic `deadline`, when there is one) and then look again.
package enum MonitorStep<Result> {
    case done(Result)
    case wait(until: Double?)
}

/// State guarded by a mutex plus a condition variable whose timeouts run on the monotonic clock:
/// what the informer, the work queue, the leader elector and the event recorder block on.
/// (`Synchronization.Mutex` has no condition variable, and these components must block plain
/// threads, not tasks.)
///
/// The state is only ever touched inside one short closure call at a time, never across a wait:
/// a waiting thread gives the lock up, and holding an `inout` access across that would be a data
/// race the compiler cannot see.
package final class Monitor<State>: @unchecked Sendable {
    // pthread primitives need stable addresses: heap-allocated, never moved.
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    private let condition: UnsafeMutablePointer<pthread_cond_t>
    // Guarded by `mutex`.
    private var state: State

    package init(_ initial: State) {
        state = initial
        mutex = .allocate(capacity: 1)
        mutex.initialize(to: pthread_mutex_t())
        pthread_mutex_init(mutex, nil)
        condition = .allocate(capacity: 1)
        condition.initialize(to: pthread_cond_t())
        var attributes = pthread_condattr_t()
        pthread_condattr_init(&attributes)
        // Deadlines are monotonic seconds: a wall-clock step must not shorten or stretch a wait.
        pthread_condattr_setclock(&attributes, CLOCK_MONOTONIC)
        pthread_cond_init(condition, &attributes)
        pthread_condattr_destroy(&attributes)
    }

    deinit {
        pthread_cond_destroy(condition)
        pthread_mutex_destroy(mutex)
        condition.deallocate()
        mutex.deallocate()
    }

    /// Runs `body` with the lock held.
    package func withLock<R>(_ body: (inout State) -> R) -> R {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return body(&state)
    }

    /// Runs `body` with the lock held, then wakes every waiter (the state changed).
    package func update<R>(_ body: (inout State) -> R) -> R {
        pthread_mutex_lock(mutex)
        defer {
            pthread_cond_broadcast(condition)
            pthread_mutex_unlock(mutex)
        }
        return body(&state)
    }

    /// Runs `step` with the lock held until it answers `.done`; between runs the thread sleeps
    /// (lock released) until another thread calls `update`/`broadcast` or the step's deadline
    /// passes. Each run sees the state afresh.
    package func wait<R>(_ step: (inout State) -> MonitorStep<R>) -> R {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        while true {
            switch step(&state) {
            case .done(let result):
                return result
            case .wait(let deadline):
                if let deadline {
                    guard deadline.isFinite else {
                        pthread_cond_wait(condition, mutex)
                        continue
                    }
                    var until = Monitor.timespec(monotonicSeconds: deadline)
                    _ = pthread_cond_timedwait(condition, mutex, &until)
                } else {
                    pthread_cond_wait(condition, mutex)
                }
            }
        }
    }

    /// Wakes every waiter so it looks at the state again.
    package func broadcast() {
        pthread_mutex_lock(mutex)
        pthread_cond_broadcast(condition)
        pthread_mutex_unlock(mutex)
    }

    /// Sleeps until the monotonic `deadline` or until `stop(state)` holds; answers whether it
    /// stopped early. Interruptible sleeps (backoff, retry periods) use it.
    package func sleep(until deadline: Double, orWhile stop: (State) -> Bool) -> Bool {
        wait { state in
            if stop(state) { return .done(true) }
            if MonotonicTime.now() >= deadline { return .done(false) }
            return .wait(until: deadline)
        }
    }

    private static func timespec(monotonicSeconds seconds: Double) -> Glibc.timespec {
        // Clamped to a day past now, so a huge deadline cannot overflow tv_sec.
        let clamped = min(max(seconds, 0), MonotonicTime.now() + 86_400)
        let whole = clamped.rounded(.down)
        let nanoseconds = min(max((clamped - whole) * 1e9, 0), 999_999_999)
        return Glibc.timespec(tv_sec: Int(whole), tv_nsec: Int(nanoseconds))
    }
}

/// Monotonic seconds (CLOCK_MONOTONIC): deadlines, durations, lease expiry. Never the wall clock,
/// which NTP may step.
package enum MonotonicTime {
    package static func now() -> Double { TokenBucket.monotonicSeconds() }
}

/// A component could not start its thread (the system refused one: thread or memory limits).
package struct ThreadStartError: Error, Sendable, Equatable, CustomStringConvertible {
    package var component: String
    package init(component: String) { self.component = component }
    package var description: String { "\(component): the system refused to start a thread" }
}
