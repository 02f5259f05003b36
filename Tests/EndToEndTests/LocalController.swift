import Foundation
#if canImport(Glibc)
import Glibc
#endif
import XCTest

/// One `ray-operator controller` process against the cluster of RAY_E2E_KUBECONFIG, on free
/// loopback ports for its probes and metrics.
final class LocalController {
    let kubeconfig: String
    let healthPort: Int
    let metricsPort: Int
    let process: Process
    let logURL: URL
    let name: String

    static let startTimeout: TimeInterval = 60
    static let stopTimeout: TimeInterval = 30

    init(kubeconfig: String, name: String = "controller", arguments: [String] = []) throws {
        self.kubeconfig = kubeconfig
        self.name = name
        healthPort = try LocalWebhook.freePort()
        metricsPort = try LocalWebhook.freePort()
        let binary = try Paths.product("ray-operator")
        process = Process()
        process.executableURL = binary
        process.arguments = ["controller", "--kubeconfig", kubeconfig,
                             "--metrics-bind-address", "127.0.0.1:\(metricsPort)",
                             "--health-probe-bind-address", "127.0.0.1:\(healthPort)"] + arguments
        logURL = FileManager.default.temporaryDirectory.appendingPathComponent("ray-e2e-\(name)-\(UUID().uuidString.prefix(8)).log")
        _ = FileManager.default.createFile(atPath: logURL.path, contents: nil)
        let log = try FileHandle(forWritingTo: logURL)
        process.standardOutput = log
        process.standardError = log
        process.standardInput = FileHandle.nullDevice
        try process.run()
    }

    var log: String { (try? String(contentsOf: logURL, encoding: .utf8)) ?? "" }

    /// Waits for /readyz (the informer caches are synced).
    func waitReady() throws {
        try Kubectl.waitUntil(timeout: Self.startTimeout, "\(name) /readyz") {
            guard process.isRunning else {
                throw E2EError("\(name) exited with status \(process.terminationStatus): \(log.suffix(3000))")
            }
            let probe = try ProcessRunner.run("curl", ["-s", "-o", "/dev/null", "-w", "%{http_code}", "--max-time", "2",
                                                       "http://127.0.0.1:\(healthPort)/readyz"])
            return probe.stdout == "200"
        }
    }

    func metrics() throws -> String {
        let result = try ProcessRunner.run("curl", ["-s", "--max-time", "5", "http://127.0.0.1:\(metricsPort)/metrics"])
        guard result.succeeded else { throw E2EError("\(name) /metrics: \(result.stderr)") }
        return result.stdout
    }

    /// The value of one series (exact label text as rendered), 0 when absent.
    func metric(_ series: String) throws -> Double {
        let text = try metrics()
        for line in text.split(separator: "\n") where line.hasPrefix(series + " ") {
            return Double(line.dropFirst(series.count + 1)) ?? 0
        }
        return 0
    }

    /// Sum of every series of `name` whose labels contain all of `labels` (`key="value"` texts).
    func sum(_ name: String, where labels: [String] = []) throws -> Double {
        var total = 0.0
        for line in try metrics().split(separator: "\n") where line.hasPrefix(name + "{") || line.hasPrefix(name + " ") {
            guard labels.allSatisfy({ line.contains($0) }), let space = line.lastIndex(of: " ") else { continue }
            total += Double(line[line.index(after: space)...]) ?? 0
        }
        return total
    }

    /// Writes (create, update, patch, delete, deletecollection) the controller made so far.
    func writes() throws -> Double {
        var total = 0.0
        for verb in ["create", "update", "patch", "delete", "deletecollection"] {
            total += try sum("ray_operator_api_calls_total", where: ["verb=\"\(verb)\""])
        }
        return total
    }

    func signal(_ number: Int32) { kill(process.processIdentifier, number) }

    /// SIGTERM and wait (SIGKILL after the timeout).
    func stop() {
        if process.isRunning {
            process.terminate()
            let deadline = Date().addingTimeInterval(Self.stopTimeout)
            while process.isRunning && Date() < deadline { usleep(50_000) }
            if process.isRunning { kill(process.processIdentifier, SIGCONT); kill(process.processIdentifier, SIGKILL) }
        }
    }
}
