import JSON
@testable import KubeClient
import TestSupport
import XCTest

/// The watch path without a server: chunked body → JSON lines → events, with the stream cut at
/// every byte boundary, malformed and truncated.
final class WatchStreamDecodingTests: XCTestCase {
    let limits = HTTPClientLimits()

    static let events = [
        #"{"type":"ADDED","object":{"kind":"Pod","metadata":{"name":"a","resourceVersion":"10"}}}"#,
        #"{"type":"MODIFIED","object":{"kind":"Pod","metadata":{"name":"a","resourceVersion":"11","annotations":{"n":"line\nbreak é"}}}}"#,
        #"{"type":"BOOKMARK","object":{"kind":"Pod","metadata":{"resourceVersion":"12"}}}"#,
        #"{"type":"DELETED","object":{"kind":"Pod","metadata":{"name":"a","resourceVersion":"13"}}}"#,
        #"{"type":"ERROR","object":{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"too old resource version: 1 (480)","reason":"Expired","code":410}}"#,
    ]

    /// The events as the API server sends them: one JSON line per event, chunks cut where `cuts` say.
    static func chunkedStream(_ lines: [String], chunkSizes: [Int]) -> [UInt8] {
        let body = Array(lines.map { $0 + "\n" }.joined().utf8)
        var out: [UInt8] = []
        var offset = 0
        var index = 0
        while offset < body.count {
            let size = min(chunkSizes.isEmpty ? body.count : max(1, chunkSizes[index % chunkSizes.count]), body.count - offset)
            out += Array(String(size, radix: 16).utf8) + [0x0D, 0x0A] + Array(body[offset..<(offset + size)]) + [0x0D, 0x0A]
            offset += size
            index += 1
        }
        return out + Array("0\r\n\r\n".utf8)
    }

    /// Decodes a whole chunked watch body the way HTTPWatchStream does, fed in `pieces`.
    func decodeAll(_ bytes: [UInt8], pieces: [Int]) throws(KubeError) -> (events: [WatchEvent], ended: Bool) {
        let source = ScriptedByteSource(bytes, pieces: pieces)
        var reader = HTTPResponseReader(limits: limits, readSize: 7)
        var body = HTTPBodyDecoder(framing: .chunked, limits: limits)
        var lines = JSONLineSplitter(maxLineBytes: limits.maxWatchEventBytes)
        var events: [WatchEvent] = []
        var decoded: [UInt8] = []
        while true {
            while let line = try lines.nextLine() { events.append(try WatchEvent.decode(line: line, limits: limits)) }
            decoded.removeAll()
            let more = try reader.readBodyPart(&body, from: source, into: &decoded)
            lines.append(decoded)
            if !more {
                while let line = try lines.nextLine() { events.append(try WatchEvent.decode(line: line, limits: limits)) }
                if lines.hasPartialLine { throw KubeError.protocolViolation("stream ended inside an event") }
                return (events, true)
            }
        }
    }

    func testEventsDecodeWhateverTheChunkingAndReads() throws {
        let expectedTypes: [WatchEvent.Kind] = [.added, .modified, .bookmark, .deleted, .error]
        for chunk in [1, 2, 5, 13, 64, 1000] {
            for piece in [1, 3, 8, 4096] {
                let stream = Self.chunkedStream(Self.events, chunkSizes: [chunk, chunk + 7])
                let (events, ended) = try decodeAll(stream, pieces: [piece])
                XCTAssertTrue(ended)
                XCTAssertEqual(events.map(\.type), expectedTypes, "chunk \(chunk), piece \(piece)")
                XCTAssertEqual(events[1].object["metadata"]?["annotations"]?["n"]?.stringValue, "line\nbreak é")
                XCTAssertEqual(events[4].status, APIStatus(code: 410, reason: "Expired", message: "too old resource version: 1 (480)"))
            }
        }
    }

    func testLineSplitterAtEveryByteBoundary() throws {
        let text = Array((Self.events.joined(separator: "\n") + "\n\n \r\n").utf8)
        for cut in 0...text.count {
            var splitter = JSONLineSplitter(maxLineBytes: 1 << 20)
            var lines: [[UInt8]] = []
            splitter.append(Array(text[0..<cut]))
            while let line = try splitter.nextLine() { lines.append(line) }
            splitter.append(Array(text[cut...]))
            while let line = try splitter.nextLine() { lines.append(line) }
            XCTAssertEqual(lines.map { String(decoding: $0, as: UTF8.self) }, Self.events, "cut at \(cut)")
            XCTAssertFalse(splitter.hasPartialLine)
        }
    }

    func testEveryEventSplitAtEveryByteIntoTwoChunks() throws {
        let body = Array((Self.events[0] + "\n" + Self.events[3] + "\n").utf8)
        for cut in 1..<body.count {
            let first = Array(body[0..<cut]), second = Array(body[cut...])
            var stream: [UInt8] = []
            for part in [first, second] {
                stream += Array(String(part.count, radix: 16).utf8) + [0x0D, 0x0A] + part + [0x0D, 0x0A]
            }
            stream += Array("0\r\n\r\n".utf8)
            let (events, _) = try decodeAll(stream, pieces: [cut])
            XCTAssertEqual(events.map(\.type), [.added, .deleted], "cut at \(cut)")
        }
    }

    func testTruncatedStreamsAreReportedNotSilent() {
        let stream = Self.chunkedStream(Self.events, chunkSizes: [17])
        // any cut before the last chunk leaves a body that did not end properly
        for cut in stride(from: 0, to: stream.count - 5, by: 3) {
            XCTAssertThrowsError(try decodeAll(Array(stream[0..<cut]), pieces: [11]), "cut at \(cut)") { error in
                guard case .transport(let message) = error as? KubeError else { return XCTFail("cut at \(cut): \(error)") }
                XCTAssertTrue(message.contains("connection closed"), message)
            }
        }
        // an event without its newline at the very end of a well-framed stream is cut short
        let unterminated = Array("10\r\n{\"type\":\"ADDED\",\r\n0\r\n\r\n".utf8)
        XCTAssertThrowsError(try decodeAll(unterminated, pieces: [4])) { XCTAssertTrue("\($0)".contains("inside an event"), "\($0)") }
    }

    func testMalformedEvents() {
        let bad = [
            "not json",
            "[1,2]",
            #"{"object":{}}"#,
            #"{"type":"ADDED"}"#,
            #"{"type":"ADDED","object":"x"}"#,
            #"{"type":"RENAMED","object":{}}"#,
            #"{"type":"ADDED","object":{}"#,
            #"{"type":"ADDED","object":{"a":"\u0000 \ud800"}}"#,
        ]
        for line in bad {
            XCTAssertThrowsError(try WatchEvent.decode(line: Array(line.utf8), limits: limits), line) { error in
                guard case .protocolViolation = error as? KubeError else { return XCTFail("\(error)") }
            }
        }
    }

    func testOversizedEventIsRefused() {
        var splitter = JSONLineSplitter(maxLineBytes: 16)
        splitter.append(Array(String(repeating: "x", count: 17).utf8))
        XCTAssertThrowsError(try splitter.nextLine()) { XCTAssertTrue("\($0)".contains("larger than 16 bytes"), "\($0)") }
        var complete = JSONLineSplitter(maxLineBytes: 16)
        complete.append(Array((String(repeating: "y", count: 20) + "\n").utf8))
        XCTAssertThrowsError(try complete.nextLine())
    }

    func testRandomGarbageNeverCrashes() {
        var generator = SeededGenerator(seed: 7)
        for _ in 0..<1500 {
            var stream = Self.chunkedStream(Self.events, chunkSizes: [Int.random(in: 1...40, using: &generator)])
            for _ in 0..<Int.random(in: 1...4, using: &generator) {
                let index = Int.random(in: 0..<stream.count, using: &generator)
                stream[index] = UInt8.random(in: 0...255, using: &generator)
            }
            _ = try? decodeAll(stream, pieces: [Int.random(in: 1...30, using: &generator)])
        }
    }

    func testErrorEventWithoutStatusStillHasAStatus() throws {
        let event = try WatchEvent.decode(line: Array(#"{"type":"ERROR","object":{"weird":true}}"#.utf8), limits: limits)
        XCTAssertEqual(event.status?.code, 500)
        XCTAssertNil(try WatchEvent.decode(line: Array(Self.events[0].utf8), limits: limits).status)
    }
}
