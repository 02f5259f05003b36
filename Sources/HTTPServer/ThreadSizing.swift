import Threads

/// How many event loops and handler threads a server starts, whether idle workers poll before
/// sleeping, and why: derived from the CPUs the process may really use (`CPUBudget`) unless the
/// operator set the counts. One event loop per usable CPU keeps every CPU busy without making
/// threads take turns; under a 1-CPU quota on a 64-core node that is 1 loop, not 64.
package struct ThreadSizing: Sendable, Equatable, CustomStringConvertible {
    package var ioThreads: Int
    package var workerThreads: Int
    /// 0 when idle workers must sleep at once (a CPU quota, or a single CPU).
    package var workerPollsBeforeSleeping: Int
    /// The counts, where each came from, and the budget; logged when the server starts.
    package var reason: String

    /// Handler threads never go below this, whatever the budget: handlers of big bodies run on the
    /// workers, and with a second worker one slow handler does not hold up the next.
    package static let minimumWorkerThreads = 2

    /// `ioThreads`/`workerThreads`: the operator's values (flags), or nil to follow the budget.
    package init(budget: CPUBudget, ioThreads requestedIO: Int? = nil, workerThreads requestedWorkers: Int? = nil) {
        let cpus = budget.cpus
        ioThreads = max(1, requestedIO ?? cpus)
        workerThreads = max(1, requestedWorkers ?? max(ThreadSizing.minimumWorkerThreads, cpus))
        // Polling is a bet that a job arrives within microseconds and that the CPU is free to
        // spend on the bet. Under a quota the CPU time is rationed, on one CPU the poller only
        // delays the loop that would produce the job.
        let mayPoll = !budget.hasQuota && cpus > 1
        workerPollsBeforeSleeping = mayPoll ? WorkerPool.defaultPollsBeforeSleeping : 0

        let loops = "\(ioThreads) event loop\(ioThreads == 1 ? "" : "s") (\(requestedIO == nil ? "one per usable CPU" : "configured"))"
        let workers = "\(workerThreads) worker\(workerThreads == 1 ? "" : "s") (\(requestedWorkers == nil ? "one per usable CPU, at least \(ThreadSizing.minimumWorkerThreads)" : "configured"))"
        let polling: String
        if mayPoll {
            polling = "idle workers poll \(workerPollsBeforeSleeping) times before sleeping"
        } else if budget.hasQuota {
            polling = "idle workers sleep at once (a CPU quota is in force)"
        } else {
            polling = "idle workers sleep at once (one usable CPU)"
        }
        var text = "\(loops), \(workers); \(polling); usable CPUs: \(budget)"
        if let requestedIO, requestedIO > cpus {
            text += "; note: more event loops than usable CPUs only take turns on them"
        }
        reason = text
    }

    package var description: String { reason }
}
