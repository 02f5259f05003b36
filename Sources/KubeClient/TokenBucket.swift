import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// A token bucket: `qps` tokens a second, at most `burst` saved up. Client-side rate limiting of API
/// calls (`--kube-api-qps`/`--kube-api-burst`) and the work queue's overall retry limit both use it.
/// Thread-safe; `take()` reserves a token and answers how long the caller must wait for it, so a
/// burst of callers is spread out instead of all waking at once.
package final class TokenBucket: Sendable {
    package let qps: Double
    package let burst: Int
    private struct State {
        var tokens: Double
        var last: Double
    }
    private let state: Mutex<State>
    private let now: @Sendable () -> Double

    /// `now` answers monotonic seconds (tests pass a fake clock).
    package init(qps: Double, burst: Int, now: @escaping @Sendable () -> Double = TokenBucket.monotonicSeconds) {
        self.qps = max(qps, 0)
        self.burst = max(burst, 1)
        self.now = now
        let start = now()
        state = Mutex(State(tokens: Double(max(burst, 1)), last: start))
    }

    /// Takes one token; answers the seconds to wait before using it (0 when one was saved up).
    /// A bucket with `qps` 0 never refills: after the burst every wait is infinite, so callers
    /// treat qps ≤ 0 as "no limit" and do not build a bucket at all.
    package func take() -> Double {
        let t = now()
        return state.withLock { s in
            let elapsed = max(0, t - s.last)
            s.tokens = min(Double(burst), s.tokens + elapsed * qps)
            s.last = t
            s.tokens -= 1
            if s.tokens >= 0 { return 0 }
            return qps > 0 ? -s.tokens / qps : .infinity
        }
    }

    /// Takes one token and sleeps until it is usable.
    package func wait() {
        let delay = take()
        if delay > 0, delay.isFinite { sleepSeconds(delay) }
    }

    package static func monotonicSeconds() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }
}

/// Sleeps the calling thread (nanosleep, restarted after signals).
package func sleepSeconds(_ seconds: Double) {
    guard seconds > 0, seconds.isFinite else { return }
    let clamped = min(seconds, 86_400)
    var request = timespec(tv_sec: Int(clamped), tv_nsec: Int((clamped - Double(Int(clamped))) * 1e9))
    var remaining = timespec()
    while nanosleep(&request, &remaining) != 0 && errno == EINTR { request = remaining }
}
