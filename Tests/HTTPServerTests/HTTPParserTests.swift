import XCTest
import TestSupport
@testable import HTTPServer
@testable import TLS
@testable import Threads

final class HTTPParserTests: XCTestCase {
    func testApiserverStylePost() throws {
        let text = "POST /validate-ray-io-v1-raycluster?timeout=10s HTTP/1.1\r\nHost: webhook-service.ray-system.svc:443\r\n"
            + "User-Agent: kube-apiserver-admission\r\nContent-Length: 1234\r\nAccept: application/json, */*\r\n"
            + "Content-Type: application/json; charset=utf-8\r\nAccept-Encoding: gzip\r\n\r\n{\"body\":"
        let (head, count) = try XCTUnwrap(head(text))
        XCTAssertEqual(head.method, .post)
        XCTAssertEqual(head.target, "/validate-ray-io-v1-raycluster?timeout=10s")
        XCTAssertEqual(head.path, "/validate-ray-io-v1-raycluster")
        XCTAssertEqual(head.query, "timeout=10s")
        XCTAssertEqual(head.version, .http11)
        XCTAssertEqual(head.contentLength, 1234)
        XCTAssertFalse(head.isChunked)
        XCTAssertTrue(head.keepAlive)
        XCTAssertFalse(head.expectsContinue)
        XCTAssertEqual(head.contentType, "application/json")
        XCTAssertEqual(head.headers["user-agent"], "kube-apiserver-admission")
        XCTAssertEqual(head.headers["USER-AGENT"], "kube-apiserver-admission")
        XCTAssertEqual(head.headers.count, 6)
        XCTAssertEqual(count, text.utf8.count - "{\"body\":".utf8.count)
        XCTAssertEqual(head.headers.map(\.name), ["Host", "User-Agent", "Content-Length", "Accept", "Content-Type", "Accept-Encoding"])
    }

    func testEveryPrefixIsIncompleteThenComplete() {
        let text = "POST /convert HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nX-Empty:\r\n\r\n"
        let bytes = Array(text.utf8)
        for cut in 0..<bytes.count {
            XCTAssertEqual(status(Array(bytes[..<cut])), 0, "prefix \(cut)")
        }
        XCTAssertEqual(status(bytes), 200)
    }

    func testTokenCharacterSetMatchesTheRFC() {
        let tchar = Set(Array("!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ".utf8))
        for byte in 0...255 {
            XCTAssertEqual(isTchar(UInt8(byte)), tchar.contains(UInt8(byte)), "byte \(byte)")
        }
    }

    func testMethods() throws {
        let cases: [(String, HTTPMethod)] = [("GET", .get), ("POST", .post), ("PUT", .put), ("DELETE", .delete),
                                             ("HEAD", .head), ("OPTIONS", .options), ("PATCH", .patch),
                                             ("PROPFIND", .other("PROPFIND")), ("get", .other("get"))]
        for (token, method) in cases {
            let (parsed, _) = try XCTUnwrap(head("\(token) / HTTP/1.1\r\nHost: a\r\n\r\n"))
            XCTAssertEqual(parsed.method, method)
            XCTAssertEqual(parsed.method.name, token)
            XCTAssertEqual(HTTPMethod(token), method)
        }
    }

    func testBareLFTolerated() throws {
        let (parsed, count) = try XCTUnwrap(head("GET /healthz HTTP/1.1\nHost: a\nX: y\n\nrest"))
        XCTAssertEqual(parsed.path, "/healthz")
        XCTAssertEqual(parsed.headers["x"], "y")
        XCTAssertEqual(count, "GET /healthz HTTP/1.1\nHost: a\nX: y\n\n".utf8.count)
    }

    func testLeadingEmptyLinesSkipped() throws {
        let text = "\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n"
        let (_, count) = try XCTUnwrap(head(text))
        XCTAssertEqual(count, text.utf8.count)
    }

    func testValueWhitespaceTrimmedAndEmptyValues() throws {
        let (parsed, _) = try XCTUnwrap(head("GET / HTTP/1.1\r\nHost: a\r\nX-A: \t spaced value \t \r\nX-B:\r\nX-C:   \r\n\r\n"))
        XCTAssertEqual(parsed.headers["x-a"], "spaced value")
        XCTAssertEqual(parsed.headers["x-b"], "")
        XCTAssertEqual(parsed.headers["x-c"], "")
        XCTAssertNil(parsed.headers["x-d"])
    }

    func testRepeatedHeadersAndValues() throws {
        let (parsed, _) = try XCTUnwrap(head("GET / HTTP/1.1\r\nHost: a\r\nAccept: a\r\naccept: b\r\nACCEPT: c\r\n\r\n"))
        XCTAssertEqual(parsed.headers["Accept"], "a")
        XCTAssertEqual(parsed.headers.values("accept"), ["a", "b", "c"])
        XCTAssertTrue(parsed.headers.contains("aCCept"))
    }

    /// The value scanner checks eight bytes at a time: a control byte at any position of any word
    /// must still be found, and every other byte (including 0x80-0xFF) must pass.
    func testEveryByteAtEveryPositionOfALongValue() {
        let prefix = Array("GET / HTTP/1.1\r\nHost: a\r\nX: ".utf8)
        let suffix = Array("\r\n\r\n".utf8)
        for byte in 0...255 {
            for position in 0..<19 {
                var value = Array(repeating: UInt8(ascii: "v"), count: 19)
                value[position] = UInt8(byte)
                let expected: Int
                switch UInt8(byte) {
                case 0x0A where position == 18: expected = 200   // a bare LF ends the line; the CRLF after it is the blank line
                case 0x0A, 0x0D: expected = 400             // a line end inside the value leaves "vvv" as a bad field line
                case 0x09: expected = 200
                case 0x00..<0x20, 0x7F: expected = 400
                default: expected = 200
                }
                XCTAssertEqual(status(prefix + value + suffix), expected, "byte \(byte) at \(position)")
            }
        }
    }

    func testObsTextInValueAccepted() throws {
        let bytes: [UInt8] = Array("GET / HTTP/1.1\r\nHost: a\r\nX: caf".utf8) + [0xC3, 0xA9] + Array("\r\n\r\n".utf8)
        XCTAssertEqual(status(bytes), 200)
    }

    // MARK: request line errors

    func testGarbageRequestLinesAre400() {
        let cases = ["GET  / HTTP/1.1\r\n\r\n", " GET / HTTP/1.1\r\n\r\n", "GET / HTTP/1.1 extra\r\n\r\n", "GET /\r\n\r\n",
                     "GET / HTTX/1.1\r\n\r\n", "GET / HTTP/1.x\r\n\r\n", "GET / HTTP/11\r\n\r\n", "GET / http/1.1\r\n\r\n",
                     "G@T / HTTP/1.1\r\n\r\n", "GET /a\u{7F}b HTTP/1.1\r\n\r\n", "GET / HTTP/1.1\rX\r\n\r\n",
                     "GET\t/ HTTP/1.1\r\n\r\n", "\r\r\n"]
        for text in cases { XCTAssertEqual(status(text), 400, text.debugDescription) }
    }

    func testTLSClientHelloOnPlainPortRefusedImmediately() {
        // The first bytes of a TLS record: handshake type 0x16, version 0x0301.
        XCTAssertEqual(status([0x16, 0x03, 0x01, 0x02, 0x00]), 400)
        XCTAssertEqual(status([0x16]), 400)
    }

    func testFieldsAreJudgedOnceTheBlankLineArrives() {
        // the request line is checked at once; the fields when the header section is complete, so
        // a client dribbling its headers does not make every packet cost a full re-parse
        XCTAssertEqual(status("GET / HTTP/1.1\r\nHost: a\r\nBad Name: x\r\n"), 0)
        XCTAssertEqual(status("GET / HTTP/1.1\r\nHost: a\r\nBad Name: x\r\n\r\n"), 400)
        XCTAssertEqual(status("GET / HTTP/1.1\r\nHost: a\r\nBad Name: x\n\n"), 400)
        XCTAssertEqual(status("GET / HTTP/3.0\r\nHost: a\r\n"), 505)
        XCTAssertEqual(status("GET /\u{1}x HTTP/1.1\r\n"), 400)
        // the blank-line search does not cross the byte limit
        let limits = HTTPLimits(maxHeaderBytes: 40, maxHeaderCount: 10)
        XCTAssertEqual(status("GET / HTTP/1.1\r\nHost: a\r\nX: 0123456789\r\n\r\n", limits: limits), 431)
    }

    func testVersions() throws {
        XCTAssertEqual(status("GET / HTTP/2.0\r\nHost: a\r\n\r\n"), 505)
        XCTAssertEqual(status("GET / HTTP/1.2\r\nHost: a\r\n\r\n"), 505)
        XCTAssertEqual(status("GET / HTTP/0.9\r\n\r\n"), 505)
        let (old, _) = try XCTUnwrap(head("GET / HTTP/1.0\r\n\r\n"))
        XCTAssertEqual(old.version, .http10)
        XCTAssertFalse(old.keepAlive, "HTTP/1.0 closes by default")
        let (kept, _) = try XCTUnwrap(head("GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n"))
        XCTAssertTrue(kept.keepAlive)
    }

    // MARK: header errors

    func testHeaderSyntaxErrorsAre400() {
        let cases = ["GET / HTTP/1.1\r\nHost: a\r\nX : y\r\n\r\n",                 // space before colon
                     "GET / HTTP/1.1\r\nHost: a\r\nX\t: y\r\n\r\n",
                     "GET / HTTP/1.1\r\nHost: a\r\nX: y\r\n  folded\r\n\r\n",      // obs-fold
                     "GET / HTTP/1.1\r\n Host: a\r\n\r\n",
                     "GET / HTTP/1.1\r\nHost: a\r\n: novalue\r\n\r\n",             // empty name
                     "GET / HTTP/1.1\r\nHost: a\r\nX(y): z\r\n\r\n",               // separator in name
                     "GET / HTTP/1.1\r\nHost: a\r\nNoColon\r\n\r\n",
                     "GET / HTTP/1.1\r\nHost: a\r\nX: a\u{0}b\r\n\r\n",             // NUL in value
                     "GET / HTTP/1.1\r\nHost: a\r\nX: a\rb\r\n\r\n",               // bare CR in value
                     "GET / HTTP/1.1\r\nHost: a\r\nX: a\u{7F}\r\n\r\n",
                     "GET / HTTP/1.1\r\nHost: a\r\n\rX\r\n\r\n"]
        for text in cases { XCTAssertEqual(status(text), 400, text.debugDescription) }
    }

    func testHostRules() {
        XCTAssertEqual(status("GET / HTTP/1.1\r\n\r\n"), 400)
        XCTAssertEqual(status("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n"), 400)
        XCTAssertEqual(status("GET / HTTP/1.1\r\n\r\n", limits: HTTPLimits(requireHostHeader: false)), 200)
        XCTAssertEqual(status("GET / HTTP/1.0\r\n\r\n"), 200)
    }

    func testHeaderBytesLimit() {
        let limits = HTTPLimits(maxHeaderBytes: 100, maxHeaderCount: 100)
        let base = "GET / HTTP/1.1\r\nHost: a\r\nX: "
        // exactly at the limit is fine
        let fits = base + String(repeating: "v", count: 100 - base.utf8.count - 4) + "\r\n\r\n"
        XCTAssertEqual(fits.utf8.count, 100)
        XCTAssertEqual(status(fits, limits: limits), 200)
        // one byte more is 431
        let over = base + String(repeating: "v", count: 100 - base.utf8.count - 3) + "\r\n\r\n"
        XCTAssertEqual(status(over, limits: limits), 431)
        // an incomplete head already past the limit is 431 (no waiting for the end)
        XCTAssertEqual(status(base + String(repeating: "v", count: 200), limits: limits), 431)
        // incomplete and under the limit: wait
        XCTAssertEqual(status(base + "vvv", limits: limits), 0)
        // the body after a head does not count
        XCTAssertEqual(status(fits + String(repeating: "b", count: 500), limits: limits), 200)
        // default 32 KiB
        let big = "GET / HTTP/1.1\r\nHost: a\r\nX: " + String(repeating: "v", count: 33 * 1024) + "\r\n\r\n"
        XCTAssertEqual(status(big), 431)
    }

    func testHeaderCountLimit() {
        func request(_ n: Int) -> String {
            "GET / HTTP/1.1\r\n" + (0..<n).map { "X-\($0): v\r\n" }.joined() + "Host: a\r\n\r\n"
        }
        XCTAssertEqual(status(request(99)), 200)   // 99 + Host = 100
        XCTAssertEqual(status(request(100)), 431)
        XCTAssertEqual(status(request(4), limits: HTTPLimits(maxHeaderBytes: 1 << 20, maxHeaderCount: 5)), 200)
        XCTAssertEqual(status(request(5), limits: HTTPLimits(maxHeaderBytes: 1 << 20, maxHeaderCount: 5)), 431)
    }

    func testDegenerateLimitsDoNotTrap() {
        XCTAssertEqual(status("GET / HTTP/1.1\r\nHost: a\r\n\r\n", limits: HTTPLimits(maxHeaderBytes: 0, maxHeaderCount: 0)), 431)
        XCTAssertEqual(status("GET / HTTP/1.1\r\nHost: a\r\n\r\n", limits: HTTPLimits(maxHeaderBytes: -5, maxHeaderCount: -1)), 431)
        XCTAssertEqual(status("", limits: HTTPLimits(maxHeaderBytes: -5, maxHeaderCount: -1)), 0)
        XCTAssertEqual(status("GET / HTTP/1.1\r\nHost: a\r\n\r\n", limits: HTTPLimits(maxHeaderBytes: 1000, maxHeaderCount: 0)), 431)
    }

    // MARK: framing

    func testContentLength() throws {
        XCTAssertEqual(try XCTUnwrap(head("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n")).0.contentLength, 0)
        XCTAssertEqual(try XCTUnwrap(head("POST / HTTP/1.1\r\nHost: a\r\ncontent-length:  42 \r\n\r\n")).0.contentLength, 42)
        XCTAssertEqual(try XCTUnwrap(head("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 7, 7\r\n\r\n")).0.contentLength, 7)
        XCTAssertEqual(try XCTUnwrap(head("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 7\r\nContent-Length: 7\r\n\r\n")).0.contentLength, 7)
        XCTAssertEqual(try XCTUnwrap(head("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 0009223372036854775807\r\n\r\n")).0.contentLength, Int.max)
        for bad in ["-1", "+5", "0x10", "1 2", "", "5,", "5, 6", "9223372036854775808", "99999999999999999999999", "1e3", "١"] {
            XCTAssertEqual(status("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: \(bad)\r\n\r\n"), 400, bad)
        }
        XCTAssertEqual(status("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n"), 400)
    }

    func testPostWithoutLengthIsReportedNotRefused() throws {
        let (parsed, _) = try XCTUnwrap(head("POST /convert HTTP/1.1\r\nHost: a\r\n\r\n"))
        XCTAssertNil(parsed.contentLength)
        XCTAssertFalse(parsed.isChunked)
    }

    func testTransferEncoding() throws {
        let (chunked, _) = try XCTUnwrap(head("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: Chunked\r\n\r\n"))
        XCTAssertTrue(chunked.isChunked)
        XCTAssertNil(chunked.contentLength)
        // smuggling: both framings
        XCTAssertEqual(status("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n"), 400)
        XCTAssertEqual(status("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n"), 400)
        // final coding not chunked, chunked twice, empty: 400
        XCTAssertEqual(status("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\n\r\n"), 400)
        XCTAssertEqual(status("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, gzip\r\n\r\n"), 400)
        XCTAssertEqual(status("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n"), 400)
        XCTAssertEqual(status("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding:\r\n\r\n"), 400)
        XCTAssertEqual(status("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: , chunked\r\n\r\n"), 400)
        XCTAssertEqual(status("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: xchunked\r\n\r\n"), 400)
        // an unsupported coding before chunked: 501
        XCTAssertEqual(status("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n\r\n"), 501)
        XCTAssertEqual(status("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n"), 501)
        // HTTP/1.0 with Transfer-Encoding: faulty framing
        XCTAssertEqual(status("POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n"), 400)
    }

    func testConnectionAndExpect() throws {
        XCTAssertFalse(try XCTUnwrap(head("GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")).0.keepAlive)
        XCTAssertFalse(try XCTUnwrap(head("GET / HTTP/1.1\r\nHost: a\r\nConnection: keep-alive, CLOSE\r\n\r\n")).0.keepAlive)
        XCTAssertTrue(try XCTUnwrap(head("GET / HTTP/1.1\r\nHost: a\r\nConnection: Upgrade\r\n\r\n")).0.keepAlive)
        XCTAssertTrue(try XCTUnwrap(head("POST / HTTP/1.1\r\nHost: a\r\nExpect: 100-Continue\r\nContent-Length: 5\r\n\r\n")).0.expectsContinue)
        XCTAssertFalse(try XCTUnwrap(head("POST / HTTP/1.0\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n")).0.expectsContinue)
        XCTAssertFalse(try XCTUnwrap(head("POST / HTTP/1.1\r\nHost: a\r\nExpect: something\r\n\r\n")).0.expectsContinue)
    }

    func testContentTypeAndPath() throws {
        XCTAssertEqual(try XCTUnwrap(head("GET / HTTP/1.1\r\nHost: a\r\nContent-Type: Application/JSON ; charset=utf-8\r\n\r\n")).0.contentType, "application/json")
        XCTAssertNil(try XCTUnwrap(head("GET / HTTP/1.1\r\nHost: a\r\n\r\n")).0.contentType)
        let typed = try XCTUnwrap(head("GET / HTTP/1.1\r\nHost: a\r\nContent-Type: Application/JSON ; charset=utf-8\r\n\r\n")).0
        XCTAssertTrue(typed.hasMediaType("application/json"))
        XCTAssertTrue(typed.hasMediaType("APPLICATION/json"))
        XCTAssertFalse(typed.hasMediaType("application/jso"))
        XCTAssertFalse(typed.hasMediaType("application/json-patch+json"))
        XCTAssertFalse(try XCTUnwrap(head("GET / HTTP/1.1\r\nHost: a\r\n\r\n")).0.hasMediaType("application/json"))
        let (parsed, _) = try XCTUnwrap(head("GET /a/b#frag HTTP/1.1\r\nHost: a\r\n\r\n"))
        XCTAssertEqual(parsed.path, "/a/b")
        XCTAssertNil(parsed.query)
        // absolute form
        let cases = ["https://svc.ns.svc:443/convert?timeout=30s": "/convert", "HTTP://h/x": "/x", "http://h": "/",
                     "http://h?q=1": "/", "https://": "https://", "/http://x/y": "/http://x/y", "*": "*"]
        for (target, path) in cases {
            XCTAssertEqual(HTTPRequestHead(method: .get, target: target).path, path, target)
        }
    }

    func testPipelinedRequestsParseOneAtATime() throws {
        let text = "GET /one HTTP/1.1\r\nHost: a\r\n\r\nGET /two HTTP/1.1\r\nHost: a\r\n\r\n"
        let bytes = Array(text.utf8)
        guard case .complete(let first, let used) = parse(bytes) else { return XCTFail() }
        XCTAssertEqual(first.path, "/one")
        guard case .complete(let second, let used2) = parse(Array(bytes[used...])) else { return XCTFail() }
        XCTAssertEqual(second.path, "/two")
        XCTAssertEqual(used + used2, bytes.count)
    }

    func testHeadersBuiltByHand() {
        var headers = HTTPHeaders([("Content-Type", "application/json")])
        headers.append(name: "X-A", value: "1")
        XCTAssertEqual(headers["content-type"], "application/json")
        XCTAssertEqual(headers["x-a"], "1")
        XCTAssertEqual(Array(headers).map(\.value), ["application/json", "1"])
    }

    // MARK: fuzz

    /// Random bytes, and valid requests with random mutations: the parser must never trap, must stay
    /// within the buffer (headerBytes ≤ count and ≤ maxHeaderBytes) and must give only known statuses.
    func testFuzzNeverTrapsAndAnswersSanely() {
        var rng = ServerPartsSupport.SplitMix64(seed: 0x5EED_1234)
        let seeds = [
            "POST /validate?timeout=10s HTTP/1.1\r\nHost: svc\r\nContent-Type: application/json\r\nContent-Length: 12\r\n\r\n",
            "POST /convert HTTP/1.1\r\nHost: svc\r\nTransfer-Encoding: chunked\r\nExpect: 100-continue\r\n\r\n",
            "GET /healthz HTTP/1.0\r\nConnection: keep-alive\r\n\r\n",
            // at the count limit (8 fields) and near the byte limit: duplications push it over
            "GET /a-rather-long-target/with/segments?and=query HTTP/1.1\r\nHost: a\r\n"
                + (1...7).map { "X-Field-\($0): value-\($0)-padding\r\n" }.joined() + "\r\n",
        ].map { Array($0.utf8) }
        let interesting: [UInt8] = Array(" \t\r\n:;,0123456789HTTP/.-\u{7F}".utf8) + [0, 0x80, 0xFF, 0x16]
        let limits = HTTPLimits(maxHeaderBytes: 256, maxHeaderCount: 8)
        let allowed: Set<Int> = [0, 200, 400, 431, 501, 505]
        var outcomes: [Int: Int] = [:]
        for iteration in 0..<20_000 {
            var bytes: [UInt8]
            if iteration % 4 == 0 {
                let length = Int(rng.next() % 300)
                bytes = (0..<length).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            } else {
                bytes = seeds[Int(rng.next() % UInt64(seeds.count))]
                let mutations = 1 + Int(rng.next() % 4)
                for _ in 0..<mutations {
                    guard !bytes.isEmpty else { break }
                    let at = Int(rng.next() % UInt64(bytes.count))
                    switch rng.next() % 5 {
                    case 0: bytes[at] = interesting[Int(rng.next() % UInt64(interesting.count))]
                    case 1: bytes[at] = UInt8(truncatingIfNeeded: rng.next())
                    case 2: bytes.remove(at: at)
                    case 3: bytes.insert(interesting[Int(rng.next() % UInt64(interesting.count))], at: at)
                    default: bytes.insert(contentsOf: bytes[at...].prefix(Int(rng.next() % 40)), at: at)
                    }
                }
                if rng.next() % 3 == 0 { bytes = Array(bytes.prefix(Int(rng.next() % UInt64(bytes.count + 1)))) }
            }
            let result = parse(bytes, limits: limits)
            switch result {
            case .complete(let parsed, let used):
                XCTAssertLessThanOrEqual(used, bytes.count)
                XCTAssertLessThanOrEqual(used, limits.maxHeaderBytes)
                XCTAssertLessThanOrEqual(parsed.headers.count, limits.maxHeaderCount)
                if parsed.isChunked { XCTAssertNil(parsed.contentLength) }
                outcomes[200, default: 0] += 1
            case .incomplete:
                XCTAssertLessThanOrEqual(bytes.count, limits.maxHeaderBytes)
                outcomes[0, default: 0] += 1
            case .failure(let error):
                XCTAssertTrue(allowed.contains(error.status), "\(error)")
                XCTAssertFalse(error.reason.isEmpty)
                outcomes[error.status, default: 0] += 1
            }
        }
        // the mutations must exercise the interesting branches, or the fuzz proves little
        XCTAssertGreaterThan(outcomes[200, default: 0], 1000)
        XCTAssertGreaterThan(outcomes[400, default: 0], 1000)
        XCTAssertGreaterThan(outcomes[0, default: 0], 100)
        XCTAssertGreaterThan(outcomes[431, default: 0], 10)
    }
}

extension HTTPParserTests {
    /// Parses `text` (or bytes) with the given limits.
    func parse(_ text: String, limits: HTTPLimits = HTTPLimits()) -> HTTPParseResult {
        parse(Array(text.utf8), limits: limits)
    }

    func parse(_ bytes: [UInt8], limits: HTTPLimits = HTTPLimits()) -> HTTPParseResult {
        bytes.withUnsafeBytes { HTTPParser.parseRequestHead($0, limits: limits) }
    }

    /// The head, or a test failure.
    func head(_ text: String, limits: HTTPLimits = HTTPLimits(), file: StaticString = #filePath, line: UInt = #line) -> (HTTPRequestHead, Int)? {
        switch parse(text, limits: limits) {
        case .complete(let head, let count): return (head, count)
        case .incomplete: XCTFail("incomplete", file: file, line: line)
        case .failure(let error): XCTFail("failure \(error)", file: file, line: line)
        }
        return nil
    }

    /// The status of a failure, 0 for incomplete, 200 for complete.
    func status(_ text: String, limits: HTTPLimits = HTTPLimits()) -> Int {
        status(Array(text.utf8), limits: limits)
    }

    func status(_ bytes: [UInt8], limits: HTTPLimits = HTTPLimits()) -> Int {
        switch parse(bytes, limits: limits) {
        case .complete: return 200
        case .incomplete: return 0
        case .failure(let error): return error.status
        }
    }
}
