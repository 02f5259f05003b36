import Foundation
import XCTest
@testable import HTTPServer
@testable import TLS
#if canImport(Glibc)
import Glibc
#endif

/// One epoll round serves every connection it reported; the answers of a round are written
/// together at its end; a socket found empty is not read again until epoll reports it. Checked
/// with real clients over TLS and plain TCP: many connections sending at once (rounds of many
/// events), pipelined requests, bodies large enough for the worker pool, and bodies sent only
/// after the server answered `100 Continue` (so the server has found the socket empty first).
final class ServerEventRoundTests: XCTestCase {
    /// Echoes the body (`X-Id` first), inline up to `inlineLimit` bytes, on a worker above.
    static let inlineLimit = 4096
    static let echoRoute = Route("/echo-id", methods: [.post], inlineMaxBodyBytes: inlineLimit) { request in
        HTTPResponse(status: 200, body: request.body)
    }

    private static let pythonClient = serverPythonPrelude + """

    TLS = os.environ["TLS"] == "1"
    _pending = {}
    def next_response(s):
        # One response; what follows it (the next pipelined answer) stays for the next call.
        data = _pending.get(id(s), b"")
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
        _pending[id(s)] = rest[length:]
        return int(head.split(b" ", 2)[1]), rest[:length]
    def request(ident, size):
        body = (ident + ":").encode() + b"x" * size
        return (b"POST /echo-id HTTP/1.1\\r\\nHost: x\\r\\nContent-Length: " + str(len(body)).encode()
                + b"\\r\\n\\r\\n" + body), body
    """

    private func run(tls: Bool, ioThreads: Int, _ script: String) throws -> String {
        let test = try ServerUnderTest(configuration: ServerConfiguration(ioThreads: ioThreads, workerThreads: 2),
                                       router: Router([ServerEventRoundTests.echoRoute]), tls: tls)
        defer { test.stop() }
        let result = runPython(ServerEventRoundTests.pythonClient + "\n" + script,
                               environment: ["SERVER_PORT": "\(test.port)", "TLS": tls ? "1" : "0"], timeout: 120)
        XCTAssertEqual(result.status, 0, result.stderr)
        return result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// 24 connections on one loop send at the same moment, 40 times: small bodies answered on
    /// the loop, every fifth connection a body for the workers, every seventh two requests in one
    /// write. Every answer is the right one, in order.
    func testBurstsOverManyConnectionsAreAnsweredInOrder() throws {
        for tls in [true, false] {
            let output = try run(tls: tls, ioThreads: 1, """
            sockets = [connect(tls=TLS) for _ in range(24)]
            good = 0
            for round in range(40):
                expected = []
                for index, s in enumerate(sockets):
                    size = 8000 if index % 5 == 0 else 200 + index
                    data, body = request("%d-%d" % (round, index), size)
                    bodies = [body]
                    if index % 7 == 0:
                        second, body2 = request("%d-%d-b" % (round, index), 50)
                        data += second
                        bodies.append(body2)
                    s.sendall(data)
                    expected.append(bodies)
                for s, bodies in zip(sockets, expected):
                    for body in bodies:
                        status, answer = next_response(s)
                        good += status == 200 and answer == body
            print(good)
            """)
            let perRound = 24 + 4   // connections 0, 7, 14 and 21 send two requests
            XCTAssertEqual(output, "\(40 * perRound)", "tls: \(tls)")
        }
    }

    /// The server reads the head, answers `100 Continue` and finds the socket empty; the body the
    /// client sends then must be read when epoll reports it (over TLS and plain TCP, twice on
    /// one keep-alive connection).
    func testBodySentAfterContinueIsRead() throws {
        for tls in [true, false] {
            let output = try run(tls: tls, ioThreads: 1, """
            s = connect(tls=TLS)
            answers = []
            for ident in ["first", "second"]:
                body = (ident + ":").encode() + b"y" * 3000
                s.sendall(b"POST /echo-id HTTP/1.1\\r\\nHost: x\\r\\nExpect: 100-continue\\r\\nContent-Length: "
                          + str(len(body)).encode() + b"\\r\\n\\r\\n")
                status, _ = next_response(s)
                assert status == 100, status
                s.sendall(body[:1000])
                s.sendall(body[1000:])
                status, answer = next_response(s)
                answers.append(status == 200 and answer == body)
            print(answers)
            """)
            XCTAssertEqual(output, "[True, True]", "tls: \(tls)")
        }
    }

    /// The transport's view of an empty socket, on a plain socket pair: after a read shorter than
    /// the buffer it reports no input until told that epoll saw some.
    func testPlainTransportKnowsWhenTheSocketIsEmpty() throws {
        var fds: [Int32] = [0, 0]
        XCTAssertEqual(socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0, &fds), 0)
        defer { close(fds[0]); close(fds[1]) }
        _ = fcntl(fds[0], F_SETFL, fcntl(fds[0], F_GETFL) | O_NONBLOCK)
        var transport = ConnectionTransport(plainFD: fds[0])
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 64, alignment: 1)
        defer { buffer.deallocate() }
        XCTAssertTrue(transport.mayHaveInput)
        let hello = Array("hello".utf8)
        XCTAssertEqual(write(fds[1], hello, hello.count), hello.count)
        guard case .bytes(5) = transport.read(into: buffer) else { return XCTFail("expected 5 bytes") }
        XCTAssertFalse(transport.mayHaveInput, "a short read emptied the socket")
        transport.inputMayHaveArrived()
        XCTAssertTrue(transport.mayHaveInput)
        // A read that fills the buffer may have left more behind.
        let many = [UInt8](repeating: 1, count: 100)
        XCTAssertEqual(write(fds[1], many, many.count), many.count)
        guard case .bytes(64) = transport.read(into: buffer) else { return XCTFail("expected a full buffer") }
        XCTAssertTrue(transport.mayHaveInput)
        guard case .bytes(36) = transport.read(into: buffer) else { return XCTFail("expected the rest") }
        XCTAssertFalse(transport.mayHaveInput)
        transport.inputMayHaveArrived()
        guard case .wouldBlock = transport.read(into: buffer) else { return XCTFail("expected EAGAIN") }
        XCTAssertFalse(transport.mayHaveInput)
    }
}
