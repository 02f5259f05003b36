import Foundation
import XCTest
import TestSupport
@testable import HTTPServer
@testable import TLS
@testable import Threads

final class ChunkedDecoderTests: XCTestCase {
    /// Decodes `input` in pieces of `step` bytes. Returns the body and the bytes left after the message.
    func decode(_ input: [UInt8], max: Int = 1 << 20, step: Int = Int.max) throws -> (body: [UInt8], rest: [UInt8]) {
        var decoder = ChunkedDecoder(maxBodyBytes: max)
        var body: [UInt8] = []
        var offset = 0
        while offset < input.count {
            let end = offset + Swift.min(step, input.count - offset)
            let piece = Array(input[offset..<end])
            let (consumed, done) = try piece.withUnsafeBytes { raw in try decoder.feed(raw, into: &body) }
            offset += consumed
            if done {
                XCTAssertTrue(decoder.isDone)
                XCTAssertEqual(decoder.bodyBytes, body.count)
                return (body, Array(input[offset...]))
            }
            XCTAssertEqual(consumed, piece.count, "an unfinished body uses every byte")
        }
        throw HTTPParseError(status: 0, reason: "incomplete")
    }

    func status(_ text: String, max: Int = 1 << 20) -> Int {
        do { _ = try decode(Array(text.utf8), max: max); return 200 } catch { return (error as? HTTPParseError)?.status ?? -1 }
    }

    func testSimpleBodyAndPipelinedRest() throws {
        let input = Array("5\r\nhello\r\n7\r\n, world\r\n0\r\n\r\nGET /next HTTP/1.1\r\n".utf8)
        for step in [1, 2, 3, 7, 1000] {
            let (body, rest) = try decode(input, step: step)
            XCTAssertEqual(String(decoding: body, as: UTF8.self), "hello, world", "step \(step)")
            XCTAssertEqual(String(decoding: rest, as: UTF8.self), "GET /next HTTP/1.1\r\n", "step \(step)")
        }
    }

    func testExtensionsTrailersHexAndLeadingZeros() throws {
        let input = "1A;name=value;other=\"quoted; string\"\r\n" + String(repeating: "x", count: 26) + "\r\n"
            + "0000a \t;ext\r\n0123456789\r\n000;last\r\nX-Trailer: yes\r\nOther:\r\n\r\n"
        let (body, rest) = try decode(Array(input.utf8), step: 5)
        XCTAssertEqual(body.count, 36)
        XCTAssertEqual(String(decoding: body.suffix(10), as: UTF8.self), "0123456789")
        XCTAssertEqual(rest, [])
        XCTAssertEqual(status("F\r\n0123456789abcde\r\n0\r\n\r\n"), 200)
        XCTAssertEqual(status("f\r\n0123456789abcde\r\n0\r\n\r\n"), 200)
    }

    func testEmptyBody() throws {
        let (body, rest) = try decode(Array("0\r\n\r\n".utf8))
        XCTAssertEqual(body, [])
        XCTAssertEqual(rest, [])
    }

    func testStrictSyntaxIs400() {
        let bad = [
            "5\nhello\r\n0\r\n\r\n",              // bare LF after size
            "5\r\nhello\n0\r\n\r\n",              // bare LF after data
            "5\r\nhelloX\r\n0\r\n\r\n",           // data longer than declared
            "5\r\nhell\r\n0\r\n\r\n",             // shorter (CRLF lands inside data, then garbage)
            "-5\r\nhello\r\n0\r\n\r\n",
            "+5\r\nhello\r\n0\r\n\r\n",
            "0x5\r\nhello\r\n0\r\n\r\n",
            " 5\r\nhello\r\n0\r\n\r\n",
            "\r\n",
            "g\r\n",
            "5 x\r\nhello\r\n0\r\n\r\n",
            "5;a\u{0}b\r\nhello\r\n0\r\n\r\n",   // control character in an extension
            "5;a\nb\r\nhello\r\n0\r\n\r\n",       // LF inside an extension (smuggling vector)
            "0\r\nX: y\n\r\n",                     // bare LF in a trailer
            "0\r\n: y\r\n\r\n",                    // empty trailer name
            "0\r\nX y: z\r\n\r\n",
            "0\r\nX: a\u{7F}\r\n\r\n",
            "0\r\n\rX",                             // final CR not followed by LF
            "10000000000000000\r\n",              // 2^64: overflow
            "fffffffffffffffff\r\n",
        ]
        for text in bad { XCTAssertEqual(status(text), 400, text.debugDescription) }
    }

    func testBodyLimitIs413BeforeTheDataArrives() throws {
        XCTAssertEqual(status("5\r\nhello\r\n0\r\n\r\n", max: 5), 200)
        XCTAssertEqual(status("5\r\nhello\r\n1\r\n!\r\n0\r\n\r\n", max: 5), 413)
        // a huge declared chunk is refused from its size line alone, nothing allocated for it
        var decoder = ChunkedDecoder(maxBodyBytes: 1 << 20)
        var body: [UInt8] = []
        let line = Array("7fffffffffffffff\r\n".utf8)
        XCTAssertThrowsError(try line.withUnsafeBytes { raw in try decoder.feed(raw, into: &body) }) { error in
            XCTAssertEqual((error as? HTTPParseError)?.status, 413)
        }
        XCTAssertEqual(body.capacity < 1024, true)
        // the decoder stays failed
        XCTAssertThrowsError(try Array("0\r\n\r\n".utf8).withUnsafeBytes { raw in try decoder.feed(raw, into: &body) })
        XCTAssertEqual(status("1\r\na\r\n0\r\n\r\n", max: 0), 413)
    }

    func testLineAndTrailerLimits() {
        let longExtension = "5;" + String(repeating: "e", count: ChunkedDecoder.maxChunkLineBytes) + "\r\nhello\r\n0\r\n\r\n"
        XCTAssertEqual(status(longExtension), 400)
        let okExtension = "5;" + String(repeating: "e", count: ChunkedDecoder.maxChunkLineBytes - 10) + "\r\nhello\r\n0\r\n\r\n"
        XCTAssertEqual(status(okExtension), 200)
        XCTAssertEqual(status(String(repeating: "0", count: ChunkedDecoder.maxChunkLineBytes + 1) + "5\r\nhello\r\n0\r\n\r\n"), 400)
        let bigTrailer = "0\r\nX: " + String(repeating: "t", count: ChunkedDecoder.maxTrailerBytes) + "\r\n\r\n"
        XCTAssertEqual(status(bigTrailer), 431)
    }

    func testFuzzNeverTraps() {
        var rng = ServerPartsSupport.SplitMix64(seed: 0xC4A2_0001)
        let valid = Array("4\r\nWiki\r\n6;x=y\r\npedia \r\nE\r\n in\r\n\r\nchunks.\r\n0\r\nT: v\r\n\r\n".utf8)
        let alphabet = Array("0123456789abcdefABCDEF;=\" \t\r\nxyz:".utf8) + [0, 0x7F, 0xFF]
        var outcomes: [Int: Int] = [:]
        for iteration in 0..<20_000 {
            var input = valid
            if iteration % 5 == 0 {
                input = (0..<Int(rng.next() % 80)).map { _ in alphabet[Int(rng.next() % UInt64(alphabet.count))] }
            } else {
                for _ in 0..<(1 + Int(rng.next() % 3)) {
                    let at = Int(rng.next() % UInt64(input.count))
                    switch rng.next() % 3 {
                    case 0: input[at] = alphabet[Int(rng.next() % UInt64(alphabet.count))]
                    case 1: input.remove(at: at)
                    default: input.insert(alphabet[Int(rng.next() % UInt64(alphabet.count))], at: at)
                    }
                    if input.isEmpty { break }
                }
            }
            let step = 1 + Int(rng.next() % 16)
            let maxBody = Int(rng.next() % 40)
            do {
                let (body, rest) = try decode(input, max: maxBody, step: step)
                XCTAssertLessThanOrEqual(body.count, maxBody)
                XCTAssertLessThanOrEqual(body.count + rest.count, input.count)
                outcomes[200, default: 0] += 1
            } catch {
                let status = (error as? HTTPParseError)?.status ?? -1
                XCTAssertTrue([0, 400, 413, 431].contains(status), "\(error)")
                outcomes[status, default: 0] += 1
            }
        }
        XCTAssertGreaterThan(outcomes[200, default: 0], 500)
        XCTAssertGreaterThan(outcomes[400, default: 0], 1000)
        XCTAssertGreaterThan(outcomes[413, default: 0], 500)
        XCTAssertGreaterThan(outcomes[0, default: 0], 100)
    }

    /// curl's own chunked encoder produces what we decode (a real client's bytes, captured by a
    /// plain socket server in Python).
    func testDecodesCurlsChunkedUpload() throws {
        let payload = (0..<70_000).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
        let directory = try ServerPartsSupport.temporaryDirectory("chunked")
        defer { ServerPartsSupport.remove(directory) }
        try ServerPartsSupport.write(payload, to: directory + "/payload.bin")
        let script = """
        import socket, subprocess, sys, threading
        srv = socket.socket(); srv.bind(("127.0.0.1", 0)); srv.listen(1)
        port = srv.getsockname()[1]
        def client():
            subprocess.run(["curl", "-sS", "--max-time", "10", "-H", "Transfer-Encoding: chunked", "-H", "Expect:",
                            "--data-binary", "@" + sys.argv[1], f"http://127.0.0.1:{port}/convert"], capture_output=True)
        t = threading.Thread(target=client); t.start()
        conn, _ = srv.accept(); conn.settimeout(5)
        data = b""
        while not data.endswith(b"0\\r\\n\\r\\n"):
            piece = conn.recv(65536)
            if not piece: break
            data += piece
        conn.sendall(b"HTTP/1.1 200 OK\\r\\nContent-Length: 0\\r\\nConnection: close\\r\\n\\r\\n"); conn.close(); t.join()
        sys.stdout.buffer.write(data)
        """
        let output = try ServerPartsSupport.run("/usr/bin/env", ["python3", "-c", script, directory + "/payload.bin"])
        XCTAssertEqual(output.status, 0, output.stderr)
        let captured = output.stdoutBytes
        guard let headEnd = captured.firstRange(of: Array("\r\n\r\n".utf8))?.upperBound else { return XCTFail("no head") }
        let head = String(decoding: captured[..<headEnd], as: UTF8.self)
        XCTAssertTrue(head.lowercased().contains("transfer-encoding: chunked"), head)
        let (body, rest) = try decode(Array(captured[headEnd...]), step: 1000)
        XCTAssertEqual(body, payload)
        XCTAssertEqual(rest, [])
    }
}
