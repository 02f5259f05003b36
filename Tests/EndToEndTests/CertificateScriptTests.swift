import Foundation
import XCTest

/// certs/generate.sh makes what a webhook needs: ECDSA P-256, the names in SANs (not CN), a chain.
final class CertificateScriptTests: XCTestCase {
    func makeDirectory() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("certs-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: dir) }
        return dir
    }

    func openssl(_ arguments: [String]) throws -> ProcessResult {
        guard ProcessRunner.commandExists("openssl") else { throw Prerequisite.missing("openssl is not installed") }
        return try ProcessRunner.run("openssl", arguments)
    }

    func testServingCertificateHasSANsChainAndP256() throws {
        let dir = try makeDirectory()
        let made = try ProcessRunner.run(Paths.file("certs/generate.sh").path,
                                         ["-o", dir.path, "--dns", "webhook.example.test", "--dns", "localhost", "--ip", "127.0.0.1"])
        XCTAssertTrue(made.succeeded, made.stderr)
        for file in ["tls.crt", "tls.key", "ca.crt", "ca.key"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: dir.appendingPathComponent(file).path), file)
        }
        let chain = try String(contentsOf: dir.appendingPathComponent("tls.crt"), encoding: .utf8)
        XCTAssertEqual(chain.components(separatedBy: "BEGIN CERTIFICATE").count - 1, 2, "tls.crt holds the leaf and the CA")
        let text = try openssl(["x509", "-in", dir.appendingPathComponent("tls.crt").path, "-noout", "-text"])
        XCTAssertTrue(text.succeeded, text.stderr)
        XCTAssertTrue(text.stdout.contains("DNS:webhook.example.test"), text.stdout)
        XCTAssertTrue(text.stdout.contains("IP Address:127.0.0.1"), text.stdout)
        XCTAssertTrue(text.stdout.contains("prime256v1") || text.stdout.contains("P-256"), text.stdout)
        XCTAssertTrue(text.stdout.contains("TLS Web Server Authentication"), text.stdout)
        XCTAssertFalse(text.stdout.contains("CN = webhook.example.test"), "the CN must not carry the host name")
        let verify = try openssl(["verify", "-CAfile", dir.appendingPathComponent("ca.crt").path,
                                  "-verify_hostname", "webhook.example.test", dir.appendingPathComponent("tls.crt").path])
        XCTAssertTrue(verify.succeeded, verify.combined)
        let wrongName = try openssl(["verify", "-CAfile", dir.appendingPathComponent("ca.crt").path,
                                     "-verify_hostname", "other.example.test", dir.appendingPathComponent("tls.crt").path])
        XCTAssertFalse(wrongName.succeeded, "a name not in the SANs must not verify")
        // The key matches the certificate.
        let keyPub = try openssl(["pkey", "-in", dir.appendingPathComponent("tls.key").path, "-pubout"])
        let certPub = try openssl(["x509", "-in", dir.appendingPathComponent("tls.crt").path, "-noout", "-pubkey"])
        XCTAssertEqual(keyPub.stdout, certPub.stdout)
    }

    func testRerunKeepsTheCAUnlessAskedForANewOne() throws {
        let dir = try makeDirectory()
        let script = Paths.file("certs/generate.sh").path
        XCTAssertTrue(try ProcessRunner.run(script, ["-o", dir.path]).succeeded)
        let ca1 = try Data(contentsOf: dir.appendingPathComponent("ca.crt"))
        let leaf1 = try Data(contentsOf: dir.appendingPathComponent("tls.crt"))
        XCTAssertTrue(try ProcessRunner.run(script, ["-o", dir.path]).succeeded)
        XCTAssertEqual(try Data(contentsOf: dir.appendingPathComponent("ca.crt")), ca1, "the registered caBundle stays valid")
        XCTAssertNotEqual(try Data(contentsOf: dir.appendingPathComponent("tls.crt")), leaf1)
        XCTAssertTrue(try ProcessRunner.run(script, ["-o", dir.path, "--new-ca"]).succeeded)
        XCTAssertNotEqual(try Data(contentsOf: dir.appendingPathComponent("ca.crt")), ca1)
        // Defaults cover the in-cluster Service names and loopback.
        let text = try openssl(["x509", "-in", dir.appendingPathComponent("tls.crt").path, "-noout", "-ext", "subjectAltName"])
        XCTAssertTrue(text.stdout.contains("DNS:webhook-service.ray-system.svc"), text.stdout)
        XCTAssertTrue(text.stdout.contains("DNS:webhook-service.ray-system.svc.cluster.local"), text.stdout)
        XCTAssertTrue(text.stdout.contains("IP Address:127.0.0.1"), text.stdout)
    }

    func testRejectsBadArguments() throws {
        let result = try ProcessRunner.run(Paths.file("certs/generate.sh").path, ["--days", "many"])
        XCTAssertEqual(result.status, 2)
        let unknown = try ProcessRunner.run(Paths.file("certs/generate.sh").path, ["--bogus"])
        XCTAssertEqual(unknown.status, 2)
    }

    /// A real TLS server (openssl s_server) with the generated files is trusted by a real client
    /// (curl) through ca.crt for the names in the SANs, and only for those.
    func testRealTLSClientTrustsTheChain() throws {
        guard ProcessRunner.commandExists("curl"), ProcessRunner.commandExists("openssl") else { throw Prerequisite.missing("needs curl and openssl") }
        let dir = try makeDirectory()
        XCTAssertTrue(try ProcessRunner.run(Paths.file("certs/generate.sh").path,
                                            ["-o", dir.path, "--ip", "127.0.0.1", "--dns", "webhook.example.test"]).succeeded)
        let port = try LocalWebhook.freePort()
        let server = Process()
        server.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        server.arguments = ["openssl", "s_server", "-accept", "127.0.0.1:\(port)", "-www", "-naccept", "3",
                            "-cert", dir.appendingPathComponent("tls.crt").path, "-key", dir.appendingPathComponent("tls.key").path]
        server.standardOutput = FileHandle.nullDevice
        server.standardError = FileHandle.nullDevice
        server.standardInput = FileHandle.nullDevice
        try server.run()
        defer { if server.isRunning { server.terminate() }; server.waitUntilExit() }
        let ca = dir.appendingPathComponent("ca.crt").path
        func get(_ url: String, _ extra: [String] = []) throws -> ProcessResult {
            try ProcessRunner.run("curl", ["-s", "-o", "/dev/null", "-w", "%{http_code}", "--max-time", "5", "--cacert", ca] + extra + [url])
        }
        var byIP = try get("https://127.0.0.1:\(port)/")
        let deadline = Date().addingTimeInterval(30)
        while byIP.stdout != "200" && server.isRunning && Date() < deadline {  // the server may still be starting
            usleep(100_000)
            byIP = try get("https://127.0.0.1:\(port)/")
        }
        XCTAssertEqual(byIP.stdout, "200", byIP.stderr)
        let byName = try get("https://webhook.example.test:\(port)/", ["--resolve", "webhook.example.test:\(port):127.0.0.1"])
        XCTAssertEqual(byName.stdout, "200", byName.stderr)
        let wrongName = try get("https://other.example.test:\(port)/", ["--resolve", "other.example.test:\(port):127.0.0.1"])
        XCTAssertNotEqual(wrongName.stdout, "200", "a name outside the SANs must fail verification")
        XCTAssertNotEqual(wrongName.status, 0)
    }
}
