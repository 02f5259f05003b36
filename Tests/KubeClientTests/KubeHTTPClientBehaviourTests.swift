import Foundation
import JSON
import KubeClient
import Metrics
import XCTest

/// What the client does with answers a real API server gives only now and then: throttling,
/// kept-alive connections closed under it, silence, cut bodies. Against a scripted HTTPS server.
final class KubeHTTPClientBehaviourTests: XCTestCase {
    var directory: String!
    var server: ScriptedHTTPSServer?

    static let pod = #"{"kind":"Pod","apiVersion":"v1","metadata":{"name":"p","namespace":"ns"}}"#

    override func setUpWithError() throws {
        directory = NSTemporaryDirectory() + "kc-behaviour-\(UUID().uuidString)"
    }

    override func tearDownWithError() throws {
        server?.stop()
        try? FileManager.default.removeItem(atPath: directory)
    }

    func start(_ handler: @escaping @Sendable (ScriptedHTTPSServer.Request, Int) -> ScriptedHTTPSServer.Reply) throws -> ScriptedHTTPSServer {
        let made = try ScriptedHTTPSServer(directory: directory, handler: handler)
        server = made
        return made
    }

    func client(_ server: ScriptedHTTPSServer, options: KubeClientOptions = KubeClientOptions(qps: 0), metrics: MetricsRegistry? = nil,
                token: String? = "secret-token") throws -> KubeHTTPClient {
        let configuration = KubeConfiguration(server: ServerAddress(host: "127.0.0.1", port: server.port),
                                              certificateAuthorityPEM: server.certificateAuthorityPEM, bearerToken: token)
        return try KubeHTTPClient(configuration: configuration, options: options, metrics: metrics)
    }

    func testRetryAfterIsHonouredAndBounded() throws {
        let server = try start { _, index in
            index < 2 ? .send(ScriptedHTTPSServer.json("429 Too Many Requests",
                                                       #"{"kind":"Status","code":429,"reason":"TooManyRequests","message":"slow down"}"#,
                                                       extra: "Retry-After: 0\r\n"), close: false)
                      : .send(ScriptedHTTPSServer.json("200 OK", Self.pod), close: false)
        }
        let registry = MetricsRegistry()
        let client = try client(server, metrics: registry)
        XCTAssertEqual(try client.get(.pods, namespace: "ns", name: "p")["metadata"]?["name"]?.stringValue, "p")
        XCTAssertEqual(server.requests.count, 3)
        let text = registry.render()
        XCTAssertTrue(text.contains("rest_client_requests_total{code=\"429\",host=\"127.0.0.1:\(server.port)\",method=\"GET\"} 2"), text)
        XCTAssertTrue(text.contains("rest_client_requests_total{code=\"200\",host=\"127.0.0.1:\(server.port)\",method=\"GET\"} 1"), text)
    }

    func testRetriesStopAtTheLimitWithTheLastAnswer() throws {
        let server = try start { _, _ in
            .send(ScriptedHTTPSServer.json("503 Service Unavailable", #"{"kind":"Status","code":503,"reason":"ServiceUnavailable","message":"busy"}"#,
                                           extra: "Retry-After: 0\r\n"), close: false)
        }
        let client = try client(server, options: KubeClientOptions(qps: 0, maxRetries: 3))
        assertKubeError(try client.create(.pods, namespace: "ns", object: ["metadata": ["name": "p"]]), "always busy") {
            $0.status?.code == 503 && $0.status?.message == "busy" && $0.status?.retryAfterSeconds == 0
        }
        XCTAssertEqual(server.requests.count, 4, "one attempt and three retries")
    }

    func testNoRetryWithoutRetryAfter() throws {
        let server = try start { _, _ in .send("HTTP/1.1 502 Bad Gateway\r\nContent-Length: 21\r\n\r\n<html>proxy down</html>", close: false) }
        let client = try client(server)
        assertKubeError(try client.get(.pods, namespace: "ns", name: "p"), "502") {
            $0.status?.code == 502 && $0.status?.reason == "InternalError" && ($0.status?.message.contains("<html>proxy down") ?? false)
        }
        XCTAssertEqual(server.requests.count, 1)
    }

    func testReusedConnectionClosedUnderTheRequestIsRetriedOnceForIdempotentCalls() throws {
        // the second request arrives on the kept-alive connection, which the server then drops
        let server = try start { request, index in
            index == 1 ? .closeWithoutAnswer : .send(ScriptedHTTPSServer.json("200 OK", Self.pod), close: false)
        }
        let client = try client(server)
        XCTAssertNoThrow(try client.get(.pods, namespace: "ns", name: "p"))
        XCTAssertNoThrow(try client.get(.pods, namespace: "ns", name: "p"))
        XCTAssertEqual(server.requests.map(\.connection), [0, 0, 1], "resent once, on a fresh connection")
    }

    func testNonIdempotentCallsAreNotResent() throws {
        let server = try start { _, index in
            index == 1 ? .closeWithoutAnswer : .send(ScriptedHTTPSServer.json("201 Created", Self.pod), close: false)
        }
        let client = try client(server)
        XCTAssertNoThrow(try client.create(.pods, namespace: "ns", object: ["metadata": ["name": "p"]]))
        assertKubeError(try client.create(.pods, namespace: "ns", object: ["metadata": ["name": "p"]]), "POST on a dropped connection") {
            guard case .transport = $0 else { return false }
            return true
        }
        XCTAssertEqual(server.requests.count, 2, "a POST may have been processed: it is not sent again")
    }

    func testConnectionCloseAndServerClosedIdleConnectionsAreNotReused() throws {
        let server = try start { _, index in
            switch index {
            case 0: return .send(ScriptedHTTPSServer.json("200 OK", Self.pod, extra: "Connection: close\r\n"), close: true)
            case 1: return .send(ScriptedHTTPSServer.json("200 OK", Self.pod), close: true)   // closes without saying so
            default: return .send(ScriptedHTTPSServer.json("200 OK", Self.pod), close: false)
            }
        }
        let client = try client(server)
        XCTAssertNoThrow(try client.get(.pods, namespace: "ns", name: "p"))
        XCTAssertEqual(client.idleConnectionCount, 0, "Connection: close is honoured")
        XCTAssertNoThrow(try client.get(.pods, namespace: "ns", name: "p"))
        XCTAssertNoThrow(try client.get(.pods, namespace: "ns", name: "p"))
        XCTAssertEqual(server.requests.map(\.connection), [0, 1, 2])
        XCTAssertNoThrow(try client.get(.pods, namespace: "ns", name: "p"))
        XCTAssertEqual(server.requests.map(\.connection), [0, 1, 2, 2], "a healthy connection is reused")
    }

    func testSilentServerTimesOut() throws {
        let server = try start { _, _ in .hang }
        let client = try client(server, options: KubeClientOptions(qps: 0, requestTimeout: 0.5))
        let started = Date()
        assertKubeError(try client.get(.pods, namespace: "ns", name: "p"), "silence") {
            guard case .transport(let message) = $0 else { return false }
            return message.contains("timed out")
        }
        XCTAssertLessThan(Date().timeIntervalSince(started), 5)
        XCTAssertEqual(server.requests.count, 1, "a fresh connection's timeout is not retried")
    }

    func testCutBodyIsATransportErrorAndBadJSONAProtocolViolation() throws {
        let server = try start { _, index in
            index == 0 ? .send("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{\"kind\":", close: true)
                       : .send(ScriptedHTTPSServer.json("200 OK", "{not json"), close: false)
        }
        let client = try client(server)
        assertKubeError(try client.get(.pods, namespace: "ns", name: "p"), "cut body") {
            guard case .transport(let message) = $0 else { return false }
            return message.contains("bytes of the body missing")
        }
        assertKubeError(try client.get(.pods, namespace: "ns", name: "p"), "bad JSON") {
            guard case .protocolViolation(let message) = $0 else { return false }
            return message.contains("not valid JSON")
        }
    }

    func testRequestsCarryTheRightHeadersAndBodies() throws {
        let server = try start { request, _ in
            request.requestLine.hasPrefix("DELETE") ? .send(ScriptedHTTPSServer.json("200 OK", #"{"kind":"Status","status":"Success"}"#), close: false)
                                                    : .send(ScriptedHTTPSServer.json("200 OK", Self.pod), close: false)
        }
        let client = try client(server)
        _ = try client.mergePatch(.pods, namespace: "ns", name: "p", patch: ["metadata": ["labels": ["a": "b"]]], subresource: "status")
        try client.delete(.pods, namespace: "ns", name: "p", options: DeleteOptions(propagationPolicy: "Background", preconditionUID: "uid-1"))
        try client.deleteCollection(.pods, namespace: "ns", labelSelector: "ray.io/cluster=c", options: DeleteOptions())
        let requests = server.requests
        XCTAssertEqual(requests.map(\.requestLine), [
            "PATCH /api/v1/namespaces/ns/pods/p/status HTTP/1.1",
            "DELETE /api/v1/namespaces/ns/pods/p HTTP/1.1",
            "DELETE /api/v1/namespaces/ns/pods?labelSelector=ray.io%2Fcluster%3Dc HTTP/1.1",
        ])
        XCTAssertEqual(requests[0].header("content-type"), "application/merge-patch+json")
        XCTAssertEqual(String(decoding: requests[0].body, as: UTF8.self), #"{"metadata":{"labels":{"a":"b"}}}"#)
        XCTAssertEqual(String(decoding: requests[1].body, as: UTF8.self),
                       #"{"kind":"DeleteOptions","apiVersion":"v1","propagationPolicy":"Background","preconditions":{"uid":"uid-1"}}"#)
        for request in requests {
            XCTAssertEqual(request.header("authorization"), "Bearer secret-token")
            XCTAssertEqual(request.header("user-agent"), "ray-operator")
            XCTAssertEqual(request.header("host"), "127.0.0.1:\(server.port)")
            XCTAssertNil(request.header("accept-encoding"))
        }
    }

    func testWatchIdleTimeoutAndMalformedStream() throws {
        let server = try start { request, index in
            let head = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
            let event = #"{"type":"ADDED","object":{"kind":"Pod","metadata":{"name":"a"}}}"# + "\n"
            if index == 0 {
                // one event split over two chunks, then silence
                let half = event.utf8.count / 2
                let first = String(event.prefix(half)), second = String(event.dropFirst(half))
                return .send(head + String(first.utf8.count, radix: 16) + "\r\n" + first + "\r\n"
                             + String(second.utf8.count, radix: 16) + "\r\n" + second + "\r\n", close: false)
            }
            return .send(head + "5\r\nnope\n\r\n0\r\n\r\n", close: false)
        }
        let client = try client(server, options: KubeClientOptions(qps: 0, watchIdleMargin: 0.3))
        let stream = try client.watch(.pods, namespace: "ns", options: WatchOptions(timeoutSeconds: 1))
        XCTAssertEqual(try stream.next()?.object["metadata"]?["name"]?.stringValue, "a")
        let started = Date()
        XCTAssertThrowsError(try stream.next()) { error in
            guard case .transport(let message)? = error as? KubeError else { return XCTFail("\(error)") }
            XCTAssertTrue(message.contains("idle timeout of 1.3 s"), message)
        }
        XCTAssertLessThan(Date().timeIntervalSince(started), 5)
        XCTAssertThrowsError(try stream.next(), "a failed stream keeps failing")
        XCTAssertTrue(server.requests[0].requestLine.contains("watch=1") && server.requests[0].requestLine.contains("timeoutSeconds=1"))

        let bad = try client.watch(.pods, namespace: "ns", options: WatchOptions())
        XCTAssertThrowsError(try bad.next()) { error in
            guard case .protocolViolation(let message)? = error as? KubeError else { return XCTFail("\(error)") }
            XCTAssertTrue(message.contains("not valid JSON"), message)
        }
    }

    func testClientSideRateLimit() throws {
        let server = try start { _, _ in .send(ScriptedHTTPSServer.json("200 OK", Self.pod), close: false) }
        let client = try client(server, options: KubeClientOptions(qps: 20, burst: 2))
        let started = Date()
        for _ in 0..<6 { _ = try client.get(.pods, namespace: "ns", name: "p") }
        // two from the burst, then four at 20 per second
        XCTAssertGreaterThanOrEqual(Date().timeIntervalSince(started), 0.19)
    }

    func testClosedClientRefusesCalls() throws {
        let server = try start { _, _ in .send(ScriptedHTTPSServer.json("200 OK", Self.pod), close: false) }
        let client = try client(server)
        _ = try client.get(.pods, namespace: "ns", name: "p")
        client.close()
        XCTAssertEqual(client.idleConnectionCount, 0)
        assertKubeError(try client.get(.pods, namespace: "ns", name: "p"), "after close") { $0 == .cancelled }
    }

    /// Runs openssl (for a client certificate: the development certificate is a server certificate).
    func openssl(_ arguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw XCTSkip("openssl \(arguments.first ?? "") failed") }
    }

    func testClientCertificateAuthentication() throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/openssl") else { throw XCTSkip("no openssl binary") }
        let pki = directory + "/client-pki"
        try FileManager.default.createDirectory(atPath: pki, withIntermediateDirectories: true)
        try "extendedKeyUsage=clientAuth\nkeyUsage=critical,digitalSignature\n".write(toFile: pki + "/client.ext", atomically: true, encoding: .utf8)
        try openssl(["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "1",
                     "-subj", "/CN=client-ca", "-keyout", pki + "/ca.key", "-out", pki + "/ca.crt"])
        try openssl(["req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-subj", "/CN=ray-operator/O=system:masters",
                     "-keyout", pki + "/client.key", "-out", pki + "/client.csr"])
        try openssl(["x509", "-req", "-in", pki + "/client.csr", "-CA", pki + "/ca.crt", "-CAkey", pki + "/ca.key", "-CAcreateserial",
                     "-days", "1", "-extfile", pki + "/client.ext", "-out", pki + "/client.crt"])
        let server = try ScriptedHTTPSServer(directory: directory + "/server", clientCAPath: pki + "/ca.crt") { _, _ in
            .send(ScriptedHTTPSServer.json("200 OK", Self.pod), close: false)
        }
        self.server = server
        var configuration = KubeConfiguration(server: ServerAddress(host: "127.0.0.1", port: server.port),
                                              certificateAuthorityPEM: server.certificateAuthorityPEM)
        let anonymous = try KubeHTTPClient(configuration: configuration, options: KubeClientOptions(qps: 0))
        assertKubeError(try anonymous.get(.pods, namespace: "ns", name: "p"), "no client certificate") {
            guard case .transport = $0 else { return false }
            return true
        }
        configuration.clientCertificatePEM = Array(try String(contentsOfFile: pki + "/client.crt", encoding: .utf8).utf8)
        configuration.clientKeyPEM = Array(try String(contentsOfFile: pki + "/client.key", encoding: .utf8).utf8)
        let authenticated = try KubeHTTPClient(configuration: configuration, options: KubeClientOptions(qps: 0))
        XCTAssertEqual(try authenticated.get(.pods, namespace: "ns", name: "p")["metadata"]?["name"]?.stringValue, "p")
        XCTAssertNil(server.requests.last?.header("authorization"), "no token configured, none sent")
    }

    func testUnusableCredentialsFailAtConstruction() {
        let bad = KubeConfiguration(server: ServerAddress(host: "127.0.0.1", port: 1), certificateAuthorityPEM: Array("not a certificate".utf8))
        XCTAssertThrowsError(try KubeHTTPClient(configuration: bad)) { error in
            guard case .configuration(let message)? = error as? KubeError else { return XCTFail("\(error)") }
            XCTAssertTrue(message.contains("certificate authority"), message)
        }
        let keyOnly = KubeConfiguration(server: ServerAddress(host: "127.0.0.1", port: 1), clientKeyPEM: Array("x".utf8))
        XCTAssertThrowsError(try KubeHTTPClient(configuration: keyOnly))
    }
}
