import CLinux
#if canImport(Glibc)
import Glibc
#endif

/// Monotonic time in nanoseconds; deadlines are compared in this unit (immune to wall-clock jumps).
enum MonotonicClock {
    @inline(__always)
    static func now() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return UInt64(truncatingIfNeeded: ts.tv_sec) &* 1_000_000_000 &+ UInt64(truncatingIfNeeded: ts.tv_nsec)
    }

    /// Seconds (configuration) to nanoseconds, saturating instead of trapping on absurd values.
    static func nanoseconds(_ seconds: Double) -> UInt64 {
        guard seconds.isFinite, seconds > 0 else { return 0 }
        let ns = seconds * 1e9
        return ns >= 1.8e19 ? UInt64.max / 2 : UInt64(ns)
    }

    /// `now + seconds`, saturating; 0 means "no deadline" to callers, so the result is never 0.
    static func deadline(after seconds: Double, from now: UInt64) -> UInt64 {
        let (sum, overflow) = now.addingReportingOverflow(nanoseconds(seconds))
        return overflow ? UInt64.max : max(sum, 1)
    }
}
