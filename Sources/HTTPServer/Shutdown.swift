import CLinux
#if canImport(Glibc)
import Glibc
#endif

/// Graceful shutdown, the sequence a webhook behind kube-apiserver needs (kube-apiserver reuses keep-alive
/// connections, so a webhook that just closes them makes in-flight admissions fail with EOF):
///
/// 1. readiness fails at once and every response carries `Connection: close`, for `drainSeconds`
///    (new connections are still accepted while endpoints propagate);
/// 2. stop accepting; close idle connections (and each one that becomes idle);
/// 3. wait for in-flight requests, at most `shutdownGraceSeconds`;
/// 4. close what is left and stop the threads.
extension Server {
    package struct ShutdownReport: Sendable {
        /// Connections still open (mid-request) when the hard cap cut them off.
        package var abandonedConnections: Int
        package var seconds: Double
    }

    /// Blocking. Safe to call from any thread (not from a handler). Idempotent.
    @discardableResult
    package func shutdown(drainSeconds: Double? = nil, graceSeconds: Double? = nil) -> ShutdownReport {
        let start = MonotonicClock.now()
        let drain = drainSeconds ?? configuration.drainSeconds
        let grace = graceSeconds ?? configuration.shutdownGraceSeconds
        let alreadyDraining = core.draining.exchange(true, ordering: .sequentiallyConsistent)
        if alreadyDraining {
            // Someone else runs the sequence; wait for it.
            while !loops.allSatisfy({ $0.finished.load(ordering: .acquiring) }) { usleep(10_000) }
            return ShutdownReport(abandonedConnections: 0, seconds: elapsed(since: start))
        }
        core.logger.info("shutdown: draining", metadata: ["drainSeconds": "\(drain)", "open": "\(openConnections)"])
        sleep(seconds: drain)

        let loops = self.loops
        for loop in loops { loop.post(.stopAccepting) }
        waitUntil(seconds: 1) { loops.allSatisfy { $0.acceptStopped.load(ordering: .acquiring) } }
        closeListeners()
        core.closingIdle.store(true, ordering: .sequentiallyConsistent)
        for loop in loops { loop.post(.closeIdle) }
        core.logger.info("shutdown: listeners closed, waiting for in-flight requests", metadata: ["open": "\(openConnections)", "graceSeconds": "\(grace)"])

        waitUntil(seconds: grace) { self.openConnections == 0 }
        let abandoned = openConnections
        if abandoned > 0 {
            core.logger.warning("shutdown: grace period over, closing connections still in flight", metadata: ["open": "\(abandoned)"])
        }
        stopLoops(joinWorkers: abandoned == 0)
        let report = ShutdownReport(abandonedConnections: abandoned, seconds: elapsed(since: start))
        core.logger.info("shutdown: done", metadata: ["seconds": "\(report.seconds)", "abandoned": "\(abandoned)"])
        return report
    }

    /// Immediate stop: no drain, connections closed.
    package func stopNow() {
        core.draining.store(true, ordering: .sequentiallyConsistent)
        stopLoops(joinWorkers: false)
    }

    private func sleep(seconds: Double) {
        let end = MonotonicClock.deadline(after: seconds, from: MonotonicClock.now())
        while MonotonicClock.now() < end { usleep(20_000) }
    }

    private func waitUntil(seconds: Double, _ condition: () -> Bool) {
        let end = MonotonicClock.deadline(after: seconds, from: MonotonicClock.now())
        while !condition() && MonotonicClock.now() < end { usleep(10_000) }
    }

    private func elapsed(since start: UInt64) -> Double {
        Double(MonotonicClock.now() &- start) / 1e9
    }
}
