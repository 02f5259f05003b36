@testable import KubeClient
import TestSupport
import XCTest

/// Bytes handed out in pieces of given sizes, then end of stream (or a failure).
final class ScriptedByteSource: HTTPByteSource {
    private let bytes: [UInt8]
    private var offset = 0
    private let pieceSizes: [Int]
    private var piece = 0
    private let failure: KubeError?
    private(set) var reads = 0

    init(_ bytes: [UInt8], pieces: [Int] = [], failAtEnd failure: KubeError? = nil) {
        self.bytes = bytes
        self.pieceSizes = pieces
        self.failure = failure
    }

    convenience init(_ text: String, pieces: [Int] = [], failAtEnd failure: KubeError? = nil) {
        self.init(Array(text.utf8), pieces: pieces, failAtEnd: failure)
    }

    func read(into buffer: UnsafeMutableRawBufferPointer) throws(KubeError) -> Int {
        reads += 1
        if offset >= bytes.count {
            if let failure { throw failure }
            return 0
        }
        var size = pieceSizes.isEmpty ? buffer.count : pieceSizes[piece % pieceSizes.count]
        piece += 1
        size = max(1, min(size, buffer.count, bytes.count - offset))
        for index in 0..<size { buffer[index] = bytes[offset + index] }
        offset += size
        return size
    }
}

final class HTTPCodecTests: XCTestCase {
    let limits = HTTPClientLimits()

    func parseHead(_ text: String, limits: HTTPClientLimits = HTTPClientLimits()) throws(KubeError) -> (head: HTTPResponseHead, consumed: Int)? {
        try Array(text.utf8).withBytes { (buffer: UnsafeRawBufferPointer) throws(KubeError) in try HTTPResponseHeadParser.parse(buffer, limits: limits) }
    }

    // MARK: - head

    func testHeadParsesStatusFieldsAndFraming() throws {
        let text = "HTTP/1.1 201 Created\r\nContent-Type: application/json\r\nContent-Length:  12 \r\nAudit-Id: x\r\n\r\n{\"a\":1}xxxxx"
        let (head, consumed) = try XCTUnwrap(try parseHead(text))
        XCTAssertEqual(head.status, 201)
        XCTAssertEqual(head.reason, "Created")
        XCTAssertEqual(head.minorVersion, 1)
        XCTAssertEqual(head.header("content-type"), "application/json")
        XCTAssertEqual(head.header("CONTENT-LENGTH"), "12")
        XCTAssertEqual(head.framing, .contentLength(12))
        XCTAssertTrue(head.allowsReuse)
        XCTAssertEqual(consumed, text.utf8.count - 12)
    }

    func testHeadFramingRules() throws {
        XCTAssertEqual(try parseHead("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")?.head.framing, .chunked)
        XCTAssertEqual(try parseHead("HTTP/1.1 200 OK\r\nTransfer-Encoding: Chunked\r\n\r\n")?.head.framing, .chunked)
        XCTAssertEqual(try parseHead("HTTP/1.1 204 No Content\r\nContent-Length: 5\r\n\r\n")?.head.framing, .empty)
        XCTAssertEqual(try parseHead("HTTP/1.1 304 Not Modified\r\n\r\n")?.head.framing, .empty)
        XCTAssertEqual(try parseHead("HTTP/1.1 200 OK\r\n\r\n")?.head.framing, .untilClose)
        XCTAssertEqual(try parseHead("HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\n")?.head.framing, .contentLength(3))
        XCTAssertEqual(try parseHead("HTTP/1.1 200\r\nContent-Length: 0\r\n\r\n")?.head.reason, "")
        let until = try XCTUnwrap(try parseHead("HTTP/1.1 200 OK\r\n\r\n")).head
        XCTAssertFalse(until.allowsReuse, "a body that ends with the connection cannot be followed by another")
        let close = try XCTUnwrap(try parseHead("HTTP/1.1 200 OK\r\nConnection: keep-alive, Close\r\nContent-Length: 0\r\n\r\n")).head
        XCTAssertFalse(close.allowsReuse)
        let old = try XCTUnwrap(try parseHead("HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n")).head
        XCTAssertFalse(old.allowsReuse)
        let retry = try XCTUnwrap(try parseHead("HTTP/1.1 429 Too Many Requests\r\nRetry-After: 3\r\nContent-Length: 0\r\n\r\n")).head
        XCTAssertEqual(retry.retryAfterSeconds, 3)
        let date = try XCTUnwrap(try parseHead("HTTP/1.1 503 x\r\nRetry-After: Wed, 21 Oct 2015 07:28:00 GMT\r\nContent-Length: 0\r\n\r\n")).head
        XCTAssertNil(date.retryAfterSeconds)
    }

    func testIncompleteHeadAsksForMore() throws {
        let full = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"
        for cut in 0..<full.utf8.count {
            let prefix = String(decoding: Array(full.utf8)[0..<cut], as: UTF8.self)
            XCTAssertNil(try parseHead(prefix), "cut at \(cut)")
        }
        XCTAssertNotNil(try parseHead(full))
    }

    func testMalformedHeadsAreProtocolViolations() {
        let bad = [
            "HTTP/2 200 OK\r\n\r\n",
            "HTTP/1.1 20 OK\r\n\r\n",
            "HTTP/1.1 2000 OK\r\n\r\n",
            "HTTP/1.1 abc OK\r\n\r\n",
            "HTTP/1.1 099 Low\r\n\r\n",
            "ICY 200 OK\r\n\r\n",
            "HTTP/1.1 200 OK\r\nNo-Colon\r\n\r\n",
            "HTTP/1.1 200 OK\r\n: empty name\r\n\r\n",
            "HTTP/1.1 200 OK\r\nBad Name: x\r\n\r\n",
            "HTTP/1.1 200 OK\r\nX: a\u{01}b\r\n\r\n",
            "HTTP/1.1 200 OK\nContent-Length: 0\r\n\r\n",
            "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n",
            "HTTP/1.1 200 OK\r\nContent-Length: 1e3\r\n\r\n",
            "HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999999\r\n\r\n",
            "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\n",
            "HTTP/1.1 200 OK\r\nContent-Length: 3, 4\r\n\r\n",
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n",
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n",
        ]
        for text in bad {
            XCTAssertThrowsError(try parseHead(text), text.debugDescription) { error in
                guard case .protocolViolation = error as? KubeError else { return XCTFail("\(error) for \(text.debugDescription)") }
            }
        }
    }

    func testHeadLimits() {
        let small = HTTPClientLimits(maxHeaderBytes: 100, maxHeaderCount: 3)
        let long = "HTTP/1.1 200 OK\r\nX: " + String(repeating: "a", count: 200)
        XCTAssertThrowsError(try parseHead(long, limits: small)) { error in
            XCTAssertTrue("\(error)".contains("larger than 100 bytes"), "\(error)")
        }
        let many = "HTTP/1.1 200 OK\r\nA: 1\r\nB: 2\r\nC: 3\r\nD: 4\r\n\r\n"
        XCTAssertThrowsError(try parseHead(many, limits: small)) { error in
            XCTAssertTrue("\(error)".contains("more than 3 header fields"), "\(error)")
        }
    }

    // MARK: - chunked bodies

    func decodeChunked(_ text: String, pieces: Int? = nil, limits: HTTPClientLimits = HTTPClientLimits()) throws(KubeError) -> (body: [UInt8], consumed: Int, done: Bool) {
        let bytes = Array(text.utf8)
        var decoder = ChunkedBodyDecoder(limits: limits)
        var body: [UInt8] = []
        var consumed = 0
        let step = pieces ?? max(1, bytes.count)
        var start = 0
        while start < bytes.count && !decoder.isDone {
            let end = min(bytes.count, start + step)
            let slice = Array(bytes[start..<end])
            let used = try slice.withBytes { (buffer: UnsafeRawBufferPointer) throws(KubeError) in try decoder.decode(buffer, into: &body) }
            consumed += used
            start = end
        }
        return (body, consumed, decoder.isDone)
    }

    func testChunkedBodyAtEveryPieceSize() throws {
        let text = "5\r\nhello\r\n1;name=value\r\n \r\n000A\r\n0123456789\r\n0\r\nTrailer: yes\r\n\r\nNEXT"
        for size in 1...text.utf8.count {
            let (body, consumed, done) = try decodeChunked(text, pieces: size)
            XCTAssertTrue(done, "piece size \(size)")
            XCTAssertEqual(String(decoding: body, as: UTF8.self), "hello 0123456789", "piece size \(size)")
            XCTAssertEqual(consumed, text.utf8.count - 4, "the next response's bytes are left alone (piece size \(size))")
        }
    }

    func testChunkedBodySplitAtEveryBoundary() throws {
        let text = "3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n"
        let bytes = Array(text.utf8)
        for cut in 0...bytes.count {
            var decoder = ChunkedBodyDecoder(limits: limits)
            var body: [UInt8] = []
            _ = try Array(bytes[0..<cut]).withBytes { (b: UnsafeRawBufferPointer) throws(KubeError) in try decoder.decode(b, into: &body) }
            XCTAssertEqual(decoder.isDone, cut == bytes.count)
            _ = try Array(bytes[cut...]).withBytes { (b: UnsafeRawBufferPointer) throws(KubeError) in try decoder.decode(b, into: &body) }
            XCTAssertTrue(decoder.isDone, "cut at \(cut)")
            XCTAssertEqual(String(decoding: body, as: UTF8.self), "abcde", "cut at \(cut)")
        }
    }

    func testMalformedChunkedBodies() {
        let bad = [
            "x\r\n",                       // not hex
            "\r\n",                        // no size
            "-1\r\n",                      // sign
            "0x5\r\nhello\r\n",            // 0x prefix
            "5\nhello\r\n",                // bare LF after size
            "5\r\nhelloXX",                // no CRLF after data
            "5\r\nhello\r\r",              // CR CR
            "3;ext\u{01}\r\n",             // control character in an extension
            "0\r\nBad\u{01}Trailer\r\n\r\n",
            "0\r\nTrailer: x\n\r\n",       // trailer with bare LF
            "0\r\n\rX",                    // final CRLF broken
        ]
        for text in bad {
            XCTAssertThrowsError(try decodeChunked(text), text.debugDescription) { error in
                guard case .protocolViolation = error as? KubeError else { return XCTFail("\(error)") }
            }
        }
    }

    func testChunkLimits() {
        let small = HTTPClientLimits(maxChunkBytes: 16, maxChunkLineBytes: 10, maxTrailerBytes: 8)
        XCTAssertThrowsError(try decodeChunked("11\r\n", limits: small)) { XCTAssertTrue("\($0)".contains("chunk larger than 16 bytes"), "\($0)") }
        // a size that would overflow Int stops at the limit instead
        XCTAssertThrowsError(try decodeChunked(String(repeating: "f", count: 40) + "\r\n", limits: small)) { error in
            XCTAssertTrue("\(error)".contains("chunk larger than"), "\(error)")
        }
        XCTAssertThrowsError(try decodeChunked("1;aaaaaaaaaaaaaaa\r\n", limits: small)) { XCTAssertTrue("\($0)".contains("chunk size line longer"), "\($0)") }
        XCTAssertThrowsError(try decodeChunked("0\r\nLong-Trailer: value\r\n\r\n", limits: small)) { XCTAssertTrue("\($0)".contains("trailer section larger"), "\($0)") }
    }

    func testFailedDecoderKeepsFailing() throws {
        var decoder = ChunkedBodyDecoder(limits: limits)
        var body: [UInt8] = []
        XCTAssertThrowsError(try Array("zz".utf8).withBytes { (b: UnsafeRawBufferPointer) throws(KubeError) in try decoder.decode(b, into: &body) })
        XCTAssertThrowsError(try Array("5\r\nhello\r\n".utf8).withBytes { (b: UnsafeRawBufferPointer) throws(KubeError) in try decoder.decode(b, into: &body) })
        XCTAssertEqual(body, [])
    }

    // MARK: - whole responses over a byte source

    func testReaderReadsBodiesOfEveryFramingInPieces() throws {
        let responses = "HTTP/1.1 100 Continue\r\n\r\n"
            + "HTTP/1.1 200 OK\r\nContent-Length: 7\r\n\r\n{\"a\":1}"
            + "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\n{\"b\r\n4\r\n\":2}\r\n0\r\n\r\n"
            + "HTTP/1.1 204 No Content\r\n\r\n"
            + "HTTP/1.1 200 OK\r\n\r\nuntil the end"
        for piece in [1, 2, 3, 7, 64, 4096] {
            let source = ScriptedByteSource(responses, pieces: [piece])
            var reader = HTTPResponseReader(limits: limits, readSize: 5)
            let first = try reader.readHead(from: source)
            XCTAssertEqual(first.status, 200, "interim 100 skipped")
            XCTAssertEqual(String(decoding: try reader.readBody(of: first, from: source), as: UTF8.self), "{\"a\":1}")
            let second = try reader.readHead(from: source)
            XCTAssertEqual(String(decoding: try reader.readBody(of: second, from: source), as: UTF8.self), "{\"b\":2}")
            let third = try reader.readHead(from: source)
            XCTAssertEqual(third.status, 204)
            XCTAssertEqual(try reader.readBody(of: third, from: source), [])
            let fourth = try reader.readHead(from: source)
            XCTAssertEqual(String(decoding: try reader.readBody(of: fourth, from: source), as: UTF8.self), "until the end", "piece \(piece)")
            XCTAssertEqual(reader.unconsumedByteCount, 0)
        }
    }

    func testTruncatedResponsesAreErrorsAtEveryCut() {
        let full = Array("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n".utf8)
        for cut in 0..<full.count {
            let source = ScriptedByteSource(Array(full[0..<cut]), pieces: [3])
            var reader = HTTPResponseReader(limits: limits)
            do {
                let head = try reader.readHead(from: source)
                _ = try reader.readBody(of: head, from: source)
                XCTFail("cut at \(cut) was accepted")
            } catch {
                // the connection broke before the answer was complete: a transport failure
                guard case .transport(let message) = error else { return XCTFail("cut at \(cut): \(error)") }
                XCTAssertTrue(message.contains("connection closed"), message)
            }
        }
        let short = ScriptedByteSource("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc")
        var reader = HTTPResponseReader(limits: limits)
        XCTAssertThrowsError(try { () throws(KubeError) in
            let head = try reader.readHead(from: short)
            _ = try reader.readBody(of: head, from: short)
        }()) { XCTAssertTrue("\($0)".contains("7 bytes of the body missing"), "\($0)") }
    }

    func testBodyLimit() {
        let small = HTTPClientLimits(maxBodyBytes: 10)
        var reader = HTTPResponseReader(limits: small)
        let declared = ScriptedByteSource("HTTP/1.1 200 OK\r\nContent-Length: 11\r\n\r\n01234567890")
        XCTAssertThrowsError(try { () throws(KubeError) in
            let head = try reader.readHead(from: declared)
            _ = try reader.readBody(of: head, from: declared)
        }()) { XCTAssertTrue("\($0)".contains("larger than the limit of 10"), "\($0)") }
        var chunkedReader = HTTPResponseReader(limits: small)
        let chunked = ScriptedByteSource("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n6\r\n012345\r\n6\r\n678901\r\n0\r\n\r\n")
        XCTAssertThrowsError(try { () throws(KubeError) in
            let head = try chunkedReader.readHead(from: chunked)
            _ = try chunkedReader.readBody(of: head, from: chunked)
        }()) { XCTAssertTrue("\($0)".contains("larger than the limit of 10"), "\($0)") }
    }

    func testTransportFailuresPassThroughAndMarkWhetherBytesArrived() {
        var reader = HTTPResponseReader(limits: limits)
        let silent = ScriptedByteSource("", failAtEnd: .transport("reset"))
        XCTAssertThrowsError(try reader.readHead(from: silent)) { XCTAssertEqual($0 as? KubeError, .transport("reset")) }
        XCTAssertFalse(reader.receivedResponseBytes)
        var partial = HTTPResponseReader(limits: limits)
        let cut = ScriptedByteSource("HTTP/1.1 2", failAtEnd: .transport("reset"))
        XCTAssertThrowsError(try partial.readHead(from: cut))
        XCTAssertTrue(partial.receivedResponseBytes)
    }

    func testRandomBytesNeverCrashTheReader() {
        var generator = SeededGenerator(seed: 11)
        let prefixes = ["HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", "HTTP/1.1 200 OK\r\nContent-Length: 20\r\n\r\n", ""]
        for round in 0..<2000 {
            var bytes = Array(prefixes[round % prefixes.count].utf8)
            let count = Int.random(in: 0..<80, using: &generator)
            let alphabet = Array("0123456789abcdefABCDEF;:\r\n \t=xHTTP/1.".utf8)
            for _ in 0..<count {
                bytes.append(Bool.random(using: &generator) ? alphabet.randomElement(using: &generator) ?? 0 : UInt8.random(in: 0...255, using: &generator))
            }
            let source = ScriptedByteSource(bytes, pieces: [Int.random(in: 1...9, using: &generator)])
            var reader = HTTPResponseReader(limits: HTTPClientLimits(maxHeaderBytes: 256, maxBodyBytes: 64, maxChunkBytes: 32))
            do {
                let head = try reader.readHead(from: source)
                let body = try reader.readBody(of: head, from: source)
                XCTAssertLessThanOrEqual(body.count, 64)
            } catch {
                // any typed error is fine; the point is no trap and no runaway allocation
            }
        }
    }

    // MARK: - requests

    func testRequestSerialization() throws {
        let request = HTTPRequest(method: "PATCH", target: "/api/v1/namespaces/a/pods/b?x=1",
                                  fields: [HTTPHeaderField(name: "Content-Type", value: "application/merge-patch+json"),
                                           HTTPHeaderField(name: "Authorization", value: "Bearer t0k3n")],
                                  body: Array("{}".utf8))
        let text = String(decoding: try HTTPRequestWriter.serialize(request, hostHeader: "127.0.0.1:6443", userAgent: "ray-operator"), as: UTF8.self)
        XCTAssertEqual(text, "PATCH /api/v1/namespaces/a/pods/b?x=1 HTTP/1.1\r\nHost: 127.0.0.1:6443\r\nUser-Agent: ray-operator\r\n"
                       + "Accept: application/json\r\nContent-Type: application/merge-patch+json\r\nAuthorization: Bearer t0k3n\r\n"
                       + "Content-Length: 2\r\n\r\n{}")
        XCTAssertFalse(text.lowercased().contains("accept-encoding"), "no compression is asked for")
        let get = String(decoding: try HTTPRequestWriter.serialize(HTTPRequest(method: "GET", target: "/version"), hostHeader: "h:1", userAgent: "u"), as: UTF8.self)
        XCTAssertEqual(get, "GET /version HTTP/1.1\r\nHost: h:1\r\nUser-Agent: u\r\nAccept: application/json\r\n\r\n")
        let delete = String(decoding: try HTTPRequestWriter.serialize(HTTPRequest(method: "DELETE", target: "/x"), hostHeader: "h:1", userAgent: "u"), as: UTF8.self)
        XCTAssertTrue(delete.hasSuffix("Content-Length: 0\r\n\r\n"))
    }

    func testRequestsThatWouldSplitAreRefused() {
        let injected = HTTPRequest(method: "GET", target: "/x", fields: [HTTPHeaderField(name: "Authorization", value: "Bearer a\r\nX-Evil: 1")])
        XCTAssertThrowsError(try HTTPRequestWriter.serialize(injected, hostHeader: "h", userAgent: "u"))
        XCTAssertThrowsError(try HTTPRequestWriter.serialize(HTTPRequest(method: "GET", target: "/a b"), hostHeader: "h", userAgent: "u"))
        XCTAssertThrowsError(try HTTPRequestWriter.serialize(HTTPRequest(method: "GE T", target: "/"), hostHeader: "h", userAgent: "u"))
        XCTAssertThrowsError(try HTTPRequestWriter.serialize(HTTPRequest(method: "GET", target: "relative"), hostHeader: "h", userAgent: "u"))
    }

    // MARK: - statuses

    func testStatusFromAStatusBody() {
        let body = Array(#"{"kind":"Status","apiVersion":"v1","status":"Failure","message":"pods \"x\" already exists","reason":"AlreadyExists","details":{"name":"x","kind":"pods"},"code":409}"#.utf8)
        let status = APIStatus(httpCode: 409, body: body)
        XCTAssertEqual(status, APIStatus(code: 409, reason: "AlreadyExists", message: "pods \"x\" already exists"))
        XCTAssertTrue(KubeError.api(status).isAlreadyExists)
        let throttled = APIStatus(httpCode: 429, body: Array(#"{"kind":"Status","code":429,"reason":"TooManyRequests","message":"slow down","details":{"retryAfterSeconds":2}}"#.utf8))
        XCTAssertEqual(throttled.retryAfterSeconds, 2)
    }

    func testStatusFromOtherBodies() {
        let html = APIStatus(httpCode: 502, body: Array("<html>Bad Gateway</html>".utf8))
        XCTAssertEqual(html.code, 502)
        XCTAssertEqual(html.reason, "InternalError")
        XCTAssertTrue(html.message.contains("<html>Bad Gateway</html>"), html.message)
        let empty = APIStatus(httpCode: 404, body: [])
        XCTAssertEqual(empty.reason, "NotFound")
        XCTAssertTrue(empty.message.contains("empty body"))
        let jsonButNotStatus = APIStatus(httpCode: 503, body: Array(#"{"error":"x"}"#.utf8), retryAfterSeconds: 1)
        XCTAssertEqual(jsonButNotStatus.reason, "ServiceUnavailable")
        XCTAssertEqual(jsonButNotStatus.retryAfterSeconds, 1)
        let huge = APIStatus(httpCode: 500, body: Array(repeating: UInt8(ascii: "x"), count: 100_000))
        XCTAssertLessThan(huge.message.utf8.count, 1000, "the quote is bounded")
        let binary = APIStatus(httpCode: 500, body: [0, 1, 2, 0xFF])
        XCTAssertTrue(binary.message.contains("\\x00\\x01\\x02\\xff"), binary.message)
    }
}
