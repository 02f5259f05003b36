import Foundation
import XCTest
@testable import HTTPServer

/// Every phase has a deadline: the whole body (overall and minimum rate) and the whole response,
/// besides the gap timeouts. Real TLS clients (Python's ssl) that send or read too slowly.
final class ServerDeadlinesTests: XCTestCase {
    var test: ServerUnderTest!

    override func tearDown() {
        test?.stop()
    }

    private func start(_ adjust: (inout ServerConfiguration) -> Void) throws {
        var configuration = ServerConfiguration(ioThreads: 2, workerThreads: 2)
        configuration.bodyReadTimeout = 5
        configuration.requestBodyTimeout = 30
        configuration.minBodyBytesPerSecond = 0
        configuration.writeTimeout = 5
        configuration.responseWriteTimeout = 30
        adjust(&configuration)
        var router = ServerTestRoutes.router
        router.add(Route("/big", methods: [.get]) { _ in HTTPResponse(status: 200, body: [UInt8](repeating: 0x61, count: 16 * 1024 * 1024)) })
        test = try ServerUnderTest(configuration: configuration, router: router)
    }

    private func py(_ body: String) -> ServerProcessResult {
        runPython(serverPythonPrelude + body, environment: ["SERVER_PORT": "\(test.port)"])
    }

    /// One body byte every 0.2 s: never a gap of 5 s, but far below 200 bytes/s.
    func testBodyBelowTheMinimumRateGets408() throws {
        try start {
            $0.minBodyBytesPerSecond = 200
            $0.bodyRateGracePeriod = 0.5
        }
        let result = py("""
        s = connect()
        s.sendall(b"POST /echo HTTP/1.1\\r\\nHost: x\\r\\nContent-Type: application/json\\r\\nContent-Length: 1000\\r\\n\\r\\n")
        start = time.time()
        s.settimeout(0.2)
        data = b""
        while time.time() - start < 10:
            try:
                s.sendall(b" ")
            except OSError:
                break
            try:
                chunk = s.recv(65536)
                if not chunk:
                    break
                data += chunk
                if b"\\r\\n\\r\\n" in data:
                    break
            except socket.timeout:
                pass
        print(status_of(data), round(time.time() - start) < 5)
        print(b"slower than 200 bytes/s" in data)
        """)
        XCTAssertEqual(result.stdout, "408 True\nTrue\n", result.stderr)
        XCTAssertGreaterThanOrEqual(test.server.stats.requestTimeouts.load(ordering: .relaxed), 1)
    }

    /// Steady bytes, no minimum rate: the overall body deadline still ends it.
    func testWholeBodyDeadlineGets408() throws {
        try start { $0.requestBodyTimeout = 1 }
        let result = py("""
        s = connect()
        s.sendall(b"POST /echo HTTP/1.1\\r\\nHost: x\\r\\nContent-Type: application/json\\r\\nContent-Length: 100000\\r\\n\\r\\n")
        start = time.time()
        s.settimeout(0.1)
        data = b""
        while time.time() - start < 10:
            try:
                s.sendall(b" " * 10)
            except OSError:
                break
            try:
                chunk = s.recv(65536)
                if not chunk:
                    break
                data += chunk
                if b"\\r\\n\\r\\n" in data:
                    break
            except socket.timeout:
                pass
        print(status_of(data), time.time() - start < 5)
        print(b"did not arrive within 1 s" in data)
        """)
        XCTAssertEqual(result.stdout, "408 True\nTrue\n", result.stderr)
    }

    /// A client that reads a little at a time, never pausing long: the response's overall
    /// deadline closes the connection (the client may go on reading what the kernel still holds).
    func testWholeResponseDeadlineCloses() throws {
        try start { $0.responseWriteTimeout = 1 }
        let port = test.port
        let reader = Thread {
            _ = runPython(serverPythonPrelude + """
            s = connect()
            s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
            s.sendall(b"GET /big HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n")
            start = time.time()
            while time.time() - start < 8:
                try:
                    if not s.recv(1024):
                        break
                except OSError:
                    break
                time.sleep(0.01)
            """, environment: ["SERVER_PORT": "\(port)"])
        }
        reader.start()
        let server = test.server
        XCTAssertTrue(pollUntil(20) { server.stats.requestsServed.load(ordering: .relaxed) >= 1 }, "the response never started")
        XCTAssertTrue(pollUntil(6) { server.openConnections == 0 }, "the slow reader still holds the response")
        XCTAssertGreaterThanOrEqual(server.stats.requestTimeouts.load(ordering: .relaxed), 1)
    }

    /// A body at a good pace is untouched by the rate and overall deadlines.
    func testBodyAtAGoodPaceIsServed() throws {
        try start {
            $0.minBodyBytesPerSecond = 1024
            $0.bodyRateGracePeriod = 0.5
            $0.requestBodyTimeout = 10
        }
        let result = py("""
        s = connect()
        body = b"[" + b"1," * 2999 + b"1]"
        s.sendall(b"POST /echo HTTP/1.1\\r\\nHost: x\\r\\nContent-Type: application/json\\r\\nContent-Length: %d\\r\\n\\r\\n" % len(body))
        for i in range(0, len(body), 1000):
            s.sendall(body[i:i + 1000])
            time.sleep(0.1)
        r = read_response(s)
        print(status_of(r), r.endswith(b'{"bytes":6001}'))
        """)
        XCTAssertEqual(result.stdout, "200 True\n", result.stderr)
    }

    /// The deadline arithmetic: the earliest of the gap, the overall and the rate deadline.
    func testBodyDeadlineIsTheEarliestClock() {
        var configuration = ServerConfiguration(ioThreads: 1, workerThreads: 1)
        configuration.bodyReadTimeout = 10
        configuration.requestBodyTimeout = 30
        configuration.minBodyBytesPerSecond = 100
        configuration.bodyRateGracePeriod = 2
        let second: UInt64 = 1_000_000_000
        var clock = BodyDeadlines(start: 100 * second)
        // Nothing received: start + grace.
        XCTAssertEqual(clock.deadline(configuration), 102 * second)
        // 500 bytes at 100 B/s buy 5 s more.
        clock.received = 500
        clock.lastRead = 101 * second
        XCTAssertEqual(clock.deadline(configuration), 107 * second)
        // Plenty of bytes: the gap since the last read decides.
        clock.received = 1_000_000
        XCTAssertEqual(clock.deadline(configuration), 111 * second)
        // Late reads: the overall deadline decides.
        clock.lastRead = 125 * second
        XCTAssertEqual(clock.deadline(configuration), 130 * second)
        XCTAssertTrue(clock.reason(configuration, now: 130 * second).contains("request body timeout"))
        configuration.minBodyBytesPerSecond = 0
        clock.received = 0
        clock.lastRead = 100 * second
        XCTAssertEqual(clock.deadline(configuration), 110 * second)
        XCTAssertTrue(clock.reason(configuration, now: 110 * second).contains("body read timeout"))
        // Waiting for memory: the overall deadline only.
        XCTAssertEqual(clock.waitingDeadline(configuration), 130 * second)
        // The response: the gap after the last write, within the overall deadline.
        configuration.writeTimeout = 10
        configuration.responseWriteTimeout = 30
        XCTAssertEqual(ResponseDeadlines.deadline(configuration, start: 100 * second, now: 101 * second), 111 * second)
        XCTAssertEqual(ResponseDeadlines.deadline(configuration, start: 100 * second, now: 125 * second), 130 * second)
    }
}
