import Admission
import ArgumentParser
import HTTPServer
import KubeClient
import Logging
import Metrics
import Reconciler
import Webhook
#if canImport(Glibc)
import Glibc
#endif

struct ControllerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "controller",
        abstract: "Run the reconciler: head pod, worker pods, head Service and status of every RayCluster.",
        discussion: """
            Watches RayClusters and their pods and Services, and keeps each cluster at its declared \
            state. With --leader-elect only the holder of the Lease reconciles; every replica serves \
            /healthz, /readyz (caches synced) and /metrics. SIGTERM: stop taking work, finish what \
            runs, release the lease.
            """)

    /// Every flag's default comes from here.
    private static let defaults = ControllerOptions()

    @Option(help: "Path to a kubeconfig; otherwise in-cluster, then $KUBECONFIG, then ~/.kube/config.")
    var kubeconfig: String?
    @Option(help: "Namespaces to watch, comma-separated (default: all).")
    var namespace: String = ""
    @Flag(name: .customLong("leader-elect"), help: "Only the holder of the Lease reconciles.")
    var leaderElect = defaults.leaderElect
    @Option(name: .customLong("leader-election-id"), help: "Name of the Lease.")
    var leaderElectionID: String = defaults.leaderElectionID
    @Option(name: .customLong("leader-election-namespace"), help: "Namespace of the Lease (default: the controller's own).")
    var leaderElectionNamespace: String?
    @Option(name: .customLong("leader-election-lease-duration"), help: "How long a lease is valid without renewal (15s).")
    var leaseDuration: String = "15s"
    @Option(name: .customLong("leader-election-renew-deadline"), help: "How long the leader retries renewing before it gives up (10s).")
    var renewDeadline: String = "10s"
    @Option(name: .customLong("leader-election-retry-period"), help: "How often candidates and the leader try (2s).")
    var retryPeriod: String = "2s"
    @Option(name: .customLong("metrics-bind-address"), help: "Prometheus /metrics address (0 = off).")
    var metricsBindAddress: String = defaults.metricsBindAddress
    @Option(name: .customLong("health-probe-bind-address"), help: "/healthz and /readyz address (0 = off).")
    var healthProbeBindAddress: String = defaults.healthProbeBindAddress
    @Option(name: .customLong("max-concurrent-reconciles"), help: "RayClusters reconciled at once.")
    var maxConcurrentReconciles: Int = defaults.maxConcurrentReconciles
    @Option(name: .customLong("kube-api-qps"), help: "Client-side API rate limit (≤ 0 = off: the server's priority and fairness decides).")
    var kubeAPIQPS: Double = defaults.kubeAPIQPS
    @Option(name: .customLong("kube-api-burst"), help: "Client-side API burst.")
    var kubeAPIBurst: Int = defaults.kubeAPIBurst
    @Option(name: .customLong("feature-gates"), help: "A=true,B=false (the webhook's gates).")
    var featureGates: String = ""
    @Option(name: .customLong("requeue-after"), help: "Look at a converged cluster again after this long.")
    var requeueAfter: String = "300s"
    @Option(name: .customLong("log-format"), help: "text or json (to standard error).")
    var logFormat: String = "text"
    @Option(name: .customLong("log-level"), help: "trace, debug, info, notice, warning, error or critical.")
    var logLevel: String = "info"

    func run() throws {
        var stderr = StandardError()
        func usage(_ message: String) -> ExitCode {
            print("ray-operator controller: \(message)", to: &stderr)
            return ExitCode(2)
        }
        guard let format = LogFormat(rawValue: logFormat) else { throw usage("--log-format must be text or json, not \"\(logFormat)\"") }
        guard let level = Logger.Level(rawValue: logLevel.lowercased()) else {
            throw usage("--log-level must be one of \(Logger.Level.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        var options = Self.defaults
        options.kubeconfig = kubeconfig
        options.namespaces = ControllerOptions.namespaces(parsing: namespace)
        options.leaderElect = leaderElect
        options.leaderElectionID = leaderElectionID
        options.metricsBindAddress = metricsBindAddress
        options.healthProbeBindAddress = healthProbeBindAddress
        guard maxConcurrentReconciles >= 1 else { throw usage("--max-concurrent-reconciles must be at least 1") }
        options.maxConcurrentReconciles = maxConcurrentReconciles
        guard kubeAPIQPS.isFinite, kubeAPIBurst >= 1 else { throw usage("--kube-api-qps must be a number and --kube-api-burst at least 1") }
        options.kubeAPIQPS = kubeAPIQPS
        options.kubeAPIBurst = kubeAPIBurst
        do {
            options.gates = try FeatureGates(parsing: featureGates)
        } catch { throw usage("--feature-gates: \(error)") }
        do {
            options.leaseDuration = try DurationParsing.seconds(leaseDuration)
            options.renewDeadline = try DurationParsing.seconds(renewDeadline)
            options.retryPeriod = try DurationParsing.seconds(retryPeriod)
            options.requeueAfter = try DurationParsing.seconds(requeueAfter)
        } catch { throw usage("\(error)") }
        if leaderElect {
            do { try options.leaderElection(identity: "check").validate() } catch { throw usage("\(error)") }
        }

        LoggingSystem.bootstrap { label in StderrLogHandler(label: label, format: format, level: level) }
        let logger = Logger(label: "controller")
        let configuration: KubeConfiguration
        do {
            configuration = try KubeConfiguration.load(kubeconfigPath: kubeconfig, environment: currentEnvironment())
        } catch {
            logger.critical("cannot configure the API client", metadata: ["error": "\(error)"])
            throw ExitCode(1)
        }
        options.leaderElectionNamespace = leaderElectionNamespace ?? configuration.namespace
        let registry = MetricsRegistry()
        // Events go through a client of their own, with the same limits: one Event per pod created
        // must not halve the rate of the creates themselves.
        let client: KubeHTTPClient
        let eventClient: KubeHTTPClient
        do {
            let clientOptions = KubeClientOptions(qps: options.kubeAPIQPS, burst: options.kubeAPIBurst)
            client = try KubeHTTPClient(configuration: configuration, options: clientOptions, metrics: registry)
            eventClient = try KubeHTTPClient(configuration: configuration, options: clientOptions, metrics: registry)
        } catch {
            logger.critical("cannot create the API client", metadata: ["error": "\(error)", "source": "\(configuration.source)"])
            throw ExitCode(1)
        }
        logger.info("API server", metadata: ["source": "\(configuration.source)"])

        let signals = try TerminationSignals()
        let process: ControllerProcess
        do {
            process = try ControllerProcess(options: options, api: client, eventAPI: eventClient, registry: registry, logger: logger,
                                            identity: LeaderElectionOptions.defaultIdentity())
        } catch {
            logger.critical("controller failed to start", metadata: ["error": "\(error)"])
            throw ExitCode(1)
        }
        let code = process.runUntilTerminated(signals: signals)
        client.close()
        eventClient.close()
        if code != 0 { throw ExitCode(code) }
    }
}

/// The process environment as a dictionary (the API client's configuration reads it).
private func currentEnvironment() -> [String: String] {
    var result: [String: String] = [:]
    var pointer = environ
    while let entry = pointer.pointee {
        let text = String(cString: entry)
        if let equals = text.firstIndex(of: "=") {
            result[String(text[..<equals])] = String(text[text.index(after: equals)...])
        }
        pointer = pointer.advanced(by: 1)
    }
    return result
}
