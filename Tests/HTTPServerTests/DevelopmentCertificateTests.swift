import Foundation
import XCTest
@testable import HTTPServer
@testable import TLS
@testable import Threads

/// The generated CA and serving certificate, checked by `openssl`, curl and Python's ssl module.
final class DevelopmentCertificateTests: XCTestCase {
    typealias Support = ServerPartsSupport
    var root = ""

    override func setUpWithError() throws { root = try Support.temporaryDirectory("devcert") }
    override func tearDown() { Support.remove(root) }

    func mode(_ path: String) throws -> Int {
        (try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? NSNumber)?.intValue ?? -1
    }

    func testGeneratedFilesVerifyAndCarryTheSANs() throws {
        let directory = root + "/nested/certs"
        let paths = try DevelopmentCertificate.generate(hosts: DevelopmentCertificate.defaultHosts, into: directory)
        XCTAssertEqual(paths.certPath, directory + "/tls.crt")
        XCTAssertEqual(paths.keyPath, directory + "/tls.key")
        XCTAssertEqual(paths.caPath, directory + "/ca.crt")
        XCTAssertEqual(try mode(directory), 0o700)
        XCTAssertEqual(try mode(root + "/nested"), 0o700)
        XCTAssertEqual(try mode(paths.keyPath), 0o600)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: directory).sorted(), ["ca.crt", "tls.crt", "tls.key"], "no temp files left")

        let key = String(decoding: try Support.read(paths.keyPath), as: UTF8.self)
        XCTAssertTrue(key.hasPrefix("-----BEGIN PRIVATE KEY-----"), "PKCS#8")
        let chain = String(decoding: try Support.read(paths.certPath), as: UTF8.self)
        XCTAssertEqual(chain.components(separatedBy: "-----BEGIN CERTIFICATE-----").count - 1, 2, "leaf + CA")

        let verify = try Support.openssl(["verify", "-purpose", "sslserver", "-CAfile", "ca.crt", "tls.crt"], in: directory)
        XCTAssertEqual(verify.stdout.trimmingCharacters(in: .whitespacesAndNewlines), "tls.crt: OK")

        let text = try Support.openssl(["x509", "-in", "tls.crt", "-noout", "-text"], in: directory).stdout
        for expected in ["DNS:localhost", "IP Address:127.0.0.1", "IP Address:0:0:0:0:0:0:0:1", "DNS:webhook-service,",
                         "DNS:webhook-service.ray-system,", "DNS:webhook-service.ray-system.svc,", "DNS:webhook-service.ray-system.svc.cluster.local",
                         "CA:FALSE", "TLS Web Server Authentication", "ecdsa-with-SHA256", "NIST CURVE: P-256",
                         "Issuer: O = ray-operator, CN = ray-operator development CA"] {
            XCTAssertTrue(text.contains(expected), "missing \(expected) in\n\(text)")
        }
        let caText = try Support.openssl(["x509", "-in", "ca.crt", "-noout", "-text"], in: directory).stdout
        XCTAssertTrue(caText.contains("CA:TRUE"), caText)
        XCTAssertTrue(caText.contains("Certificate Sign"), caText)

        // valid now and for ~365 days, not for 366
        try Support.openssl(["x509", "-in", "tls.crt", "-noout", "-checkend", String(364 * 86400)], in: directory)
        let expired = try Support.run("/usr/bin/env", ["openssl", "x509", "-in", "tls.crt", "-noout", "-checkend", String(366 * 86400)], currentDirectory: directory)
        XCTAssertNotEqual(expired.status, 0)

        let context = try TLSContext.load(TLSFiles(directory: directory))
        XCTAssertEqual(context.chainLength, 2)
    }

    func testRealClientsTrustItThroughTheCA() throws {
        let paths = try DevelopmentCertificate.generate(hosts: DevelopmentCertificate.defaultHosts, into: root + "/certs", validDays: 2)
        let context = try TLSContext.load(TLSFiles(certificatePath: paths.certPath, keyPath: paths.keyPath))
        let server = try Support.TinyTLSServer { context }
        defer { server.stop() }

        let curl = try Support.run("/usr/bin/env", ["curl", "-sS", "--max-time", "10", "--cacert", paths.caPath, "https://localhost:\(server.port)/"])
        XCTAssertEqual(curl.status, 0, curl.stderr)
        XCTAssertEqual(curl.stdout, "ok")

        // Python's ssl with hostname checking, for each in-cluster name (SNI + SAN match, CN ignored)
        for name in ["webhook-service.ray-system.svc", "webhook-service.ray-system.svc.cluster.local", "127.0.0.1"] {
            let script = """
            import socket, ssl, sys
            ctx = ssl.create_default_context(cafile=sys.argv[1])
            with socket.create_connection(("127.0.0.1", int(sys.argv[2])), timeout=10) as raw:
                with ctx.wrap_socket(raw, server_hostname=sys.argv[3]) as s:
                    s.sendall(b"GET / HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n")
                    print(s.version(), s.recv(1000).split(b"\\r\\n")[0].decode())
            """
            let python = try Support.run("/usr/bin/env", ["python3", "-c", script, paths.caPath, String(server.port), name])
            XCTAssertEqual(python.status, 0, python.stderr)
            XCTAssertEqual(python.stdout, "TLSv1.3 HTTP/1.1 200 OK\n", name)
        }
        // a name that is not in the SANs is refused by the client
        let wrong = try Support.run("/usr/bin/env", ["curl", "-sS", "--max-time", "10", "--cacert", paths.caPath,
                                                     "--resolve", "other.example:\(server.port):127.0.0.1", "https://other.example:\(server.port)/"])
        XCTAssertNotEqual(wrong.status, 0)
    }

    func testEachRunMakesFreshKeysAndOverwrites() throws {
        let directory = root + "/certs"
        let first = try DevelopmentCertificate.generate(hosts: ["localhost"], into: directory)
        let firstContext = try TLSContext.load(TLSFiles(certificatePath: first.certPath, keyPath: first.keyPath))
        let firstKey = try Support.read(first.keyPath)
        _ = try DevelopmentCertificate.generate(hosts: ["localhost"], into: directory)
        let secondContext = try TLSContext.load(TLSFiles(certificatePath: first.certPath, keyPath: first.keyPath))
        XCTAssertNotEqual(firstContext.fingerprint, secondContext.fingerprint)
        XCTAssertNotEqual(firstKey, try Support.read(first.keyPath))
        // serial numbers differ and are positive
        let serial1 = try Support.openssl(["x509", "-in", "ca.crt", "-noout", "-serial"], in: directory).stdout
        _ = try DevelopmentCertificate.generate(hosts: ["localhost"], into: directory)
        let serial2 = try Support.openssl(["x509", "-in", "ca.crt", "-noout", "-serial"], in: directory).stdout
        XCTAssertNotEqual(serial1, serial2)
        XCTAssertEqual(try mode(first.keyPath), 0o600)
    }

    func testInvalidInputsAreRefused() throws {
        for hosts in [[], [""], ["a,DNS:evil"], ["has space"], ["a\nb"], ["a..b"], [".a"], ["ünïcode"], [String(repeating: "a", count: 254)]] {
            XCTAssertThrowsError(try DevelopmentCertificate.generate(hosts: hosts, into: root + "/x"), "\(hosts)")
        }
        for days in [0, -1, DevelopmentCertificate.maxValidDays + 1, Int.max] {
            XCTAssertThrowsError(try DevelopmentCertificate.generate(hosts: ["localhost"], into: root + "/x", validDays: days), "\(days)")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: root + "/x/tls.key"), "nothing written on bad input")
        // a file where the directory should be
        try Support.write([1], to: root + "/file")
        XCTAssertThrowsError(try DevelopmentCertificate.generate(hosts: ["localhost"], into: root + "/file"))
        // wildcard and IPv6 forms are accepted
        XCTAssertNoThrow(try DevelopmentCertificate.generate(hosts: ["*.example.com", "fe80::1", "10.0.0.1"], into: root + "/y"))
    }
}
