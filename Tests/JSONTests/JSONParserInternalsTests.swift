import XCTest
import Foundation
import TestSupport
@testable import JSON

/// The parser's shortcuts (interned strings, fingerprinted duplicate-key check) must never change
/// a parsed value: near misses of interned strings and keys whose digests collide included.
final class JSONParserInternalsTests: XCTestCase {
    /// Every interned word parses to itself, as key and as value; words one byte off, longer or
    /// shorter do too (and are not confused with the interned one).
    func testInternedStringsAndNearMissesParseToThemselves() throws {
        let words = JSONInternTable.words
        XCTAssertGreaterThan(JSONInternTable.shared.count, 300)
        var variants: [String] = []
        for word in words {
            variants.append(word)
            variants.append(word + "x")
            variants.append(String(word.dropLast()))
            variants.append("x" + word)
            var bytes = Array(word.utf8)
            bytes[bytes.count / 2] ^= 0x01  // the middle byte: beyond the digest's 16 bytes for long words
            variants.append(String(decoding: bytes, as: UTF8.self))
        }
        for variant in variants {
            let document = "{" + JSONValue.string(variant).jsonString + ":" + JSONValue.string(variant).jsonString + "}"
            let value = try JSONValue.parse(document)
            XCTAssertEqual(value.objectValue?.keys, [variant])
            XCTAssertEqual(value[variant]?.stringValue, variant)
            XCTAssertEqual(value[variant]?.stringValue?.utf8.count, variant.utf8.count)
        }
    }

    func testInternTableLooksUpExactlyItsWords() {
        let table = JSONInternTable(["alpha", "kubectl.kubernetes.io/last-applied-configuration", "a", "sixteen-bytes-ab", "seventeen-bytes-a"])
        func lookUp(_ text: String) -> String? {
            var bytes = Array(text.utf8) + [0x22, 0, 0, 0, 0, 0, 0, 0]
            return bytes.withUnsafeMutableBufferPointer { buffer in
                guard let base = buffer.baseAddress else { return nil }
                return table.lookUp(base, StringDigest(base, count: text.utf8.count, readableCount: buffer.count))
            }
        }
        for word in ["alpha", "kubectl.kubernetes.io/last-applied-configuration", "a", "sixteen-bytes-ab", "seventeen-bytes-a"] {
            XCTAssertEqual(lookUp(word), word)
        }
        for miss in ["alphb", "alph", "alphaa", "", "b", "kubectl.kubernetes.io/last-applieX-configuration",
                     "sixteen-bytes-ac", "seventeen-bytes-b", "seventeen-bytXs-a"] {
            XCTAssertNil(lookUp(miss), miss)
        }
    }

    /// Keys longer than 16 bytes that differ only in the middle have equal digests: the duplicate
    /// check must compare the keys themselves, in small and in big objects.
    func testKeysWithEqualDigestsAreNotDuplicates() throws {
        func key(_ n: Int) -> String {
            let digits = String(n)
            return "prefix-0" + String(repeating: "0", count: 5 - digits.count) + digits + "-suffix-0"
        }
        XCTAssertEqual(StringDigest(key(1)), StringDigest(key(2)))
        XCTAssertNotEqual(key(1), key(2))
        for count in [2, 5, 16, 17, 40, 200] {
            let keys = (0..<count).map(key)
            let distinct = "{" + keys.enumerated().map { "\"\($0.element)\":\($0.offset)" }.joined(separator: ",") + "}"
            let value = try JSONValue.parse(distinct)
            XCTAssertEqual(value.objectValue?.keys, keys, "\(count) keys")
            // One real duplicate (the last key again): last value wins, at the first position.
            let duplicated = String(distinct.dropLast()) + ",\"\(keys[count / 2])\":-1}"
            let deduplicated = try JSONValue.parse(duplicated)
            XCTAssertEqual(deduplicated.objectValue?.keys, keys, "\(count) keys")
            XCTAssertEqual(deduplicated[keys[count / 2]], -1)
            var report = JSONSkipReport()
            _ = try JSONValue.parse(Array(duplicated.utf8), skipping: .none, report: &report)
            XCTAssertTrue(report.hadDuplicateKeys)
            _ = try JSONValue.parse(Array(distinct.utf8), skipping: .none, report: &report)
            XCTAssertFalse(report.hadDuplicateKeys)
        }
    }

    /// Escaped keys get the digest of what they decode to: `"a\u0062"` duplicates `"ab"`.
    func testEscapedKeysAreComparedDecoded() throws {
        let value = try JSONValue.parse(#"{"ab":1,"a\u0062":2,"\u00e9":3,"é":4}"#)
        XCTAssertEqual(value.objectValue?.keys, ["ab", "é"])
        XCTAssertEqual(value["ab"], 2)
        XCTAssertEqual(value["é"], 4)
    }

    /// Objects nesting deeper than the parser's first stack allocations, with keys pending at
    /// every level when an error strikes (nothing leaks or crashes), and when all goes well.
    func testDeepObjectsWithPendingKeys() throws {
        for depth in [1, 15, 16, 17, 33, 100] {
            let open = String(repeating: "{\"k\":", count: depth)
            let good = open + "[1,{\"a\":\"b\"}]" + String(repeating: "}", count: depth)
            var value = try JSONValue.parse(good)
            for _ in 0..<depth { value = value["k"] ?? .null }
            XCTAssertEqual(value, [1, ["a": "b"]])
            XCTAssertThrowsError(try JSONValue.parse(open + "[1,{\"a\":\"b\"]" + String(repeating: "}", count: depth)))
        }
    }

    /// Each thread reuses its parser storage: a parse that fails with members, elements and keys
    /// pending, or one that grows the stacks far, leaves nothing behind for the next one.
    func testStorageReusedAfterErrorsAndBigDocuments() throws {
        let good = #"{"a":[1,{"b":"c","d":[true,null]}],"e":{"f":"g"}}"#
        let expected = try JSONValue.parse(good)
        let failing = [
            #"{"a":[1,{"b":"c","d":[true,null]}],"e":{"f":"g","#,
            #"{"a":[1,2,3,{"b":{"c":{"d":[1,2,"x\q"]}}}]}"#,
            String(repeating: #"{"k":["#, count: 50) + "01",
        ]
        let items: [String] = (0..<20_000).map { (n: Int) -> String in
            let key = "k" + String(n % 7)
            return "{\"" + key + "\":" + String(n) + "}"
        }
        let big = "[" + items.joined(separator: ",") + "]"
        for round in 0..<3 {
            for text in failing { XCTAssertThrowsError(try JSONValue.parse(text), "round \(round)") }
            XCTAssertEqual(try JSONValue.parse(good), expected)
            XCTAssertEqual(try JSONValue.parse(big).arrayValue?.count, 20_000)
            XCTAssertEqual(try JSONValue.parse(good).jsonString, expected.jsonString)
        }
    }

    /// Parses on many threads at once give the same values as one thread (storage is per thread).
    func testConcurrentParsesAgree() throws {
        var random = RandomJSON(rng: SeededGenerator(seed: 0x7EAD))
        let documents = (0..<64).map { _ in random.value(depth: 0).serialized() }
        let expected = try documents.map { try JSONValue.parse($0) }
        let mismatches = LockedCounter()
        DispatchQueue.concurrentPerform(iterations: 8) { worker in
            for round in 0..<50 {
                let k = (worker &* 7 &+ round) % documents.count
                if (try? JSONValue.parse(documents[k])) != expected[k] { mismatches.add() }
                _ = try? JSONValue.parse(Array(#"{"x":[1,2,{"y":"#.utf8))  // an error in between
            }
        }
        XCTAssertEqual(mismatches.value, 0)
    }
}

private final class LockedCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0
    func add() { lock.lock(); count += 1; lock.unlock() }
    var value: Int { lock.lock(); defer { lock.unlock() }; return count }
}
