import Foundation
#if canImport(Glibc)
import Glibc
#endif
import XCTest

/// One `ray-operator webhook` process on loopback with a certificate from certs/generate.sh, and the
/// CRD and webhook configurations registered against it with `url` client configs, in the cluster of
/// RAY_E2E_KUBECONFIG. Set up once for the suite; torn down by `stop()`.
final class LocalWebhook {
    let kubectl: Kubectl
    let workDir: URL
    let namespace: String
    let port: Int
    let healthPort: Int
    let metricsPort: Int
    let process: Process
    let logURL: URL
    let caBundle: String
    let certDir: URL
    /// Proxies started by `startRecordingProxy()`, stopped with the webhook: the API server may
    /// still call one for a while after the configuration that names it was replaced.
    private var proxies: [RecordingProxy] = []

    /// How long the webhook may take to answer /readyz after it starts.
    static let startTimeout: TimeInterval = 30
    /// How long the webhook may take to exit after SIGTERM before it is killed.
    static let stopTimeout: TimeInterval = 20

    init(kubeconfig: String) throws {
        kubectl = Kubectl(kubeconfig: kubeconfig)
        workDir = FileManager.default.temporaryDirectory.appendingPathComponent("ray-e2e-\(UUID().uuidString.prefix(8).lowercased())")
        try FileManager.default.createDirectory(at: workDir, withIntermediateDirectories: true)
        namespace = "ray-e2e-\(UUID().uuidString.prefix(8).lowercased())"
        port = try Self.freePort()
        healthPort = try Self.freePort()
        metricsPort = try Self.freePort()

        // A serving certificate for 127.0.0.1 from our own script.
        certDir = workDir.appendingPathComponent("certs")
        let made = try ProcessRunner.run(Paths.file("certs/generate.sh").path,
                                         ["-o", certDir.path, "--ip", "127.0.0.1", "--dns", "localhost"])
        guard made.succeeded else { throw E2EError("certs/generate.sh failed: \(made.stderr)") }
        caBundle = try Data(contentsOf: certDir.appendingPathComponent("ca.crt")).base64EncodedString()

        // The webhook, from the build products.
        let binary = try Paths.product("ray-operator")
        process = Process()
        process.executableURL = binary
        process.arguments = ["webhook", "--port", String(port), "--bind-address", "127.0.0.1", "--cert-dir", certDir.path,
                             "--metrics-bind-address", "127.0.0.1:\(metricsPort)",
                             "--health-probe-bind-address", "127.0.0.1:\(healthPort)"]
        logURL = workDir.appendingPathComponent("webhook.log")
        _ = FileManager.default.createFile(atPath: logURL.path, contents: nil)
        let log = try FileHandle(forWritingTo: logURL)
        process.standardOutput = log
        process.standardError = log
        process.standardInput = FileHandle.nullDevice
        try process.run()
    }

    var log: String { (try? String(contentsOf: logURL, encoding: .utf8)) ?? "" }

    /// Waits for /readyz, then installs the namespace, the CRD and both webhook configurations.
    func install() throws {
        let deadline = Date().addingTimeInterval(Self.startTimeout)
        var ready = false
        while Date() < deadline {
            guard process.isRunning else {
                throw E2EError("ray-operator webhook exited with status \(process.terminationStatus): \(log.suffix(2000))")
            }
            let probe = try ProcessRunner.run("curl", ["-s", "-o", "/dev/null", "-w", "%{http_code}", "--max-time", "2",
                                                       "http://127.0.0.1:\(healthPort)/readyz"])
            if probe.stdout == "200" { ready = true; break }
            usleep(200_000)
        }
        guard ready else { throw E2EError("ray-operator webhook not ready after \(Int(Self.startTimeout)) s: \(log.suffix(2000))") }

        let created = try kubectl.runRetrying(["create", "namespace", namespace])
        guard created.succeeded else { throw E2EError("create namespace: \(created.stderr)") }

        // The generated CRD, converting through our webhook.
        var crd = try manifestObject(file: Paths.file("config/crd/bases/ray.io_rayclusters.yaml"))
        var spec = crd["spec"] as? [String: Any] ?? [:]
        spec["conversion"] = [
            "strategy": "Webhook",
            "webhook": [
                "clientConfig": ["url": "https://127.0.0.1:\(port)/convert", "caBundle": caBundle],
                "conversionReviewVersions": ["v1"],
            ] as [String: Any],
        ] as [String: Any]
        crd["spec"] = spec
        try apply(crd, name: "crd")
        try Kubectl.waitUntil(timeout: 60, "the CRD to be Established") {
            let result = try kubectl.run(["get", "crd", "rayclusters.ray.io", "-o",
                                          "jsonpath={.status.conditions[?(@.type==\"Established\")].status}"])
            return result.stdout == "True"
        }

        try registerWebhooks()
    }

    /// Applies our webhook configurations (config/webhook), pointed at the local webhook with `url`
    /// client configs. `admissionReviewVersions` replaces the versions the manifests list;
    /// `through` points them at a proxy's port instead of the webhook's.
    func registerWebhooks(admissionReviewVersions: [String]? = nil, through proxyPort: Int? = nil) throws {
        let configurations = try manifestObject(file: Paths.file("config/webhook/manifests.yaml"))
        let items = (configurations["kind"] as? String == "List") ? (configurations["items"] as? [[String: Any]] ?? []) : [configurations]
        var seen = 0
        for var item in items where (item["kind"] as? String ?? "").hasSuffix("WebhookConfiguration") {
            var webhooks = item["webhooks"] as? [[String: Any]] ?? []
            for index in webhooks.indices {
                let path = JSON.at(webhooks[index], "clientConfig", "service", "path") as? String ?? "/"
                webhooks[index]["clientConfig"] = ["url": "https://127.0.0.1:\(proxyPort ?? port)\(path)", "caBundle": caBundle]
                if let admissionReviewVersions { webhooks[index]["admissionReviewVersions"] = admissionReviewVersions }
            }
            item["webhooks"] = webhooks
            try apply(item, name: "webhook-\(seen)")
            seen += 1
        }
        guard seen == 2 else { throw E2EError("config/webhook/manifests.yaml has \(seen) webhook configurations, expected 2") }
    }

    /// A proxy in front of this webhook that records the review versions passing through.
    func startRecordingProxy() throws -> RecordingProxy {
        let proxy = try RecordingProxy(workDir: workDir, certDir: certDir, upstreamPort: port)
        proxies.append(proxy)
        return proxy
    }

    private func apply(_ object: [String: Any], name: String) throws {
        let file = workDir.appendingPathComponent("\(name).json")
        try Data(try JSON.string(object).utf8).write(to: file)
        let result = try kubectl.runRetrying(["apply", "--server-side", "--force-conflicts", "--field-manager", "ray-e2e", "-f", file.path])
        guard result.succeeded else { throw E2EError("kubectl apply \(name): \(result.stderr)") }
    }

    /// Deletes what install() made (RayClusters first, while the conversion webhook still answers),
    /// then stops the webhook.
    func stop() {
        _ = try? kubectl.run(["delete", "namespace", namespace, "--wait=true", "--timeout=60s"])
        _ = try? kubectl.run(["delete", "validatingwebhookconfiguration", "vraycluster.ray.io", "--ignore-not-found"])
        _ = try? kubectl.run(["delete", "mutatingwebhookconfiguration", "mraycluster.ray.io", "--ignore-not-found"])
        _ = try? kubectl.run(["delete", "crd", "rayclusters.ray.io", "--ignore-not-found", "--wait=true", "--timeout=60s"])
        for proxy in proxies { proxy.stop() }
        if process.isRunning {
            process.terminate()  // SIGTERM: the graceful path (the webhook drains for up to 10 s)
            let deadline = Date().addingTimeInterval(Self.stopTimeout)
            while process.isRunning && Date() < deadline { usleep(50_000) }
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        }
        try? FileManager.default.removeItem(at: workDir)
    }

    /// A TCP port nobody listens on right now (bind to port 0, read it back, close).
    static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw E2EError("socket() failed") }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0 else { throw E2EError("bind() failed") }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let named = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        guard named == 0 else { throw E2EError("getsockname() failed") }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
