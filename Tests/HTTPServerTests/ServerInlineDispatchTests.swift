import Foundation
import XCTest
@testable import HTTPServer
@testable import TLS
@testable import Threads
#if canImport(Glibc)
import Glibc
#endif

/// Routes with `inlineMaxBodyBytes` answer small bodies on the I/O thread and large ones on the
/// worker pool; idle connections give their buffers back between requests without breaking them.
final class ServerInlineDispatchTests: XCTestCase {
    /// The handler answers with the name of the thread it ran on and the body size.
    static let inlineLimit = 4096
    static let whereRoute = Route("/where", methods: [.post], acceptedMediaType: "application/json",
                                  inlineMaxBodyBytes: inlineLimit) { request in
        // The kernel's name of the calling thread (set by `Threads.start`).
        let comm = (try? String(contentsOfFile: "/proc/thread-self/comm", encoding: .utf8)) ?? "?"
        let thread = comm.trimmingCharacters(in: .whitespacesAndNewlines)
        return HTTPResponse(status: 200, body: Array("\(thread) \(request.body.count)\n".utf8))
    }

    /// A response reader that keeps what follows one response (pipelining), unlike `read_response`.
    static let bufferedReader = """

    _pending = [b""]
    def next_response(s):
        data = _pending[0]
        while b"\\r\\n\\r\\n" not in data:
            chunk = s.recv(65536)
            if not chunk:
                raise SystemExit("closed early")
            data += chunk
        head, _, rest = data.partition(b"\\r\\n\\r\\n")
        length = 0
        for line in head.split(b"\\r\\n")[1:]:
            k, _, v = line.partition(b":")
            if k.strip().lower() == b"content-length":
                length = int(v.strip())
        while len(rest) < length:
            chunk = s.recv(65536)
            if not chunk:
                raise SystemExit("closed early")
            rest += chunk
        _pending[0] = rest[length:]
        return int(head.split(b" ", 2)[1]), rest[:length]
    """

    var test: ServerUnderTest!

    override func setUpWithError() throws {
        test = try ServerUnderTest(router: Router([ServerInlineDispatchTests.whereRoute]))
    }

    override func tearDown() {
        test?.stop()
    }

    func testShouldRunInlineFollowsTheLimit() {
        let handler: HTTPHandler = { _ in HTTPResponse(status: 200) }
        let never = Route("/a", methods: [.post], handler: handler)
        XCTAssertFalse(never.shouldRunInline(bodyBytes: 0))
        let always = Route("/a", methods: [.get], runsInline: true, handler: handler)
        XCTAssertTrue(always.shouldRunInline(bodyBytes: 10_000_000))
        let limited = Route("/a", methods: [.post], inlineMaxBodyBytes: 100, handler: handler)
        XCTAssertTrue(limited.shouldRunInline(bodyBytes: 0))
        XCTAssertTrue(limited.shouldRunInline(bodyBytes: 100))
        XCTAssertFalse(limited.shouldRunInline(bodyBytes: 101))
    }

    private func post(bytes: Int) -> String {
        let file = test.directory + "/body-\(bytes).json"
        _ = FileManager.default.createFile(atPath: file, contents: Data(repeating: UInt8(ascii: "x"), count: bytes))
        let result = runProcess(["curl", "-sk", "-H", "Content-Type: application/json", "-H", "Expect:",
                                 "--data-binary", "@" + file, "\(test.url)/where"])
        XCTAssertEqual(result.status, 0, result.stderr)
        return result.stdout
    }

    func testSmallBodiesRunOnTheLoopAndLargeOnesOnWorkers() {
        let small = post(bytes: 10)
        XCTAssertTrue(small.hasPrefix("http-loop-"), small)
        XCTAssertTrue(small.hasSuffix(" 10\n"), small)
        let atLimit = post(bytes: ServerInlineDispatchTests.inlineLimit)
        XCTAssertTrue(atLimit.hasPrefix("http-loop-"), atLimit)
        let large = post(bytes: ServerInlineDispatchTests.inlineLimit + 1)
        XCTAssertTrue(large.hasPrefix("http-worker-"), large)
        XCTAssertTrue(large.hasSuffix(" \(ServerInlineDispatchTests.inlineLimit + 1)\n"), large)
    }

    func testManyPipelinedInlineRequestsAllAnswerInOrder() {
        // One TLS write carrying 400 requests with bodies of growing size: every one answered, in order.
        let script = serverPythonPrelude + ServerInlineDispatchTests.bufferedReader + """

        s = connect()
        count = 400
        wire = b""
        for i in range(count):
            body = b"y" * (i % 50)
            wire += b"POST /where HTTP/1.1\\r\\nHost: x\\r\\nContent-Type: application/json\\r\\nContent-Length: %d\\r\\n\\r\\n%s" % (len(body), body)
        s.sendall(wire)
        for i in range(count):
            status, body = next_response(s)
            expected = (" %d\\n" % (i % 50)).encode()
            if status != 200 or not body.startswith(b"http-loop-") or not body.endswith(expected):
                print("bad", i, status, body); sys.exit(1)
        print("ok", count)
        """
        let result = runPython(script, environment: ["SERVER_PORT": "\(test.port)"])
        XCTAssertEqual(result.status, 0, result.stdout + result.stderr)
        XCTAssertEqual(result.stdout, "ok 400\n", result.stderr)
    }

    func testKeepAliveConnectionWorksAfterItsIdleBuffersWereReleased() {
        // Pauses longer than the sweep interval, so the connection's TLS and input buffers are
        // released while it is idle; the body arrives in pieces across TLS records.
        let script = serverPythonPrelude + ServerInlineDispatchTests.bufferedReader + """

        s = connect()
        for i in range(3):
            body = b"z" * (3000 + i)
            head = b"POST /where HTTP/1.1\\r\\nHost: x\\r\\nContent-Type: application/json\\r\\nContent-Length: %d\\r\\n\\r\\n" % len(body)
            s.sendall(head + body[:100])
            time.sleep(0.05)
            s.sendall(body[100:])
            status, answer = next_response(s)
            if status != 200 or not answer.endswith((" %d\\n" % len(body)).encode()):
                print("bad", i, status, answer); sys.exit(1)
            time.sleep(1.2)
        print("ok")
        """
        let result = runPython(script, environment: ["SERVER_PORT": "\(test.port)"])
        XCTAssertEqual(result.status, 0, result.stdout + result.stderr)
        XCTAssertEqual(result.stdout, "ok\n", result.stderr)
    }
}
