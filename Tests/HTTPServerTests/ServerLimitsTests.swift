import Foundation
import XCTest
@testable import HTTPServer
@testable import TLS
@testable import Threads

/// Every named limit and timeout of ServerConfiguration, set small, against real clients.
final class ServerLimitsTests: XCTestCase {
    var test: ServerUnderTest!

    override func setUpWithError() throws {
        var configuration = ServerConfiguration(ioThreads: 2, workerThreads: 2)
        configuration.maxHeaderBytes = 2048
        configuration.maxHeaderCount = 20
        configuration.defaultMaxBodyBytes = 64 * 1024
        // Timeouts short enough to keep the suite quick, long enough that a loaded 2-core machine
        // cannot trip one where a test expects a connection to live: the pauses the tests make
        // on purpose stay well under the timeout they must not trip.
        configuration.tlsHandshakeTimeout = 1.5
        configuration.requestHeaderTimeout = 1.0
        configuration.bodyReadTimeout = 2.0
        configuration.keepAliveIdleTimeout = 3.0
        configuration.writeTimeout = 0.5
        configuration.lingerTimeout = 0.5
        configuration.maxConnections = 8
        var router = ServerTestRoutes.router
        router.add(Route("/big", methods: [.get]) { _ in HTTPResponse(status: 200, body: [UInt8](repeating: 0x61, count: 32 * 1024 * 1024)) })
        test = try ServerUnderTest(configuration: configuration, router: router)
    }

    override func tearDown() {
        test?.stop()
    }

    private func py(_ body: String) -> ServerProcessResult {
        runPython(serverPythonPrelude + body, environment: ["SERVER_PORT": "\(test.port)"])
    }

    private func assertStillServes(file: StaticString = #filePath, line: UInt = #line) {
        let result = runProcess(["curl", "-sk", "\(test.url)/hello"])
        XCTAssertEqual(result.stdout, "hello\n", "server stopped serving", file: file, line: line)
    }

    func testHeaderBytesLimitGives431() {
        let result = py("""
        s = connect()
        s.sendall(b"GET /hello HTTP/1.1\\r\\nHost: x\\r\\nX-Big: " + b"a" * 3000 + b"\\r\\n\\r\\n")
        r = read_response(s)
        print(status_of(r))
        """)
        XCTAssertEqual(result.stdout, "431\n", result.stderr)
        // Just under the limit is fine.
        let ok = py("""
        s = connect()
        s.sendall(b"GET /hello HTTP/1.1\\r\\nHost: x\\r\\nX-Big: " + b"a" * 1800 + b"\\r\\n\\r\\n")
        print(status_of(read_response(s)))
        """)
        XCTAssertEqual(ok.stdout, "200\n", ok.stderr)
        assertStillServes()
    }

    func testHeaderCountLimitGives431() {
        let result = py("""
        s = connect()
        s.sendall(b"GET /hello HTTP/1.1\\r\\nHost: x\\r\\n" + b"".join(b"X-%d: y\\r\\n" % i for i in range(30)) + b"\\r\\n")
        print(status_of(read_response(s)))
        """)
        XCTAssertEqual(result.stdout, "431\n", result.stderr)
    }

    func testRouteBodyLimitGives413BeforeReadingTheBody() {
        // /small allows 1 KiB; the client declares 1 MiB and sends nothing: the answer comes at once.
        let result = py("""
        s = connect()
        s.sendall(b"POST /small HTTP/1.1\\r\\nHost: x\\r\\nContent-Length: 1048576\\r\\n\\r\\n")
        r = read_response(s)
        print(status_of(r), b"Connection: close" in r)
        s2 = connect()
        s2.sendall(b"POST /small HTTP/1.1\\r\\nHost: x\\r\\nContent-Length: 1024\\r\\n\\r\\n" + b"z" * 1024)
        print(status_of(read_response(s2)))
        """)
        XCTAssertEqual(result.stdout, "413 True\n200\n", result.stderr)
    }

    func testDefaultBodyLimitWithCurlSendingTheBody() {
        let file = test.directory + "/big.json"
        _ = FileManager.default.createFile(atPath: file, contents: Data(repeating: 0x20, count: 100 * 1024))
        let result = runProcess(["curl", "-sk", "-o", "/dev/null", "-w", "%{http_code}", "-H", "Content-Type: application/json",
                                 "--data-binary", "@" + file, "\(test.url)/echo"])
        XCTAssertEqual(result.stdout, "413", result.stderr)
        assertStillServes()
    }

    func testLengthRequiredAndBadRequestAndVersion() {
        let result = py("""
        def ask(raw):
            s = connect()
            s.sendall(raw)
            return status_of(read_response(s))
        print(ask(b"POST /echo HTTP/1.1\\r\\nHost: x\\r\\nContent-Type: application/json\\r\\n\\r\\n"))
        print(ask(b"GET /hello HTTP/2.0\\r\\nHost: x\\r\\n\\r\\n"))
        print(ask(b"GET /hello HTTP/1.1\\r\\nHost: x\\r\\nContent-Length: 1\\r\\nContent-Length: 2\\r\\n\\r\\n"))
        print(ask(b"\\x00\\x01garbage\\r\\n\\r\\n"))
        """)
        XCTAssertEqual(result.stdout, "411\n505\n400\n400\n", result.stderr)
        assertStillServes()
    }

    func testRequestHeaderTimeoutGives408() {
        let result = py("""
        s = connect(timeout=30)
        s.sendall(b"GET /hello HTTP/1.1\\r\\nHost: x\\r\\n")   # never finishes the head
        r = read_response(s)
        print(status_of(r))
        """)
        XCTAssertEqual(result.stdout, "408\n", result.stderr)
        XCTAssertGreaterThanOrEqual(test.server.stats.requestTimeouts.load(ordering: .relaxed), 1)
    }

    func testBodyReadTimeoutGives408() {
        // Pauses of 0.3 s (well under the 2 s timeout), then silence (over it).
        let result = py("""
        s = connect(timeout=30)
        s.sendall(b"POST /echo HTTP/1.1\\r\\nHost: x\\r\\nContent-Type: application/json\\r\\nContent-Length: 10\\r\\n\\r\\n{")
        time.sleep(0.3)
        s.sendall(b" ")          # progress resets the between-reads timer…
        time.sleep(0.3)
        s.sendall(b" ")
        r = read_response(s)     # …then silence
        print(status_of(r))
        """)
        XCTAssertEqual(result.stdout, "408\n", result.stderr)
    }

    func testKeepAliveIdleTimeoutClosesTheConnection() {
        // Idle 0.5 s (well under the 3 s timeout): still open. Then idle until the server closes;
        // not long before the timeout (the client starts its clock after the server starts its).
        let result = py("""
        s = connect(timeout=30)
        s.sendall(b"GET /hello HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n")
        print(status_of(read_response(s)))
        time.sleep(0.5)
        s.sendall(b"GET /hello HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n")   # still open at 0.5 s
        print(status_of(read_response(s)))
        t = time.time()
        data = s.recv(100)        # closed by the server after 3 s idle
        print(repr(data), time.time() - t > 1.5)
        """)
        XCTAssertEqual(result.stdout, "200\n200\nb'' True\n", result.stderr)
        XCTAssertGreaterThanOrEqual(test.server.stats.keepAliveTimeouts.load(ordering: .relaxed), 1)
    }

    func testTLSHandshakeTimeoutClosesSilentClients() {
        let result = py("""
        s = connect(tls=False, timeout=30)
        data = s.recv(100)        # a TCP client that never sends a ClientHello: closed by the server
        print(repr(data))
        s = connect(tls=False, timeout=30)
        s.sendall(b"\\x16\\x03\\x01\\x00\\xc8\\x01\\x00")   # truncated ClientHello, then silence
        data = s.recv(100)
        print(repr(data))
        """)
        XCTAssertEqual(result.stdout, "b''\nb''\n", result.stderr)
        XCTAssertGreaterThanOrEqual(test.server.stats.tlsHandshakeTimeouts.load(ordering: .relaxed), 2)
        assertStillServes()
    }

    func testWriteTimeoutClosesClientsThatDoNotRead() {
        // The client asks for 32 MiB and does not read until the test has seen the server give up.
        let release = test.directory + "/release"
        let environment = ["SERVER_PORT": "\(test.port)", "RELEASE": release]
        let output = LockedBox<ServerProcessResult?>(nil)
        let done = DispatchSemaphore(value: 0)
        DispatchQueue.global().async {
            output.set(runPython(serverPythonPrelude + """
            s = connect()
            s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
            s.sendall(b"GET /big HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n")
            deadline = time.time() + 60
            while not os.path.exists(os.environ["RELEASE"]) and time.time() < deadline:
                time.sleep(0.02)      # do not read the answer
            print("held")
            """, environment: environment, timeout: 120))
            done.signal()
        }
        let server = test.server
        XCTAssertTrue(pollUntil(timeout: 60) { server.stats.requestTimeouts.load(ordering: .relaxed) >= 1 },
                      "the server never timed out writing to a client that does not read")
        XCTAssertTrue(pollUntil(timeout: 30) { server.openConnections == 0 }, "the connection was not closed")
        XCTAssertTrue(FileManager.default.createFile(atPath: release, contents: nil))
        done.wait()
        XCTAssertEqual(output.get()?.stdout, "held\n", output.get()?.stderr ?? "")
        assertStillServes()
    }

    func testMaxConnectionsEvictsTheStalestConnection() {
        let result = py("""
        held = [connect() for _ in range(8)]
        for s in held:
            s.sendall(b"GET /hello HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n")
            assert status_of(read_response(s)) == 200
        extra = connect()
        extra.sendall(b"GET /hello HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n")
        print("extra", status_of(read_response(extra)))
        closed = 0
        for s in held:
            try:
                s.sendall(b"GET /hello HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n")
                if status_of(read_response(s)) != 200:
                    closed += 1
            except (ssl.SSLError, ConnectionResetError, BrokenPipeError, OSError):
                closed += 1
        print("evicted", closed >= 1)
        """)
        XCTAssertEqual(result.stdout, "extra 200\nevicted True\n", result.stderr)
        XCTAssertGreaterThanOrEqual(test.server.stats.connectionsEvicted.load(ordering: .relaxed), 1)
    }

    func testMaxConnectionsRefusesWhenEveryConnectionIsBusy() {
        let result = py("""
        busy = [connect() for _ in range(8)]
        for s in busy:
            s.sendall(b"GET /slow?s=1 HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n")
        time.sleep(0.3)
        try:
            extra = connect()
            extra.sendall(b"GET /hello HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n")
            print("extra", status_of(read_response(extra)))
        except (ssl.SSLError, ConnectionResetError, OSError) as e:
            print("extra refused")
        print("busy", sorted(set(status_of(read_response(s)) for s in busy)))
        """)
        XCTAssertEqual(result.stdout, "extra refused\nbusy [200]\n", result.stderr)
        XCTAssertGreaterThanOrEqual(test.server.stats.connectionsRejected.load(ordering: .relaxed), 1)
    }
}
