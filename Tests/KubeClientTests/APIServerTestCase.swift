import Foundation
import JSON
import KubeClient
import XCTest

/// Base of the tests that run against the real API server of RAY_E2E_KUBECONFIG (skipped when it
/// is unset). Each test gets a fresh client and a namespace of its own, deleted afterwards.
class APIServerTestCase: XCTestCase {
    var configuration: KubeConfiguration!
    var client: KubeHTTPClient!
    var namespace: String!

    static var kubeconfigPath: String? {
        ProcessInfo.processInfo.environment["RAY_E2E_KUBECONFIG"].flatMap { $0.isEmpty ? nil : $0 }
    }

    override func setUpWithError() throws {
        guard let path = Self.kubeconfigPath else { throw XCTSkip("RAY_E2E_KUBECONFIG is not set") }
        configuration = try KubeConfiguration.fromKubeconfigFile(path)
        client = try KubeHTTPClient(configuration: configuration, options: KubeClientOptions(qps: 0))
        namespace = Self.uniqueName("kc")
        _ = try client.create(.namespaces, namespace: nil, object: ["apiVersion": "v1", "kind": "Namespace",
                                                                    "metadata": ["name": .string(namespace)]])
    }

    override func tearDownWithError() throws {
        if let client, let namespace {
            try? client.delete(.namespaces, namespace: nil, name: namespace, options: DeleteOptions(propagationPolicy: "Background"))
            client.close()
        }
    }

    /// `prefix-` plus 10 random lowercase hex digits: a valid DNS label, unique per run.
    static func uniqueName(_ prefix: String) -> String {
        var generator = SystemRandomNumberGenerator()
        let digits = Array("0123456789abcdef")
        return prefix + "-" + String((0..<10).map { _ in digits[Int(generator.next() % 16)] })
    }

    /// Polls `condition` every 50 ms until it holds; fails the test after `timeout` seconds.
    func waitUntil(_ what: String, timeout: Double = 30, file: StaticString = #filePath, line: UInt = #line,
                   _ condition: () throws -> Bool) rethrows {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if try condition() { return }
            usleep(50_000)
        }
        XCTFail("timed out after \(timeout) s waiting for \(what)", file: file, line: line)
    }

    func pod(_ name: String, labels: [String: String] = [:]) -> JSONValue {
        var labelObject = JSONObject()
        for (key, value) in labels.sorted(by: { $0.key < $1.key }) { labelObject[key] = .string(value) }
        return ["apiVersion": "v1", "kind": "Pod",
                "metadata": ["name": .string(name), "labels": .object(labelObject)],
                "spec": ["containers": [["name": "main", "image": "busybox:1.36"]]]]
    }

    /// Whether the object exists (a NotFound answer is false; any other failure fails the test).
    func exists(_ resource: KubeResource, _ name: String, file: StaticString = #filePath, line: UInt = #line) -> Bool {
        do {
            _ = try client.get(resource, namespace: namespace, name: name)
            return true
        } catch {
            if !error.isNotFound { XCTFail("get \(name): \(error)", file: file, line: line) }
            return false
        }
    }

    func names(_ list: JSONValue) -> [String] {
        (list["items"]?.arrayValue ?? []).compactMap { $0["metadata"]?["name"]?.stringValue }.sorted()
    }
}

extension XCTestCase {
    /// Runs `body`, failing the test unless it throws a KubeError matching `check`.
    func assertKubeError<T>(_ body: @autoclosure () throws(KubeError) -> T, _ what: String,
                            file: StaticString = #filePath, line: UInt = #line, _ check: (KubeError) -> Bool) {
        do {
            _ = try body()
            XCTFail("\(what): expected an error", file: file, line: line)
        } catch {
            XCTAssertTrue(check(error), "\(what): unexpected error \(error)", file: file, line: line)
        }
    }
}
