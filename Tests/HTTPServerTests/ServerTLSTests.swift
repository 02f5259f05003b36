import Foundation
import XCTest
@testable import HTTPServer
@testable import TLS
@testable import Threads

/// TLS behaviour with `openssl s_client` and Python's ssl module, and hostile bytes on the TLS port.
final class ServerTLSTests: XCTestCase {
    var test: ServerUnderTest!

    override func setUpWithError() throws {
        test = try ServerUnderTest()
    }

    override func tearDown() {
        test?.stop()
    }

    private func sClient(_ extra: [String], input: String = "") -> ServerProcessResult {
        // -ign_eof: keep reading after stdin ends, until the server closes (the requests say `Connection: close`).
        runProcess(["openssl", "s_client", "-ign_eof", "-connect", "127.0.0.1:\(test.port)", "-servername", "localhost"] + extra,
                   stdin: Data(input.utf8), timeout: 15)
    }

    func testALPNHttp11IsNegotiatedOverTLS13() {
        let result = sClient(["-alpn", "http/1.1"], input: "GET /hello HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        XCTAssertTrue(result.stdout.contains("ALPN protocol: http/1.1"), result.stdout)
        XCTAssertTrue(result.stdout.contains("TLSv1.3"), result.stdout)
        XCTAssertTrue(result.stdout.contains("hello"), result.stdout)
    }

    func testALPNH2AloneIsRefused() {
        let result = sClient(["-alpn", "h2"])
        XCTAssertFalse(result.stdout.contains("ALPN protocol: h2"), result.stdout)
        XCTAssertTrue(result.stderr.contains("alert") || result.stdout.contains("no peer certificate available"),
                      "expected a handshake failure, got:\n\(result.stdout)\n\(result.stderr)")
    }

    func testTLS11IsRefusedAndTLS12Works() {
        let old = sClient(["-tls1_1"])
        XCTAssertNotEqual(old.status, 0)
        XCTAssertFalse(old.stdout.contains("Cipher is ECDHE"), old.stdout)
        let v12 = sClient(["-tls1_2"], input: "GET /hello HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        XCTAssertTrue(v12.stdout.contains("TLSv1.2"), v12.stdout)
        XCTAssertTrue(v12.stdout.contains("hello"), v12.stdout)
        XCTAssertGreaterThanOrEqual(test.server.stats.tlsHandshakeFailures.load(ordering: .relaxed), 1)
    }

    func testNoSessionTicketIsIssued() {
        let result = sClient(["-tls1_2"], input: "GET /hello HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        XCTAssertTrue(result.stdout.contains("hello"), result.stdout)
        XCTAssertFalse(result.stdout.contains("TLS session ticket:"), result.stdout)
    }

    func testGarbageTruncatedHelloAndPlainHTTPAreClosedCleanly() {
        let result = runPython(serverPythonPrelude + """
        import random
        random.seed(7)
        outcomes = []
        # 1. random garbage
        for i in range(20):
            s = connect(tls=False)
            s.sendall(bytes(random.getrandbits(8) for _ in range(random.randint(1, 3000))))
            try:
                s.recv(100); outcomes.append("closed")
            except ConnectionResetError:
                outcomes.append("reset")
            s.close()
        # 2. plain HTTP on the TLS port
        s = connect(tls=False)
        s.sendall(b"GET /hello HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n")
        try:
            data = s.recv(100)
            outcomes.append("closed" if b"hello" not in data else "ANSWERED")
        except ConnectionResetError:
            outcomes.append("reset")
        # 3. a ClientHello cut short, then close
        s = connect(tls=False)
        s.sendall(b"\\x16\\x03\\x01\\x02\\x00\\x01\\x00\\x01\\xfc\\x03\\x03" + b"\\x00" * 20)
        s.close()
        # 4. TLS ok, then garbage instead of HTTP
        s = connect()
        s.sendall(b"\\xff\\xfe\\xfd\\r\\n\\r\\n")
        print(status_of(read_response(s)))
        print(sorted(set(outcomes)))
        """, environment: ["SERVER_PORT": "\(test.port)"])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(result.stdout.hasPrefix("400\n"), result.stdout + result.stderr)
        XCTAssertFalse(result.stdout.contains("ANSWERED"))
        // The server is still there and serving.
        let curl = runProcess(["curl", "-sk", "\(test.url)/hello"])
        XCTAssertEqual(curl.stdout, "hello\n")
        let deadline = Date().addingTimeInterval(3)
        while test.server.openConnections > 0 && Date() < deadline { usleep(20_000) }
        XCTAssertEqual(test.server.openConnections, 0, "hostile connections were left open")
    }

    func testPythonSSLVerifiesTheCertificateChain() {
        let result = runPython("""
        import ssl, socket, os, http.client
        c = ssl.create_default_context(cafile=os.environ["CA"])
        conn = http.client.HTTPSConnection("localhost", int(os.environ["SERVER_PORT"]), context=c, timeout=10)
        conn.request("GET", "/hello")
        r = conn.getresponse()
        print(r.status, r.read().decode().strip(), conn.sock.version(), conn.sock.selected_alpn_protocol())
        """, environment: ["SERVER_PORT": "\(test.port)", "CA": test.certificate.certificatePath])
        XCTAssertEqual(result.stdout, "200 hello TLSv1.3 None\n", result.stderr)
    }

    func testIPv6LoopbackListener() throws {
        let v6 = try ServerUnderTest(host: "::1")
        defer { v6.stop() }
        let result = runProcess(["curl", "-sk", "https://[::1]:\(v6.port)/hello"])
        XCTAssertEqual(result.stdout, "hello\n", result.stderr)
    }

    func testDualStackListenerAcceptsIPv4AndIPv6() throws {
        let both = try ServerUnderTest(host: "")
        defer { both.stop() }
        XCTAssertEqual(runProcess(["curl", "-sk", "https://127.0.0.1:\(both.port)/hello"]).stdout, "hello\n")
        XCTAssertEqual(runProcess(["curl", "-sk", "https://[::1]:\(both.port)/hello"]).stdout, "hello\n")
    }
    func testClientCertificateRequiredWhenAClientCAIsSet() throws {
        let directory = makeServerTempDirectory("mtls")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let ca = try ServerTestCertificate.make(in: directory, name: "ca", commonName: "test client CA")
        // A client certificate signed by that CA, and one from a stranger.
        let steps: [[String]] = [
            ["openssl", "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", directory + "/client.key",
             "-out", directory + "/client.csr", "-subj", "/CN=kube-apiserver"],
            ["openssl", "x509", "-req", "-in", directory + "/client.csr", "-CA", ca.certificatePath, "-CAkey", ca.keyPath,
             "-CAcreateserial", "-days", "1", "-out", directory + "/client.crt"],
        ]
        for step in steps {
            let result = runProcess(step)
            XCTAssertEqual(result.status, 0, result.stderr)
        }
        let stranger = try ServerTestCertificate.make(in: directory, name: "stranger", commonName: "stranger")
        let server = try ServerUnderTest()
        defer { server.stop() }
        server.server.setTLSContext(try TLSContext.load(TLSFiles(certificatePath: server.certificate.certificatePath,
                                                                 keyPath: server.certificate.keyPath, clientCAPath: ca.certificatePath)))
        let without = runProcess(["curl", "-sk", "-o", "/dev/null", "-w", "%{http_code}", "\(server.url)/hello"])
        XCTAssertNotEqual(without.stdout, "200", "a client without a certificate was served")
        let wrong = runProcess(["curl", "-sk", "--cert", stranger.certificatePath, "--key", stranger.keyPath,
                                "-o", "/dev/null", "-w", "%{http_code}", "\(server.url)/hello"])
        XCTAssertNotEqual(wrong.stdout, "200", "a client with a foreign certificate was served")
        let with = runProcess(["curl", "-sk", "--cert", directory + "/client.crt", "--key", directory + "/client.key", "\(server.url)/hello"])
        XCTAssertEqual(with.stdout, "hello\n", with.stderr)
    }

    func testNewHandshakesUseASwappedContextWhileOpenConnectionsKeepTheirs() throws {
        let directory = makeServerTempDirectory("swap")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let second = try ServerTestCertificate.make(in: directory, name: "second", commonName: "second")
        let secondContext = try TLSContext.load(second.files)
        let firstContext = try TLSContext.load(test.certificate.files)
        let script = serverPythonPrelude + """
        import hashlib
        def fp(s): return hashlib.sha256(s.getpeercert(binary_form=True)).hexdigest()
        kept = connect()
        print(fp(kept) == os.environ["FIRST"])
        open(os.environ["MARKER"], "w").close()
        while os.path.exists(os.environ["MARKER"]): time.sleep(0.01)
        fresh = connect()
        print(fp(fresh) == os.environ["SECOND"])
        kept.sendall(b"GET /hello HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n")
        print(status_of(read_response(kept)))
        """
        let environment = ["SERVER_PORT": "\(test.port)", "FIRST": firstContext.fingerprint, "SECOND": secondContext.fingerprint,
                           "MARKER": directory + "/marker"]
        let output = ServerLockedData()
        let done = DispatchSemaphore(value: 0)
        DispatchQueue.global().async {
            output.set(Data(runPython(script, environment: environment, timeout: 30).stdout.utf8))
            done.signal()
        }
        let start = Date()
        while !FileManager.default.fileExists(atPath: directory + "/marker") && Date().timeIntervalSince(start) < 20 { usleep(10_000) }
        test.server.setTLSContext(secondContext)
        try? FileManager.default.removeItem(atPath: directory + "/marker")
        done.wait()
        XCTAssertEqual(String(decoding: output.get(), as: UTF8.self), "True\nTrue\n200\n")
    }
}
