// The controller process: informers fill the caches on every replica (so a new leader starts warm
// and /readyz means "caches synced"); only the leader runs the workers that reconcile.
import JSON
import HTTPServer
import KubeClient
import Logging
import Metrics
import Synchronization
import Threads
#if canImport(Glibc)
import Glibc
#endif

package struct ControllerStartError: Error, CustomStringConvertible {
    package var description: String
    package init(_ description: String) { self.description = description }
}

package final class ControllerProcess: Sendable {
    package let options: ControllerOptions
    package let registry: MetricsRegistry
    package let identity: String
    package let healthPort: Int?
    package let metricsPort: Int?

    let clusters: InformerGroup
    let pods: InformerGroup
    let services: InformerGroup
    let autoscalerObjects: AutoscalerObjectCaches
    let queue: WorkQueue<ObjectKey>
    let reconciler: ClusterReconciler
    let recorder: EventRecorder
    let elector: LeaderElector?
    let server: Server
    let metrics: ControllerMetrics
    private let logger: Logger

    private struct State {
        var workers: [pthread_t] = []
        var workersStarted = false
        var stopping = false
        /// Set when the lease was lost: the process exits non-zero, as controller-runtime's does,
        /// and starts over as a candidate.
        var lostLease = false
    }
    private let state = Mutex(State())

    /// Builds every part and starts the informers, the probe and metrics listeners and (with
    /// leader election) the elector; without leader election the workers start at once.
    /// `eventAPI`, when given, carries the Events (a client with a rate limit of its own, so that
    /// the Event each create reports does not take a token the next create needs); nil: `api`.
    package init(options: ControllerOptions, api: any KubeAPI, eventAPI: (any KubeAPI)? = nil, registry: MetricsRegistry, logger: Logger,
                identity: String) throws {
        self.options = options
        self.registry = registry
        self.identity = identity
        let api = APICallLedger(wrapping: api, registry: registry)
        self.logger = logger
        metrics = ControllerMetrics(registry: registry, maxConcurrentReconciles: options.maxConcurrentReconciles)

        var clusterOptions = Informer.Options()
        clusterOptions.transform = ControllerResources.trimmedForCache
        clusterOptions.name = "rayclusters"
        clusters = InformerGroup(api: api, resource: ControllerResources.rayClusters, namespaces: options.namespaces, options: clusterOptions)
        var podOptions = Informer.Options(labelSelector: ControllerResources.podSelector)
        podOptions.transform = ControllerResources.trimmedPodForCache
        podOptions.name = "pods"
        pods = InformerGroup(api: api, resource: .pods, namespaces: options.namespaces, options: podOptions)
        var serviceOptions = Informer.Options(labelSelector: ControllerResources.serviceSelector)
        serviceOptions.transform = ControllerResources.trimmedForCache
        serviceOptions.name = "services"
        services = InformerGroup(api: api, resource: .services, namespaces: options.namespaces, options: serviceOptions)
        autoscalerObjects = AutoscalerObjectCaches(api: api, namespaces: options.namespaces)

        var queueOptions = WorkQueue<ObjectKey>.Options(name: ControllerMetrics.controllerName, metrics: registry)
        queueOptions.retryMaximumDelay = 300
        queue = WorkQueue(options: queueOptions)

        var recorderOptions = EventRecorder.Options(reportingInstance: identity)
        recorderOptions.reportingController = "ray-operator"
        recorder = EventRecorder(api: eventAPI.map { APICallLedger(wrapping: $0, registry: registry) } ?? api, options: recorderOptions)

        if options.leaderElect {
            var election = options.leaderElection(identity: identity)
            election.metrics = registry
            do { elector = try LeaderElector(api: api, options: election) } catch {
                throw ControllerStartError("leader election: \(error)")
            }
        } else {
            elector = nil
        }

        let elector = self.elector
        reconciler = ClusterReconciler(
            api: api, clusters: clusters, pods: pods, services: services, autoscalerObjects: autoscalerObjects,
            recorder: recorder, registry: registry,
            options: options, logger: logger,
            mayWrite: { elector?.isLeader ?? true })

        var serverConfiguration = ServerConfiguration(ioThreads: 1, workerThreads: 1)
        serverConfiguration.drainSeconds = 0
        serverConfiguration.shutdownGraceSeconds = 2
        server = Server(configuration: serverConfiguration, logger: logger)
        let box = ControllerBox()
        let healthAddress: ListenAddress?
        let metricsAddress: ListenAddress?
        do { healthAddress = try ListenAddress.parse(options.healthProbeBindAddress) } catch {
            throw ControllerStartError("--health-probe-bind-address: \(error)")
        }
        do { metricsAddress = try ListenAddress.parse(options.metricsBindAddress) } catch {
            throw ControllerStartError("--metrics-bind-address: \(error)")
        }
        var healthPort: Int? = nil
        var metricsPort: Int? = nil
        do {
            if let healthAddress {
                healthPort = try server.addListener(healthAddress, tls: false, router: ProbeRoutes.healthRouter(
                    notReady: "controller not ready (informer caches not synced, or shutting down)",
                    isReady: { box.isReady }), name: "health")
            }
            if let metricsAddress {
                metricsPort = try server.addListener(metricsAddress, tls: false,
                                                     router: ProbeRoutes.metricsRouter(render: { box.renderMetrics() }), name: "metrics")
            }
        } catch {
            throw ControllerStartError("cannot listen for probes or metrics: \(error)")
        }
        self.healthPort = healthPort
        self.metricsPort = metricsPort
        box.process.withLock { $0.value = self }

        registerHandlers()
        do {
            try server.start()
            try recorder.start()
            try clusters.start()
            try pods.start()
            try services.start()
            for group in autoscalerObjects.groups { try group.start() }
        } catch {
            throw ControllerStartError("cannot start: \(error)")
        }
        if let elector {
            elector.onStartedLeading { [weak self] in
                self?.logger.info("became leader", metadata: ["identity": "\(identity)"])
                self?.startWorkers()
            }
            elector.onStoppedLeading { [weak self] in self?.leaseLost() }
            elector.onNewLeader { [weak self] leader in
                self?.logger.info("leader", metadata: ["identity": "\(leader)"])
            }
            do { try elector.start() } catch {
                throw ControllerStartError("leader election: \(error)")
            }
        } else {
            startWorkers()
        }
        logger.info("controller started", metadata: [
            "identity": "\(identity)", "namespaces": "\(options.namespaces.isEmpty ? "all" : options.namespaces.joined(separator: ","))",
            "leaderElection": "\(options.leaderElect)", "workers": "\(options.maxConcurrentReconciles)",
            "health": "\(healthPort.map(String.init) ?? "off")", "metrics": "\(metricsPort.map(String.init) ?? "off")"])
    }

    /// Every informer has its first list: what `/readyz` reports (on every replica, leader or not).
    package var isReady: Bool {
        !state.withLock { $0.stopping } && cachesSynced
    }

    private var cachesSynced: Bool {
        clusters.hasSynced && pods.hasSynced && services.hasSynced && autoscalerObjects.groups.allSatisfy(\.hasSynced)
    }

    package var isLeader: Bool { elector?.isLeader ?? true }

    package func renderMetrics() -> String { registry.render() }

    // MARK: - Events to keys

    private func registerHandlers() {
        let queue = self.queue
        clusters.onAdd { cluster in
            if let key = ObjectKey(object: cluster) { queue.add(key) }
        }
        clusters.onUpdate { old, new in
            guard ControllerResources.clusterChangeMatters(old: old, new: new), let key = ObjectKey(object: new) else { return }
            queue.add(key)
        }
        clusters.onDelete { cluster in
            if let key = ObjectKey(object: cluster) { queue.add(key) }
        }
        let child: @Sendable (JSONValue) -> Void = { object in
            if let key = ControllerResources.ownerKey(of: object) { queue.add(key) }
        }
        for group in [pods, services] + autoscalerObjects.groups {
            group.onAdd(child)
            group.onUpdate { _, new in child(new) }
            group.onDelete(child)
        }
    }

    // MARK: - Workers

    private func startWorkers() {
        let count = max(1, options.maxConcurrentReconciles)
        state.withLock { s in
            guard !s.workersStarted, !s.stopping else { return }
            s.workersStarted = true
            for index in 0..<count {
                if let thread = Threads.start(name: "reconcile-\(index)", { [self] in self.workerLoop() }) {
                    s.workers.append(thread)
                } else {
                    logger.error("cannot start a reconcile worker thread", metadata: ["index": "\(index)"])
                }
            }
        }
    }

    private func workerLoop() {
        // The first pass waits for full caches: planning on a partial list would create pods that
        // exist.
        while !cachesSynced {
            if queue.isShuttingDown { return }
            for group in [clusters, pods, services] + autoscalerObjects.groups { _ = group.waitForSync(timeout: 1) }
        }
        while let key = queue.get() {
            metrics.activeWorkers.increment()
            let started = MonotonicTime.now()
            let result = reconciler.reconcile(key)
            metrics.record(result, seconds: MonotonicTime.now() - started)
            metrics.activeWorkers.decrement()
            switch result {
            case .done:
                queue.forget(key)
                queue.addAfter(key, seconds: options.requeueAfter)
            case .forgotten:
                queue.forget(key)
            case .requeueAfter(let seconds):
                queue.forget(key)
                queue.addAfter(key, seconds: seconds)
            case .failed(let message):
                logger.info("reconcile failed; retrying with backoff", metadata: ["raycluster": "\(key)", "error": "\(message)"])
                queue.addRateLimited(key)
            }
            queue.done(key)
        }
    }

    // MARK: - Stopping

    private func leaseLost() {
        // Shutting down stops the elector, which ends leadership too; that is not a lost lease.
        let first = state.withLock { s -> Bool in
            guard !s.lostLease, !s.stopping else { return false }
            s.lostLease = true
            return true
        }
        guard first else { return }
        logger.error("leader election lost: stopping (the process exits and starts over)", metadata: ["identity": "\(identity)"])
        // The main thread waits for a termination signal; this is one, from ourselves.
        _ = kill(getpid(), SIGTERM)
    }

    /// Blocks until SIGTERM/SIGINT (or a lost lease), then stops: no new work, running passes
    /// finish, events are flushed, the lease is released. Returns the exit code.
    package func runUntilTerminated(signals: TerminationSignals) -> Int32 {
        let signal = signals.wait()
        logger.info("signal received: shutting down", metadata: ["signal": "\(signal == SIGINT ? "SIGINT" : "SIGTERM")"])
        shutdown()
        return state.withLock { $0.lostLease } ? 1 : 0
    }

    /// Stop taking work, finish what runs, flush events, release the lease, close the caches.
    package func shutdown() {
        let workers = state.withLock { s -> [pthread_t] in
            s.stopping = true
            let w = s.workers
            s.workers = []
            return w
        }
        queue.shutDown()
        for worker in workers { Threads.join(worker) }
        _ = recorder.flush(timeout: 5)
        recorder.stop()
        elector?.stop()
        clusters.stop()
        pods.stop()
        services.stop()
        for group in autoscalerObjects.groups { group.stop() }
        server.stopNow()
        logger.info("controller stopped")
    }
}

/// Lets the probe handlers (built before the process exists) reach it, weakly.
private final class ControllerBox: Sendable {
    struct Weak { weak var value: ControllerProcess? }
    let process = Mutex(Weak())
    var isReady: Bool { process.withLock { $0.value }?.isReady ?? false }
    func renderMetrics() -> String { process.withLock { $0.value }?.renderMetrics() ?? "" }
}
