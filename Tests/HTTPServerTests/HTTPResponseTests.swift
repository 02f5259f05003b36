import XCTest
@testable import HTTPServer
@testable import TLS
@testable import Threads

final class HTTPResponseTests: XCTestCase {
    func text(_ bytes: [UInt8]) -> String { String(decoding: bytes, as: UTF8.self) }

    func testKeepAliveResponse() {
        let response = HTTPResponse(status: 200, headers: [("Content-Type", "application/json")], body: Array("{\"a\":1}".utf8))
        XCTAssertEqual(text(response.serialize(keepAlive: true)),
                       "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 7\r\n\r\n{\"a\":1}")
    }

    func testCloseAndHTTP10() {
        let response = HTTPResponse(status: 204)
        XCTAssertEqual(text(response.serialize(keepAlive: false)), "HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n")
        XCTAssertEqual(text(HTTPResponse(status: 200).serialize(keepAlive: true, version: .http10)),
                       "HTTP/1.0 200 OK\r\nContent-Length: 0\r\nConnection: keep-alive\r\n\r\n")
        XCTAssertEqual(text(HTTPResponse(status: 200).serialize(keepAlive: false, version: .http10)),
                       "HTTP/1.0 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
    }

    func testFramingHeadersFromHandlersAreReplaced() {
        let response = HTTPResponse(status: 200, headers: [("content-length", "999"), ("Connection", "keep-alive"),
                                                           ("Transfer-Encoding", "chunked"), ("X", "y")], body: [1, 2])
        let out = text(response.serialize(keepAlive: false))
        XCTAssertEqual(out, "HTTP/1.1 200 OK\r\nX: y\r\nContent-Length: 2\r\nConnection: close\r\n\r\n\u{1}\u{2}")
    }

    func testHeaderInjectionIsNeutralised() {
        let response = HTTPResponse(status: 200, headers: [("X-A", "v\r\nSet-Cookie: evil")])
        let out = text(response.serialize(keepAlive: true))
        XCTAssertFalse(out.contains("\r\nSet-Cookie"))
        XCTAssertTrue(out.contains("X-A: v  Set-Cookie: evil\r\n"))
    }

    func testHeadRequestOmitsBodyKeepsLength() {
        let response = HTTPResponse(status: 200, body: Array(repeating: 65, count: 10))
        XCTAssertEqual(text(response.serialize(keepAlive: true, version: .http11, includeBody: false)),
                       "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n")
    }

    func testErrorResponsesAndReasonPhrases() {
        for code in [400, 404, 405, 408, 411, 413, 415, 431, 500, 501, 503, 505] {
            let response = HTTPResponse.error(code, "detail")
            let out = text(response.serialize(keepAlive: false))
            let phrase = HTTPResponse.reasonPhrase(code)
            XCTAssertFalse(["Client Error", "Server Error"].contains(phrase), "\(code) has a real phrase")
            XCTAssertTrue(out.hasPrefix("HTTP/1.1 \(code) \(phrase)\r\n"), out)
            XCTAssertTrue(out.hasSuffix("\r\n\r\n\(code) \(phrase): detail\n"), out)
            XCTAssertTrue(out.contains("Content-Type: text/plain; charset=utf-8\r\n"))
        }
        XCTAssertEqual(HTTPResponse.reasonPhrase(431), "Request Header Fields Too Large")
        XCTAssertEqual(HTTPResponse.reasonPhrase(599), "Server Error")
    }

    func testOutOfRangeStatusBecomes500AndLengthsAreExact() {
        XCTAssertTrue(text(HTTPResponse(status: 42).serialize(keepAlive: true)).hasPrefix("HTTP/1.1 500 "))
        for length in [0, 1, 9, 10, 99, 100, 12345, 1_000_000] {
            let out = text(HTTPResponse(status: 200, body: Array(repeating: 0x61, count: length)).serialize(keepAlive: true))
            XCTAssertTrue(out.contains("Content-Length: \(length)\r\n"))
        }
    }

    func testSerializedResponseIsParsableByPythonHTTPClient() throws {
        // A real HTTP client's parser reads our bytes (http.client over a socketpair-like buffer).
        let body = Array("{\"ok\":true}".utf8)
        let bytes = HTTPResponse.json(200, body).serialize(keepAlive: true)
            + HTTPResponse.error(413, "body too large").serialize(keepAlive: false)
        let script = """
        import http.client, io, sys
        class B(io.BytesIO):
            def close(self): pass
        class S:
            def __init__(self, b): self.f = B(b)
            def makefile(self, *a, **k): return self.f
        data = sys.stdin.buffer.read()
        s = S(data)
        out = []
        for _ in range(2):
            r = http.client.HTTPResponse(s); r.begin()
            out.append(f"{r.status} {r.reason} {r.getheader('Content-Type')} {r.read()!r} close={r.will_close}")
        print("\\n".join(out))
        """
        let output = try ServerPartsSupport.run("/usr/bin/env", ["python3", "-c", script], stdin: bytes)
        XCTAssertEqual(output.status, 0, output.stderr)
        XCTAssertEqual(output.stdout, """
        200 OK application/json b'{"ok":true}' close=False
        413 Content Too Large text/plain; charset=utf-8 b'413 Content Too Large: body too large\\n' close=True

        """)
    }
}
