/// Exponential backoff with jitter: `initial`, doubling per failure up to `cap`, each delay stretched
/// by a random factor in [1, 1 + jitter). Watch reconnects, leader-election retries and the work
/// queue's per-key retries use it; `reset()` after a success.
package struct Backoff: Sendable {
    package var initial: Double
    package var cap: Double
    package var factor: Double
    package var jitter: Double
    /// Failures since the last reset.
    package private(set) var failures: Int = 0

    package init(initial: Double, cap: Double, factor: Double = 2, jitter: Double = 0) {
        self.initial = max(0, initial)
        self.cap = max(self.initial, cap)
        self.factor = max(1, factor)
        self.jitter = max(0, jitter)
    }

    /// The delay before attempt `failures + 1` without jitter: initial × factor^failures, capped.
    package static func delay(failures: Int, initial: Double, factor: Double, cap: Double) -> Double {
        var d = initial
        var n = 0
        while n < failures && d < cap {
            d *= factor
            n += 1
        }
        return min(d, cap)
    }

    /// Records a failure and answers how long to wait before the next attempt.
    package mutating func next<G: RandomNumberGenerator>(using generator: inout G) -> Double {
        let base = Self.delay(failures: failures, initial: initial, factor: factor, cap: cap)
        if failures < Int.max { failures += 1 }
        guard jitter > 0 else { return base }
        return base * (1 + Double.random(in: 0..<jitter, using: &generator))
    }

    package mutating func next() -> Double {
        var g = SystemRandomNumberGenerator()
        return next(using: &g)
    }

    package mutating func reset() { failures = 0 }
}
