import Foundation
import XCTest

/// kubectl against the cluster of RAY_E2E_KUBECONFIG.
struct Kubectl {
    let kubeconfig: String

    /// Errors the API server returns while a webhook or the CRD is still coming up; anything else
    /// is an answer and is not retried.
    static let transientMarkers = [
        "connection refused", "no endpoints available", "failed calling webhook", "conversion webhook",
        "the server could not find the requested resource", "no matches for kind", "ServiceUnavailable",
        "the server is currently unable", "TLS handshake timeout", "i/o timeout", "EOF",
    ]
    /// How many times a transient failure is retried, and how long to wait between tries.
    static let maxAttempts = 15
    static let retryDelay: useconds_t = 1_000_000

    func run(_ arguments: [String], stdin: String? = nil) throws -> ProcessResult {
        try ProcessRunner.run("kubectl", arguments, stdin: stdin, environment: ["KUBECONFIG": kubeconfig])
    }

    /// Runs, retrying (bounded) while the failure looks transient; returns the last result.
    func runRetrying(_ arguments: [String], stdin: String? = nil, retryIf: (ProcessResult) -> Bool = Kubectl.isTransient) throws -> ProcessResult {
        var result = try run(arguments, stdin: stdin)
        var attempt = 1
        while !result.succeeded && attempt < Self.maxAttempts && retryIf(result) {
            usleep(Self.retryDelay)
            attempt += 1
            result = try run(arguments, stdin: stdin)
        }
        return result
    }

    static func isTransient(_ result: ProcessResult) -> Bool {
        transientMarkers.contains { result.stderr.contains($0) }
    }

    /// `kubectl get … -o json`, failing the test with kubectl's message when it fails.
    func getJSON(_ arguments: [String]) throws -> [String: Any] {
        let result = try runRetrying(["get"] + arguments + ["-o", "json"])
        guard result.succeeded else { throw E2EError("kubectl get \(arguments.joined(separator: " ")): \(result.stderr)") }
        return try JSON.object(result.stdout)
    }

    /// Polls until `condition` holds or `timeout` passes.
    static func waitUntil(timeout: TimeInterval, _ what: String, _ condition: () throws -> Bool) throws {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if try condition() { return }
            usleep(250_000)
        }
        throw E2EError("timed out after \(Int(timeout)) s waiting for \(what)")
    }
}
