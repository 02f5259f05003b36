import JSON
import Metrics
import Synchronization
import Threads
#if canImport(Glibc)
import Glibc
#endif

/// Leader election on a `coordination.k8s.io/v1` Lease, with client-go's semantics.
///
/// A candidate reads the Lease; it may take it when nobody holds it, or when the record (holder,
/// times, transitions: all of it) has not changed for `leaseDurationSeconds` of LOCAL monotonic
/// time since this candidate first saw it in that state. The remote `renewTime` is never compared
/// with the local clock, so clock skew between machines cannot make two leaders. Writes are
/// conditional on the Lease's resourceVersion; a conflict means someone else wrote first, and the
/// next attempt re-reads.
///
/// The leader renews every `retryPeriod`. It counts as leader only until `renewDeadline` after
/// the start of its last successful renewal: `isLeader` turns false at that moment even if the
/// elector's own thread is stuck, and the elector calls `onStoppedLeading` as soon as it sees the
/// deadline pass or another holder — without waiting for a hung API call, which runs on a
/// separate thread. Since `renewDeadline < leaseDuration`, a leader stops before any other
/// candidate may start. After losing the lease the elector ends (as client-go's does: the process
/// should exit and start over).
///
/// Callbacks run on the elector's thread (or, for a `stop()` while leading, on the caller's) and
/// must return quickly: start or stop workers, do not call the API.
package final class LeaderElector: Sendable {
    package struct Statistics: Sendable, Equatable {
        package var attempts = 0
        package var acquisitions = 0
        package var renewals = 0
        package var failedAttempts = 0
        /// Times leadership was lost (deadline passed or another holder seen).
        package var losses = 0
        package var releases = 0
        package var lastError: KubeError?
    }

    package let api: any KubeAPI
    package let options: LeaderElectionOptions

    private struct Callbacks: Sendable {
        var started: [@Sendable () -> Void] = []
        var stopped: [@Sendable () -> Void] = []
        var newLeader: [@Sendable (String) -> Void] = []
    }
    private let callbacks = Mutex(Callbacks())

    /// The outcome of one acquire-or-renew attempt.
    private enum Attempt: Sendable {
        case success
        case heldByOther(String)
        case failed(KubeError)
    }

    private enum CallOutcome {
        case finished(Attempt)
        case timedOut
        case stopped
    }

    private struct State {
        var started = false
        var stopping = false
        var leading = false
        /// Monotonic start of the last successful acquire or renew.
        var lastRenewAt = -Double.infinity
        /// The record last read or written, and the monotonic time it was first seen in that state.
        var observed: LeaseRecord?
        var observedAt = -Double.infinity
        var reportedLeader: String?
        var frozen = false
        var electorThread: pthread_t?
        var callThread: pthread_t?
        var callThreadExit = false
        /// The attempt the elector asked for and the one the call thread last answered.
        var requested: UInt64 = 0
        var taken: UInt64 = 0
        var answer: (id: UInt64, attempt: Attempt)?
        var statistics = Statistics()
    }
    private let state = Monitor(State())
    private let status: Gauge?

    /// Validates `options` (see `LeaderElectionOptions.validate`).
    package init(api: any KubeAPI, options: LeaderElectionOptions) throws(LeaderElectionError) {
        try options.validate()
        self.api = api
        self.options = options
        status = options.metrics?.gauge("leader_election_master_status",
                                        help: "Gauge of if the reporting system is master of the relevant lease, 0 indicates backup, 1 indicates master. 'name' is the string used to identify the lease.",
                                        labels: ["name": options.leaseName])
        status?.set(0)
    }

    package func onStartedLeading(_ callback: @escaping @Sendable () -> Void) { callbacks.withLock { $0.started.append(callback) } }
    package func onStoppedLeading(_ callback: @escaping @Sendable () -> Void) { callbacks.withLock { $0.stopped.append(callback) } }
    /// Called with the holder's identity whenever a different holder is observed (self included).
    package func onNewLeader(_ callback: @escaping @Sendable (String) -> Void) { callbacks.withLock { $0.newLeader.append(callback) } }

    /// True while this candidate holds the lease and its last renewal is younger than the renew
    /// deadline. Cheap; any thread. Workers check it before acting.
    package var isLeader: Bool {
        let now = MonotonicTime.now()
        return state.withLock { $0.leading && now < $0.lastRenewAt + options.renewDeadline }
    }

    /// The holder last observed in the Lease ("" when nobody holds it, nil before the first read).
    package var observedLeader: String? { state.withLock { $0.observed?.holderIdentity } }

    package var statistics: Statistics { state.withLock { $0.statistics } }

    /// Starts contending (two threads: the elector, and the one that makes its API calls).
    package func start() throws(LeaderElectionError) {
        let proceed = state.withLock { s -> Bool in
            guard !s.started else { return false }
            s.started = true
            return true
        }
        guard proceed else { return }
        guard let callThread = Threads.start(name: "lease-call", { [self] in self.callLoop() }) else {
            state.update { $0.stopping = true }
            throw .threadStart(ThreadStartError(component: "leader elector \(options.leaseName)"))
        }
        state.withLock { $0.callThread = callThread }
        guard let elector = Threads.start(name: "lease-elector", { [self] in self.electorLoop() }) else {
            state.update {
                $0.stopping = true
                $0.callThreadExit = true
            }
            Threads.join(callThread)
            throw .threadStart(ThreadStartError(component: "leader elector \(options.leaseName)"))
        }
        state.withLock { $0.electorThread = elector }
    }

    /// Stops contending and joins the threads (a call in flight finishes first). When this
    /// candidate still holds the Lease and `releaseOnStop` is set, empties `holderIdentity` (and
    /// sets `leaseDurationSeconds` to 1) so a successor starts at once; a leader then gets
    /// `onStoppedLeading` here.
    package func stop() {
        let elector = state.update { s -> pthread_t? in
            s.stopping = true
            s.frozen = false
            let thread = s.electorThread
            s.electorThread = nil
            return thread
        }
        let own = { (t: pthread_t?) -> Bool in t.map { pthread_equal($0, pthread_self()) != 0 } ?? false }
        if let elector, !own(elector) { Threads.join(elector) }
        let callThread = state.update { s -> pthread_t? in
            s.callThreadExit = true
            let t = s.callThread
            s.callThread = nil
            return t
        }
        if let callThread, !own(callThread) { Threads.join(callThread) }
        let wasLeading = state.withLock { s -> Bool in
            let leading = s.leading
            s.leading = false
            return leading
        }
        if options.releaseOnStop, wasLeading { release() }
        if wasLeading {
            status?.set(0)
            for callback in callbacks.withLock({ $0.stopped }) { callback() }
        }
    }

    /// Test hook: a frozen elector does nothing (no calls, no callbacks) until thawed, like a
    /// process stopped with SIGSTOP; `isLeader` still turns false at the renew deadline.
    package func setFrozenForTesting(_ frozen: Bool) {
        state.update { $0.frozen = frozen }
    }

    // MARK: - Elector thread

    private func electorLoop() {
        var random = SystemRandomNumberGenerator()
        // Acquire: retry every retryPeriod × [1, 1 + jitter) until the lease is ours.
        while true {
            guard waitWhileFrozen() else { return }
            let attemptStart = MonotonicTime.now()
            switch call(deadline: nil) {
            case .stopped, .timedOut:
                return
            case .finished(.success):
                state.withLock { s in
                    s.leading = true
                    s.lastRenewAt = attemptStart
                    s.statistics.acquisitions &+= 1
                }
                status?.set(1)
                // Started first: the workers should not wait for a bystander's notification.
                for callback in callbacks.withLock({ $0.started }) { callback() }
                reportNewLeader()
            case .finished:
                reportNewLeader()
                let pause = options.retryPeriod * (1 + Double.random(in: 0..<max(options.jitterFactor, .leastNonzeroMagnitude), using: &random))
                if state.sleep(until: MonotonicTime.now() + pause, orWhile: { $0.stopping }) { return }
                continue
            }
            break
        }
        // Renew every retryPeriod; give up at the renew deadline or when another holder shows.
        while true {
            if state.sleep(until: MonotonicTime.now() + options.retryPeriod, orWhile: { $0.stopping }) { return }
            guard waitWhileFrozen() else { return }
            var lost = false
            attempts: while true {
                let deadline = state.withLock { $0.lastRenewAt } + options.renewDeadline
                let attemptStart = MonotonicTime.now()
                if attemptStart >= deadline {
                    lost = true
                    break
                }
                switch call(deadline: deadline) {
                case .stopped:
                    return
                case .timedOut:
                    lost = true
                    break attempts
                case .finished(.success):
                    state.withLock { s in
                        s.lastRenewAt = attemptStart
                        s.statistics.renewals &+= 1
                    }
                    break attempts
                case .finished(.heldByOther):
                    lost = true
                    break attempts
                case .finished(.failed):
                    let retryAt = min(MonotonicTime.now() + options.retryPeriod, deadline)
                    if state.sleep(until: retryAt, orWhile: { $0.stopping }) { return }
                }
            }
            reportNewLeader()
            if lost {
                let wasLeading = state.withLock { s -> Bool in
                    let leading = s.leading
                    s.leading = false
                    if leading { s.statistics.losses &+= 1 }
                    return leading
                }
                status?.set(0)
                if wasLeading { for callback in callbacks.withLock({ $0.stopped }) { callback() } }
                return
            }
        }
    }

    /// Blocks while frozen; false when stopping.
    private func waitWhileFrozen() -> Bool {
        state.wait { s in
            if s.stopping { return .done(false) }
            if !s.frozen { return .done(true) }
            return .wait(until: nil)
        }
    }

    /// Asks the call thread for one attempt and waits for its answer until `deadline`.
    private func call(deadline: Double?) -> CallOutcome {
        let id = state.update { s -> UInt64 in
            s.requested &+= 1
            return s.requested
        }
        return state.wait { s in
            if s.stopping { return .done(.stopped) }
            if let answer = s.answer, answer.id == id { return .done(.finished(answer.attempt)) }
            if let deadline, MonotonicTime.now() >= deadline { return .done(.timedOut) }
            return .wait(until: deadline)
        }
    }

    private func reportNewLeader() {
        let holder = state.withLock { s -> String? in
            guard let holder = s.observed?.holderIdentity, !holder.isEmpty, holder != s.reportedLeader else { return nil }
            s.reportedLeader = holder
            return holder
        }
        guard let holder else { return }
        for callback in callbacks.withLock({ $0.newLeader }) { callback(holder) }
    }

    // MARK: - Call thread

    private func callLoop() {
        while true {
            let next = state.wait { s -> MonitorStep<UInt64?> in
                if s.callThreadExit { return .done(nil) }
                if s.requested != s.taken { return .done(s.requested) }
                return .wait(until: nil)
            }
            guard let id = next else { return }
            state.withLock { $0.taken = id }
            let attempt = tryAcquireOrRenew()
            state.update { s in
                s.answer = (id, attempt)
                s.statistics.attempts &+= 1
                if case .failed(let error) = attempt {
                    s.statistics.failedAttempts &+= 1
                    s.statistics.lastError = error
                }
            }
        }
    }

    private var leaseResource: KubeResource { .leases }

    /// One read-and-write of the Lease (client-go's tryAcquireOrRenew).
    private func tryAcquireOrRenew() -> Attempt {
        let now = MonotonicTime.now()
        let wallNow = MicroTime.now()
        let me = options.identity
        let lease: JSONValue
        do {
            lease = try api.get(leaseResource, namespace: options.leaseNamespace, name: options.leaseName)
        } catch {
            guard error.isNotFound else { return .failed(error) }
            let record = LeaseRecord(holderIdentity: me, leaseDurationSeconds: options.leaseDurationSeconds,
                                     acquireTime: wallNow, renewTime: wallNow, leaseTransitions: 0)
            let object: JSONValue = [
                "apiVersion": .string(leaseResource.apiVersion), "kind": "Lease",
                "metadata": ["name": .string(options.leaseName), "namespace": .string(options.leaseNamespace)],
                "spec": record.spec,
            ]
            do {
                _ = try api.create(leaseResource, namespace: options.leaseNamespace, object: object)
            } catch {
                return .failed(error)
            }
            observe(record, at: now)
            return .success
        }

        let old = LeaseRecord(lease: lease)
        let observedAt = state.withLock { s -> Double in
            if s.observed != old {
                s.observed = old
                s.observedAt = now
            }
            return s.observedAt
        }
        let duration = Double(old.leaseDurationSeconds.map { max($0, 0) } ?? options.leaseDurationSeconds)
        let expired = observedAt + duration <= now
        if !old.holderIdentity.isEmpty, old.holderIdentity != me, !expired {
            return .heldByOther(old.holderIdentity)
        }

        var record = LeaseRecord(holderIdentity: me, leaseDurationSeconds: options.leaseDurationSeconds,
                                 acquireTime: wallNow, renewTime: wallNow, leaseTransitions: old.leaseTransitions)
        if old.holderIdentity == me {
            record.acquireTime = old.acquireTime ?? wallNow
        } else {
            record.leaseTransitions = old.leaseTransitions == Int.max ? Int.max : old.leaseTransitions &+ 1
        }
        do {
            _ = try api.update(leaseResource, namespace: options.leaseNamespace, name: options.leaseName,
                               object: LeaderElector.withRecord(lease, record), subresource: nil)
        } catch {
            return .failed(error)
        }
        observe(record, at: now)
        return .success
    }

    private func observe(_ record: LeaseRecord, at time: Double) {
        state.withLock { s in
            s.observed = record
            s.observedAt = time
        }
    }

    /// `lease` with the record's fields written into its spec (other spec fields kept) and its
    /// resourceVersion kept, so the update is conditional.
    private static func withRecord(_ lease: JSONValue, _ record: LeaseRecord) -> JSONValue {
        var updated = lease
        var spec = lease["spec"]?.objectValue ?? JSONObject()
        for member in record.spec.objectValue ?? JSONObject() { spec[member.key] = member.value }
        if record.acquireTime == nil { spec["acquireTime"] = nil }
        updated["spec"] = .object(spec)
        return updated
    }

    /// Empties `holderIdentity` when this candidate still holds the Lease (a few attempts on
    /// conflict). Runs on the thread calling `stop()`.
    private func release() {
        let me = options.identity
        for _ in 0..<3 {
            let lease: JSONValue
            do {
                lease = try api.get(leaseResource, namespace: options.leaseNamespace, name: options.leaseName)
            } catch {
                state.withLock { $0.statistics.lastError = error }
                return
            }
            let old = LeaseRecord(lease: lease)
            guard old.holderIdentity == me else { return }
            let now = MicroTime.now()
            let record = LeaseRecord(holderIdentity: "", leaseDurationSeconds: 1, acquireTime: now, renewTime: now,
                                     leaseTransitions: old.leaseTransitions)
            do {
                _ = try api.update(leaseResource, namespace: options.leaseNamespace, name: options.leaseName,
                                   object: LeaderElector.withRecord(lease, record), subresource: nil)
                state.withLock { s in
                    s.statistics.releases &+= 1
                    s.observed = record
                    s.observedAt = MonotonicTime.now()
                }
                return
            } catch {
                state.withLock { $0.statistics.lastError = error }
                guard error.isConflict else { return }
            }
        }
    }
}
