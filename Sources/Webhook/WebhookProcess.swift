// The webhook process: the HTTPS listener with the webhook routes, the plain-HTTP probe and metrics
// listeners, the serving certificate (from the cert dir, watched and reloaded, or a generated
// development certificate), and the graceful shutdown on SIGTERM/SIGINT.
import TLS
import Admission
import HTTPServer
import Logging
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

package struct WebhookStartError: Error, CustomStringConvertible {
    package var description: String
    package init(_ description: String) { self.description = description }
}

package final class WebhookProcess: Sendable {
    package let options: WebhookOptions
    package let server: Server
    package let metrics: WebhookMetrics
    private let logger: Logger
    private let watcher: CertificateWatcher?
    /// Where the development certificate went, when one was generated.
    package let developmentCertificateDirectory: String?
    package let webhookPort: Int
    package let metricsPort: Int?
    package let healthPort: Int?

    /// Loads the certificate, binds every listener and starts serving. Throws with a message fit
    /// for the user when a certificate or address is unusable.
    package init(options: WebhookOptions, logger: Logger) throws {
        self.options = options
        self.logger = logger
        let metrics = WebhookMetrics()
        self.metrics = metrics
        let server = Server(configuration: options.server, logger: logger)
        let memory = options.server.memoryBudget
        logger.info("memory budget", metadata: ["limitBytes": "\(memory.limitBytes)", "source": "\(memory.source)",
                                                "maxConnections": "\(options.server.maxConnections)",
                                                "maxInflightBytes": "\(options.server.maxInflightBytes)"])
        self.server = server

        let certificate = try Self.loadServingCertificate(options: options, logger: logger, metrics: metrics)
        developmentCertificateDirectory = certificate.developmentDirectory
        server.setTLSContext(certificate.context)

        let router = WebhookRoutes.router(gates: options.gates, limits: options.bodyLimits, metrics: metrics)
        for path in router.paths { metrics.register(path) }
        webhookPort = try Self.listenForWebhooks(server: server, options: options, router: router)
        // The probe handlers need `self`, which exists only once every stored property is set:
        // they reach it through a box filled below.
        let box = ProcessBox()
        (healthPort, metricsPort) = try Self.listenForProbesAndMetrics(server: server, options: options, box: box)
        watcher = certificate.developmentDirectory == nil
            ? Self.makeCertificateWatcher(options: options, initial: certificate.context, server: server, logger: logger, metrics: metrics)
            : nil
        box.process.withLock { $0.value = self }

        do { try server.start() } catch {
            throw WebhookStartError("cannot start the server: \(error)")
        }
        watcher?.start()
        logger.info("webhook serving", metadata: ["port": "\(webhookPort)", "paths": "\(router.paths.joined(separator: ","))",
                                                  "metrics": "\(metricsPort.map(String.init) ?? "off")", "health": "\(healthPort.map(String.init) ?? "off")"])
    }

    // MARK: - Start-up steps

    /// The serving certificate from the cert dir, or a development certificate (and the folder it
    /// was written to) when the cert dir holds none.
    private static func loadServingCertificate(options: WebhookOptions, logger: Logger, metrics: WebhookMetrics) throws
        -> (context: TLSContext, developmentDirectory: String?) {
        let files = options.tlsFiles
        let context: TLSContext
        var developmentDirectory: String? = nil
        if fileExists(files.certificatePath) || fileExists(files.keyPath) {
            do {
                context = try TLSContext.load(files)
            } catch {
                throw WebhookStartError("cannot load the serving certificate from \(options.certDir): \(error)")
            }
            metrics.certificateReads.increment()
        } else {
            let directory = try makeDevelopmentDirectory()
            let generated: (certPath: String, keyPath: String, caPath: String)
            do {
                generated = try DevelopmentCertificate.generate(hosts: options.developmentCertificateHosts, into: directory)
                context = try TLSContext.load(TLSFiles(certificatePath: generated.certPath, keyPath: generated.keyPath,
                                                       clientCAPath: options.clientCA))
            } catch {
                throw WebhookStartError("no certificate in \(options.certDir) and the development certificate failed: \(error)")
            }
            developmentDirectory = directory
            logger.warning("""
                NO CERTIFICATE in \(files.certificatePath): serving a self-signed DEVELOPMENT certificate from \(directory) \
                — trust its CA with: curl --cacert \(generated.caPath) https://localhost:\(options.port)/… \
                (for a cluster, mount a real certificate at --cert-dir)
                """, metadata: ["certDir": "\(directory)", "ca": "\(generated.caPath)", "hosts": "\(options.developmentCertificateHosts.joined(separator: ","))"])
        }
        logger.info("serving certificate loaded", metadata: ["subject": "\(context.subject)", "notAfter": "\(context.notAfter)",
                                                             "sha256": "\(context.fingerprint)", "clientAuth": "\(context.verifiesClients)"])
        return (context, developmentDirectory)
    }

    /// The HTTPS listener of the webhook routes; answers the bound port.
    private static func listenForWebhooks(server: Server, options: WebhookOptions, router: Router) throws -> Int {
        let bindHost: String
        do { bindHost = try ListenAddress.resolve(host: options.bindAddress) } catch {
            throw WebhookStartError("--bind-address: \(error)")
        }
        guard (0...65535).contains(options.port) else { throw WebhookStartError("--port \(options.port) is out of range") }
        do {
            return try server.addListener(ListenAddress(host: bindHost, port: options.port), tls: true, router: router, name: "webhook")
        } catch {
            throw WebhookStartError("cannot listen on \(options.bindAddress):\(options.port): \(error)")
        }
    }

    /// The plain-HTTP probe and metrics listeners (either may be off); answers their ports.
    private static func listenForProbesAndMetrics(server: Server, options: WebhookOptions, box: ProcessBox) throws
        -> (health: Int?, metrics: Int?) {
        let metricsAddress: ListenAddress?
        let healthAddress: ListenAddress?
        do { metricsAddress = try ListenAddress.parse(options.metricsBindAddress) } catch {
            throw WebhookStartError("--metrics-bind-address: \(error)")
        }
        do { healthAddress = try ListenAddress.parse(options.healthProbeBindAddress) } catch {
            throw WebhookStartError("--health-probe-bind-address: \(error)")
        }
        var healthPort: Int? = nil
        var metricsPort: Int? = nil
        if let healthAddress {
            do {
                healthPort = try server.addListener(healthAddress, tls: false, router: ProbeRoutes.healthRouter(isReady: { box.isReady }), name: "health")
            } catch {
                throw WebhookStartError("cannot listen on --health-probe-bind-address \(options.healthProbeBindAddress): \(error)")
            }
        }
        if let metricsAddress {
            do {
                metricsPort = try server.addListener(metricsAddress, tls: false, router: ProbeRoutes.metricsRouter(render: { box.renderMetrics() }), name: "metrics")
            } catch {
                throw WebhookStartError("cannot listen on --metrics-bind-address \(options.metricsBindAddress): \(error)")
            }
        }
        return (healthPort, metricsPort)
    }

    /// Reloads a changed certificate pair from the cert dir (the development certificate never
    /// changes, so it gets no watcher).
    private static func makeCertificateWatcher(options: WebhookOptions, initial: TLSContext, server: Server,
                                               logger: Logger, metrics: WebhookMetrics) -> CertificateWatcher {
        CertificateWatcher(files: options.tlsFiles, pollInterval: options.certPollSeconds, debounce: 0.1, initial: initial,
            onReload: { [server, logger, metrics] context in
                metrics.certificateReads.increment()
                server.setTLSContext(context)
                logger.info("serving certificate reloaded", metadata: ["subject": "\(context.subject)", "notAfter": "\(context.notAfter)", "sha256": "\(context.fingerprint)"])
            },
            onError: { [logger, metrics] message in
                metrics.certificateReads.increment()
                metrics.certificateReadErrors.increment()
                logger.error("serving certificate reload failed; keeping the current one", metadata: ["error": "\(message)"])
            })
    }

    // MARK: - Running

    package var isReady: Bool { server.isReady }

    /// Prometheus text: controller-runtime webhook and certwatcher metrics, then the server's own.
    package func renderMetrics() -> String {
        var text = metrics.render()
        text += server.stats.render(prefix: "ray_operator_webhook_")
        return text
    }

    /// Blocks until SIGTERM/SIGINT, then shuts down gracefully. Returns the exit code (0).
    package func runUntilTerminated(signals: TerminationSignals) -> Int32 {
        let signal = signals.wait()
        logger.info("signal received: shutting down", metadata: ["signal": "\(signal == SIGINT ? "SIGINT" : "SIGTERM")"])
        shutdown()
        return 0
    }

    /// The graceful sequence (drain, close idle, finish in-flight); blocks until done.
    package func shutdown() {
        watcher?.stop()
        server.shutdown()
    }

    /// Immediate stop, no drain (tests, fatal errors).
    package func stopNow() {
        watcher?.stop()
        server.stopNow()
    }

    private static func makeDevelopmentDirectory() throws -> String {
        var template = Array("/tmp/ray-operator-dev-certs-XXXXXX".utf8CString)
        let made = template.withUnsafeMutableBufferPointer { buffer -> Bool in
            guard let base = buffer.baseAddress else { return false }
            return mkdtemp(base) != nil
        }
        guard made else { throw WebhookStartError("cannot create a temporary directory for the development certificate") }
        return String(decoding: template.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

/// Lets the probe handlers (built before the process object exists) reach it.
/// Weak, so the process (which owns the server, which owns these handlers) can be freed.
private final class ProcessBox: Sendable {
    struct Weak { weak var value: WebhookProcess? }
    let process = Mutex(Weak())
    var isReady: Bool { process.withLock { $0.value }?.isReady ?? false }
    func renderMetrics() -> String { process.withLock { $0.value }?.renderMetrics() ?? "" }
}

private func fileExists(_ path: String) -> Bool {
    access(path, F_OK) == 0
}
