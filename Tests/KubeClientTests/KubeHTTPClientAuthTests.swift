import Foundation
import JSON
import KubeClient
import TLS
import XCTest

/// Server verification and credentials against the real API server.
final class KubeHTTPClientAuthTests: APIServerTestCase {
    var directory: String!

    override func setUpWithError() throws {
        try super.setUpWithError()
        directory = NSTemporaryDirectory() + Self.uniqueName("kc-auth")
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        if let directory { try? FileManager.default.removeItem(atPath: directory) }
        try super.tearDownWithError()
    }

    func testServerCertificateIsCheckedAgainstTheIPAddress() throws {
        // the configuration dials 127.0.0.1: the certificate's IP SAN must match, and does
        XCTAssertTrue(isIPAddress(configuration.server.host), configuration.server.host)
        XCTAssertNoThrow(try client.list(.namespaces, namespace: nil, options: ListOptions(limit: 1)))

        // the same server, but the certificate is asked to name another host
        var renamed = configuration!
        renamed.tlsServerName = "not-the-api-server.example"
        let wrongName = try KubeHTTPClient(configuration: renamed, options: KubeClientOptions(qps: 0))
        assertKubeError(try wrongName.list(.namespaces, namespace: nil, options: ListOptions()), "wrong server name") { error in
            guard case .transport(let message) = error else { return false }
            return message.contains("verification failed") && message.contains("not-the-api-server.example")
        }
    }

    func testWrongCertificateAuthorityFailsClearly() throws {
        let other = try DevelopmentCertificate.generate(hosts: ["127.0.0.1"], into: directory + "/other-ca")
        var wrongCA = configuration!
        wrongCA.certificateAuthorityPEM = Array(try String(contentsOfFile: other.caPath, encoding: .utf8).utf8)
        let client = try KubeHTTPClient(configuration: wrongCA, options: KubeClientOptions(qps: 0))
        assertKubeError(try client.get(.namespaces, namespace: nil, name: "default"), "wrong CA") { error in
            guard case .transport(let message) = error else { return false }
            return message.contains("server certificate verification failed")
                && (message.contains("self-signed certificate") || message.contains("unable to get local issuer certificate"))
        }

        // insecure-skip-tls-verify connects anyway
        var insecure = configuration!
        insecure.certificateAuthorityPEM = nil
        insecure.insecureSkipTLSVerify = true
        let insecureClient = try KubeHTTPClient(configuration: insecure, options: KubeClientOptions(qps: 0))
        XCTAssertEqual(try insecureClient.get(.namespaces, namespace: nil, name: "default")["metadata"]?["name"]?.stringValue, "default")
    }

    func testRotatedTokenFileIsReadByTheNextRequest() throws {
        let token = try XCTUnwrap(configuration.bearerToken ?? configuration.bearerTokenFile.flatMap {
            try? String(contentsOfFile: $0, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        }, "the e2e kubeconfig authenticates with a token")
        let tokenPath = directory + "/token"
        try (token + "\n").write(toFile: tokenPath, atomically: true, encoding: .utf8)
        var fromFile = configuration!
        fromFile.bearerToken = "ignored-because-the-file-wins"
        fromFile.bearerTokenFile = tokenPath
        let client = try KubeHTTPClient(configuration: fromFile, options: KubeClientOptions(qps: 0))
        XCTAssertNoThrow(try client.get(.namespaces, namespace: nil, name: "default"))

        // replaced atomically (new inode, as the kubelet does): the very next request is refused
        try "wrong-token\n".write(toFile: tokenPath, atomically: true, encoding: .utf8)
        assertKubeError(try client.get(.namespaces, namespace: nil, name: "default"), "wrong token") {
            $0.status?.code == 401 && $0.status?.reason == "Unauthorized"
        }
        // rewritten in place (same inode, new size and mtime): the next request works again
        let handle = try XCTUnwrap(FileHandle(forWritingAtPath: tokenPath))
        try handle.truncate(atOffset: 0)
        try handle.write(contentsOf: Data((token + "\n").utf8))
        try handle.close()
        XCTAssertNoThrow(try client.get(.namespaces, namespace: nil, name: "default"))

        // a vanished token file is a clear configuration error, not a crash
        try FileManager.default.removeItem(atPath: tokenPath)
        assertKubeError(try client.get(.namespaces, namespace: nil, name: "default"), "missing token file") {
            guard case .configuration(let message) = $0 else { return false }
            return message.contains(tokenPath)
        }
    }

    func testNoCredentialsIsUnauthorized() throws {
        var anonymous = configuration!
        anonymous.bearerToken = nil
        anonymous.bearerTokenFile = nil
        let client = try KubeHTTPClient(configuration: anonymous, options: KubeClientOptions(qps: 0))
        assertKubeError(try client.get(.namespaces, namespace: nil, name: "default"), "anonymous") { $0.status?.code == 401 || $0.status?.code == 403 }
    }

    func testUnreachableServerFailsWithinTheConnectTimeout() throws {
        var nowhere = configuration!
        nowhere.server = ServerAddress(host: "127.0.0.1", port: 1)
        let client = try KubeHTTPClient(configuration: nowhere, options: KubeClientOptions(qps: 0, connectTimeout: 2))
        let started = Date()
        assertKubeError(try client.get(.namespaces, namespace: nil, name: "default"), "refused") { error in
            guard case .transport(let message) = error else { return false }
            return message.contains("127.0.0.1:1")
        }
        XCTAssertLessThan(Date().timeIntervalSince(started), 5)
    }
}
