import Foundation
import XCTest
@testable import HTTPServer
@testable import TLS
@testable import Threads

/// The server against curl and Python on loopback: routing, keep-alive, bodies, HTTP/1.0.
final class ServerBasicTests: XCTestCase {
    var test: ServerUnderTest!
    var gate: HandlerGate!

    override func setUpWithError() throws {
        gate = HandlerGate()
        var router = ServerTestRoutes.router
        router.add(gate.route())
        test = try ServerUnderTest(router: router)
    }

    override func tearDown() {
        gate?.open()
        test?.stop()
    }

    func testCurlGetAndPostOverTLS() {
        let get = runProcess(["curl", "-sk", "--http1.1", "-w", "\n%{http_code}", "\(test.url)/hello"])
        XCTAssertEqual(get.status, 0, get.stderr)
        XCTAssertEqual(get.stdout, "hello\n\n200")
        let post = runProcess(["curl", "-sk", "-X", "POST", "-H", "Content-Type: application/json", "--data-binary", #"{"a":1}"#,
                        "-w", "\n%{http_code}", "\(test.url)/echo"])
        XCTAssertEqual(post.stdout, #"{"bytes":7}"# + "\n200")
    }

    func testCurlReusesTheConnectionForTwoURLs() {
        let result = runProcess(["curl", "-skv", "\(test.url)/hello", "\(test.url)/hello?again=1"])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(result.stdout, "hello\nhello\n")
        XCTAssertTrue(result.stderr.contains("Re-using existing connection") || result.stderr.contains("Reusing existing connection"),
                      "curl opened a second connection:\n\(result.stderr)")
        XCTAssertTrue(result.stderr.contains("ALPN: server accepted http/1.1") || result.stderr.contains("ALPN, server accepted to use http/1.1"),
                      result.stderr)
        XCTAssertEqual(test.server.stats.connectionsAccepted.load(ordering: .relaxed), 1)
    }

    func testExpectContinueWithLargeBody() {
        // curl sends `Expect: 100-continue` and holds the body back until the interim answer comes
        // (or its timeout passes, set long here so that the answer, not the timeout, lets it go);
        // its verbose log shows whether the server sent `100 Continue`.
        let bodyFile = test.directory + "/body.json"
        _ = FileManager.default.createFile(atPath: bodyFile, contents: Data(repeating: UInt8(ascii: "x"), count: 200_000))
        let result = runProcess(["curl", "-skv", "--expect100-timeout", "60", "-H", "Content-Type: application/json",
                                 "-H", "Expect: 100-continue", "--data-binary", "@" + bodyFile, "-w", "\n%{http_code}", "\(test.url)/echo"],
                                timeout: 120)
        XCTAssertEqual(result.stdout, #"{"bytes":200000}"# + "\n200", result.stderr)
        XCTAssertTrue(result.stderr.contains("< HTTP/1.1 100 Continue"), "no 100 Continue before the body:\n\(result.stderr)")
    }

    func testNotFoundMethodNotAllowedAndMediaType() {
        let missing = runProcess(["curl", "-sk", "-o", "/dev/null", "-w", "%{http_code}", "\(test.url)/nope"])
        XCTAssertEqual(missing.stdout, "404")
        let method = runProcess(["curl", "-sk", "-D", "-", "-o", "/dev/null", "-X", "DELETE", "\(test.url)/hello"])
        XCTAssertTrue(method.stdout.hasPrefix("HTTP/1.1 405"), method.stdout)
        XCTAssertTrue(method.stdout.lowercased().contains("allow: get"), method.stdout)
        let media = runProcess(["curl", "-sk", "-o", "/dev/null", "-w", "%{http_code}", "-H", "Content-Type: text/plain",
                         "--data-binary", "{}", "\(test.url)/echo"])
        XCTAssertEqual(media.stdout, "415")
        let charset = runProcess(["curl", "-sk", "-w", "\n%{http_code}", "-H", "Content-Type: application/JSON; charset=utf-8",
                           "--data-binary", "{}", "\(test.url)/echo"])
        XCTAssertEqual(charset.stdout, #"{"bytes":2}"# + "\n200")
    }

    func testPythonHTTPClientKeepAliveAndHTTP10() {
        let script = serverPythonPrelude + """
        import http.client
        conn = http.client.HTTPSConnection(HOST, PORT, context=context(), timeout=10)
        for i in range(5):
            conn.request("POST", "/echo", body=b"{}" * (i + 1), headers={"Content-Type": "application/json"})
            r = conn.getresponse()
            assert r.status == 200, r.status
            assert r.read() == ('{"bytes":%d}' % (2 * (i + 1))).encode()
        sock_before = conn.sock
        conn.request("GET", "/hello")
        r = conn.getresponse(); r.read()
        assert conn.sock is sock_before, "connection was not reused"
        # HTTP/1.0 without keep-alive: answered as 1.0 and closed.
        s = connect()
        s.sendall(b"GET /hello HTTP/1.0\\r\\n\\r\\n")
        data = b""
        while True:
            chunk = s.recv(4096)
            if not chunk: break
            data += chunk
        assert data.startswith(b"HTTP/1.0 200"), data
        assert b"Connection: close" in data, data
        # HTTP/1.0 with keep-alive: stays open for a second request.
        s = connect()
        s.sendall(b"GET /hello HTTP/1.0\\r\\nConnection: keep-alive\\r\\n\\r\\n")
        r1 = read_response(s)
        assert b"Connection: keep-alive" in r1, r1
        s.sendall(b"GET /hello HTTP/1.0\\r\\n\\r\\n")
        r2 = read_response(s)
        assert r2.startswith(b"HTTP/1.0 200"), r2
        print("ok")
        """
        let result = runPython(script, environment: ["SERVER_PORT": "\(test.port)"])
        XCTAssertEqual(result.stdout, "ok\n", result.stderr)
    }

    func testPipelinedRequestsAnsweredInOrder() {
        let script = serverPythonPrelude + """
        s = connect()
        reqs = b""
        for i in range(10):
            body = b"{" + b" " * i + b"}"
            reqs += b"POST /echo HTTP/1.1\\r\\nHost: x\\r\\nContent-Type: application/json\\r\\nContent-Length: %d\\r\\n\\r\\n%s" % (len(body), body)
        reqs += b"GET /hello HTTP/1.1\\r\\nHost: x\\r\\nConnection: close\\r\\n\\r\\n"
        s.sendall(reqs)
        data = b""
        while True:
            chunk = s.recv(65536)
            if not chunk: break
            data += chunk
        for i in range(10):
            expect = b'{"bytes":%d}' % (i + 2)
            pos = data.find(expect)
            assert pos >= 0, (i, data)
            data = data[pos + len(expect):]
        assert b"hello" in data and b"Connection: close" in data, data
        print("ok")
        """
        let result = runPython(script, environment: ["SERVER_PORT": "\(test.port)"])
        XCTAssertEqual(result.stdout, "ok\n", result.stderr)
    }

    func testSlowHandlerDoesNotStallOtherConnections() {
        // A handler blocked on a worker (until the gate opens); a request on another connection is
        // answered while it is still blocked.
        let done = DispatchSemaphore(value: 0)
        let url = test.url
        let slow = ServerLockedData()
        DispatchQueue.global().async {
            slow.set(Data(runProcess(["curl", "-sk", "\(url)/gated"]).stdout.utf8))
            done.signal()
        }
        XCTAssertTrue(gate.waitUntilEntered(1), "the slow request never reached its handler")
        let fast = runProcess(["curl", "-sk", "--max-time", "30", "\(test.url)/hello"])
        XCTAssertEqual(fast.stdout, "hello\n", "a blocked handler stalled another connection: \(fast.stderr)")
        XCTAssertEqual(gate.holding, 1, "the slow handler must still be blocked while the other request is answered")
        gate.open()
        done.wait()
        XCTAssertEqual(String(decoding: slow.get(), as: UTF8.self), "gate open\n")
    }

    func testHeadRequestGetsHeadersOnly() {
        let result = runProcess(["curl", "-sk", "-I", "\(test.url)/hello"])
        XCTAssertTrue(result.stdout.hasPrefix("HTTP/1.1 200"), result.stdout)
        XCTAssertTrue(result.stdout.contains("Content-Length: 6"), result.stdout)
        XCTAssertFalse(result.stdout.contains("hello"))
    }
    func testChunkedRequestBodyFromCurl() {
        let bodyFile = test.directory + "/chunked.json"
        _ = FileManager.default.createFile(atPath: bodyFile, contents: Data(repeating: UInt8(ascii: " "), count: 50_000))
        let result = runProcess(["curl", "-sk", "-H", "Content-Type: application/json", "-H", "Transfer-Encoding: chunked",
                                 "--data-binary", "@" + bodyFile, "-w", "\n%{http_code}", "\(test.url)/echo"])
        XCTAssertEqual(result.stdout, #"{"bytes":50000}"# + "\n200", result.stderr)
        // Over the route's limit while chunked: 413.
        let small = runProcess(["curl", "-sk", "-o", "/dev/null", "-H", "Transfer-Encoding: chunked",
                                "--data-binary", "@" + bodyFile, "-w", "%{http_code}", "\(test.url)/small"])
        XCTAssertEqual(small.stdout, "413", small.stderr)
    }
}
