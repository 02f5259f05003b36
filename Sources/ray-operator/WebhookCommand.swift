import JSON
import Admission
import ArgumentParser
import HTTPServer
import Logging
import Webhook

struct WebhookCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "webhook", abstract: "Serve the admission and conversion webhook over HTTPS.",
        discussion: """
            Serves POST /validate-ray-io-v1-raycluster, /mutate-ray-io-v1-raycluster and /convert over TLS; \
            /healthz and /readyz on the health-probe address and /metrics on the metrics address (plain HTTP). \
            With no certificate in --cert-dir a self-signed development certificate is generated. \
            SIGTERM/SIGINT: readiness fails at once, requests are served with `Connection: close` for \
            --drain-seconds, then idle connections close and in-flight requests finish.
            """)

    /// Every flag's default comes from here, so the command, the options value and the server agree.
    private static let defaults = WebhookOptions()

    @Option(help: "TLS port.") var port: Int = defaults.port
    @Option(name: .customLong("bind-address"), help: "TLS listen address (IP literal; :: for dual-stack).") var bindAddress: String = defaults.bindAddress
    @Option(name: .customLong("cert-dir")) var certDir: String = defaults.certDir
    @Option(name: .customLong("cert-name")) var certName: String = defaults.certName
    @Option(name: .customLong("key-name")) var keyName: String = defaults.keyName
    @Option(name: .customLong("client-ca"), help: "Require client certificates signed by this CA (mTLS).") var clientCA: String?
    @Option(name: .customLong("metrics-bind-address"), help: "Prometheus /metrics address (:8080, [::1]:8080; 0 = off).") var metricsBindAddress: String = defaults.metricsBindAddress
    @Option(name: .customLong("health-probe-bind-address"), help: "/healthz and /readyz address (0 = off).") var healthProbeBindAddress: String = defaults.healthProbeBindAddress
    @Option(name: .customLong("feature-gates"), help: "A=true,B=false") var featureGates: String = ""

    @Option(name: .customLong("log-format"), help: "text or json (to standard error).") var logFormat: String = "text"
    @Option(name: .customLong("log-level"), help: "trace, debug, info, notice, warning, error or critical.") var logLevel: String = "info"

    @Option(name: .customLong("drain-seconds"), help: "After SIGTERM, keep serving (with Connection: close) this long.") var drainSeconds: Double = defaults.server.drainSeconds
    @Option(name: .customLong("shutdown-grace-seconds"), help: "After the drain, hard cap for in-flight requests.") var shutdownGraceSeconds: Double = defaults.server.shutdownGraceSeconds
    @Option(name: .customLong("max-connections"), help: "Open connections across listeners (default: derived from the memory limit; at the cap the stalest connection makes room).") var maxConnections: Int = defaults.server.maxConnections
    @Option(name: .customLong("max-inflight-bytes"), help: "Memory that requests in flight may hold together, charged as 3 x body size (default: derived from the memory limit; 0 = unbounded). A request over it waits, then gets 503.") var maxInflightBytes: Int = defaults.server.maxInflightBytes
    @Option(name: .customLong("max-header-bytes")) var maxHeaderBytes: Int = defaults.server.maxHeaderBytes
    @Option(name: .customLong("max-admission-body-bytes")) var maxAdmissionBodyBytes: Int = defaults.bodyLimits.admissionBytes
    @Option(name: .customLong("max-conversion-body-bytes")) var maxConversionBodyBytes: Int = defaults.bodyLimits.conversionBytes
    @Option(name: .customLong("tls-handshake-timeout-seconds")) var tlsHandshakeTimeout: Double = defaults.server.tlsHandshakeTimeout
    @Option(name: .customLong("request-header-timeout-seconds")) var requestHeaderTimeout: Double = defaults.server.requestHeaderTimeout
    @Option(name: .customLong("body-read-timeout-seconds"), help: "Longest pause between two reads of a body (408).") var bodyReadTimeout: Double = defaults.server.bodyReadTimeout
    @Option(name: .customLong("request-body-timeout-seconds"), help: "The whole body, end of headers to last byte (408; 0 = none).") var requestBodyTimeout: Double = defaults.server.requestBodyTimeout
    @Option(name: .customLong("min-body-bytes-per-second"), help: "Minimum average body rate after a 2 s grace (408; 0 = none).") var minBodyBytesPerSecond: Int = defaults.server.minBodyBytesPerSecond
    @Option(name: .customLong("write-timeout-seconds"), help: "Longest pause in writing a response to a client that does not read.") var writeTimeout: Double = defaults.server.writeTimeout
    @Option(name: .customLong("response-write-timeout-seconds"), help: "The whole response, first byte to last (then the connection closes; 0 = none).") var responseWriteTimeout: Double = defaults.server.responseWriteTimeout
    @Option(name: .customLong("idle-timeout-seconds"), help: "Keep-alive idle timeout (keep it above the apiserver's 90 s).") var idleTimeout: Double = defaults.server.keepAliveIdleTimeout
    @Option(name: .customLong("io-threads"), help: "Event-loop threads (default: one per CPU the process may use: online CPUs, affinity mask and cgroup CPU quota, rounded up).") var ioThreads: Int?
    @Option(name: .customLong("worker-threads"), help: "Handler threads (default: as --io-threads, at least 2).") var workerThreads: Int?
    @Option(name: .customLong("cert-poll-seconds"), help: "Re-read the cert dir this often besides inotify.") var certPollSeconds: Double = defaults.certPollSeconds
    @Option(name: .customLong("malloc-tcache-count"),
            help: "glibc per-thread cache entries per block size, set by re-executing with GLIBC_TUNABLES (0 = glibc's default; a tcache_count already in GLIBC_TUNABLES wins).")
    var mallocTcacheCount: Int = AllocatorTuning.defaultTcacheCount

    func run() async throws {
        var stderr = StandardError()
        guard let format = LogFormat(rawValue: logFormat) else {
            print("ray-operator webhook: --log-format must be text or json, not \"\(logFormat)\"", to: &stderr)
            throw ExitCode(2)
        }
        guard let level = Logger.Level(rawValue: logLevel.lowercased()) else {
            print("ray-operator webhook: --log-level must be one of \(Logger.Level.allCases.map(\.rawValue).joined(separator: ", "))", to: &stderr)
            throw ExitCode(2)
        }
        let gates: FeatureGates
        do { gates = try FeatureGates(parsing: featureGates) } catch {
            print("ray-operator webhook: --feature-gates: \(error)", to: &stderr)
            throw ExitCode(2)
        }
        let numbers: [(String, Double)] = [("drain-seconds", drainSeconds), ("shutdown-grace-seconds", shutdownGraceSeconds),
                                           ("tls-handshake-timeout-seconds", tlsHandshakeTimeout), ("request-header-timeout-seconds", requestHeaderTimeout),
                                           ("body-read-timeout-seconds", bodyReadTimeout), ("idle-timeout-seconds", idleTimeout),
                                           ("request-body-timeout-seconds", requestBodyTimeout), ("min-body-bytes-per-second", Double(minBodyBytesPerSecond)),
                                           ("write-timeout-seconds", writeTimeout), ("response-write-timeout-seconds", responseWriteTimeout),
                                           ("max-inflight-bytes", Double(maxInflightBytes)),
                                           ("cert-poll-seconds", certPollSeconds),
                                           ("max-connections", Double(maxConnections)), ("max-header-bytes", Double(maxHeaderBytes)),
                                           ("max-admission-body-bytes", Double(maxAdmissionBodyBytes)), ("max-conversion-body-bytes", Double(maxConversionBodyBytes))]
        for (name, value) in numbers where !(value.isFinite && value >= 0) {
            print("ray-operator webhook: --\(name) must be a non-negative number", to: &stderr)
            throw ExitCode(2)
        }

        guard (0...AllocatorTuning.maximumTcacheCount).contains(mallocTcacheCount) else {
            print("ray-operator webhook: --malloc-tcache-count must be 0…\(AllocatorTuning.maximumTcacheCount)", to: &stderr)
            throw ExitCode(2)
        }
        // Before anything starts (threads, sockets): may replace this process image, same pid.
        let tuningProblem = AllocatorTuning.reexecuteIfNeeded(tcacheCount: mallocTcacheCount, arguments: CommandLine.arguments)

        LoggingSystem.bootstrap { label in StderrLogHandler(label: label, format: format, level: level) }
        let logger = Logger(label: "webhook")
        if let tuningProblem { logger.warning("\(tuningProblem)") }
        if let count = AllocatorTuning.activeTcacheCount(tunables: AllocatorTuning.currentTunables) {
            logger.info("allocator: glibc tcache_count=\(count)")
        }

        var options = Self.defaults
        options.port = port
        options.bindAddress = bindAddress
        options.certDir = certDir
        options.certName = certName
        options.keyName = keyName
        options.clientCA = clientCA
        options.metricsBindAddress = metricsBindAddress
        options.healthProbeBindAddress = healthProbeBindAddress
        options.gates = gates
        options.bodyLimits = WebhookBodyLimits(admissionBytes: maxAdmissionBodyBytes, conversionBytes: maxConversionBodyBytes)
        options.certPollSeconds = certPollSeconds
        var server = ServerConfiguration(ioThreads: ioThreads, workerThreads: workerThreads)
        server.maxConnections = maxConnections
        server.maxHeaderBytes = maxHeaderBytes
        server.tlsHandshakeTimeout = tlsHandshakeTimeout
        server.requestHeaderTimeout = requestHeaderTimeout
        server.bodyReadTimeout = bodyReadTimeout
        server.requestBodyTimeout = requestBodyTimeout
        server.minBodyBytesPerSecond = minBodyBytesPerSecond
        server.writeTimeout = writeTimeout
        server.responseWriteTimeout = responseWriteTimeout
        server.maxInflightBytes = maxInflightBytes
        server.keepAliveIdleTimeout = idleTimeout
        server.drainSeconds = drainSeconds
        server.shutdownGraceSeconds = shutdownGraceSeconds
        options.server = server

        // Handlers first, so a signal during start-up is not lost.
        let signals = try TerminationSignals()
        let process: WebhookProcess
        do {
            process = try WebhookProcess(options: options, logger: logger)
        } catch {
            logger.critical("webhook failed to start", metadata: ["error": "\(error)"])
            throw ExitCode(1)
        }
        let code = process.runUntilTerminated(signals: signals)
        if code != 0 { throw ExitCode(code) }
    }
}
