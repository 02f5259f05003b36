import XCTest
import Foundation
import JSON
import TestSupport
import RayAPI
@testable import Admission
@testable import Conversion

final class JSONPatchTests: XCTestCase {
    func testPointerEscapingRoundTrips() {
        XCTAssertEqual(JSONPointer.escape("a/b~c"), "a~1b~0c")
        XCTAssertEqual(JSONPointer.escape("~1"), "~01")
        XCTAssertEqual(JSONPointer.escape("plain"), "plain")
        XCTAssertEqual(JSONPointer.path(["metadata", "annotations", "ray.io/ft-enabled"]), "/metadata/annotations/ray.io~1ft-enabled")
        for token in ["", "a/b", "~", "~0", "~1", "/~/", "é/ü~", "x~01"] {
            XCTAssertEqual(JSONPointer.unescape(Substring(JSONPointer.escape(token))), token)
        }
        XCTAssertEqual(JSONPointer.tokens(of: "/a~1b/~0/"), ["a/b", "~", ""])
        XCTAssertEqual(JSONPointer.tokens(of: ""), [])
        XCTAssertNil(JSONPointer.tokens(of: "a/b"))
        XCTAssertNil(JSONPointer.tokens(of: "/a~2"))
        XCTAssertNil(JSONPointer.tokens(of: "/a~"))
    }

    func testSerializationIsRFC6902() throws {
        let operations = [
            JSONPatchOperation(path: "/spec/rayVersion", value: "2.9.0"),
            JSONPatchOperation(path: "/metadata/annotations/a~1b", value: [:]),
        ]
        let text = String(decoding: JSONPatch.serialize(operations), as: UTF8.self)
        XCTAssertEqual(text, #"[{"op":"add","path":"/spec/rayVersion","value":"2.9.0"},{"op":"add","path":"/metadata/annotations/a~1b","value":{}}]"#)
        let reparsed = try JSONPatch.operations(from: JSONValue.parse(text))
        XCTAssertEqual(reparsed, operations)
    }

    func testApplyAddsMembersAndArrayElements() throws {
        let document: JSONValue = ["a": ["b": 1], "list": [1, 2], "a/b": ["~": 0]]
        let patched = try JSONPatch.apply([
            JSONPatchOperation(path: "/a/c", value: "x"),
            JSONPatchOperation(path: "/list/1", value: 9),
            JSONPatchOperation(path: "/list/-", value: 10),
            JSONPatchOperation(path: "/a~1b/~0", value: 5),  // add on an existing member replaces it
            JSONPatchOperation(op: "test", path: "/a/b", value: 1),
        ], to: document)
        XCTAssertEqual(patched, ["a": ["b": 1, "c": "x"], "list": [1, 9, 2, 10], "a/b": ["~": 5]])
    }

    func testApplyRejectsMissingParentsAndBadIndexes() {
        let document: JSONValue = ["a": [1]]
        for operation in [
            JSONPatchOperation(path: "/missing/child", value: 1),
            JSONPatchOperation(path: "/a/5", value: 1),
            JSONPatchOperation(path: "/a/01", value: 1),
            JSONPatchOperation(path: "/a/-1", value: 1),
            JSONPatchOperation(path: "/a/99999999999999999999999", value: 1),
            JSONPatchOperation(op: "replace", path: "/nope", value: 1),
            JSONPatchOperation(op: "remove", path: "/nope", value: .null),
            JSONPatchOperation(op: "test", path: "/a/0", value: 2),
            JSONPatchOperation(op: "move", path: "/a", value: 1),
            JSONPatchOperation(path: "no-slash", value: 1),
        ] {
            XCTAssertThrowsError(try JSONPatch.apply([operation], to: document), "\(operation)")
        }
    }

    func testBase64MatchesRFC4648Vectors() {
        let vectors = ["": "", "f": "Zg==", "fo": "Zm8=", "foo": "Zm9v", "foob": "Zm9vYg==", "fooba": "Zm9vYmE=", "foobar": "Zm9vYmFy"]
        for (plain, encoded) in vectors {
            XCTAssertEqual(Base64.encode(Array(plain.utf8)), encoded)
            XCTAssertEqual(Base64.decode(encoded), Array(plain.utf8))
        }
        let all = (0...255).map { UInt8($0) }
        XCTAssertEqual(Base64.decode(Base64.encode(all)), all)
        XCTAssertEqual(Base64.encode([0xfb, 0xff]), "+/8=")
        XCTAssertNil(Base64.decode("Zm9"))
        XCTAssertNil(Base64.decode("Zm=v"))
        XCTAssertNil(Base64.decode("Zm9v!A=="))
    }

    /// Cross-checks our encoder against the system's `base64` tool on random data (seeded, so a
    /// failure replays: the message names the seed).
    func testBase64AgreesWithCoreutils() throws {
        let seed: UInt64 = 0xB45E_0064
        var generator = SeededGenerator(seed: seed)
        for length in [1, 2, 3, 57, 58, 1000] {
            let bytes = (0..<length).map { _ in UInt8.random(in: 0...255, using: &generator) }
            let output = try runTool("/usr/bin/base64", ["-w0"], input: bytes)
            XCTAssertEqual(Base64.encode(bytes), String(decoding: output, as: UTF8.self), "seed \(seed), length \(length)")
        }
    }
}

/// Runs a tool with `input` on stdin; returns stdout. Fails the test on a non-zero exit.
func runTool(_ path: String, _ arguments: [String], input: [UInt8]) throws -> [UInt8] {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: path)
    process.arguments = arguments
    let stdin = Pipe(), stdout = Pipe(), stderr = Pipe()
    process.standardInput = stdin
    process.standardOutput = stdout
    process.standardError = stderr
    try process.run()
    let writer = Thread {
        stdin.fileHandleForWriting.write(Data(input))
        try? stdin.fileHandleForWriting.close()
    }
    writer.start()
    let output = stdout.fileHandleForReading.readDataToEndOfFile()
    let errors = stderr.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    if process.terminationStatus != 0 {
        throw ToolError(message: "\(path) exited \(process.terminationStatus): \(String(decoding: errors, as: UTF8.self))")
    }
    return Array(output)
}

struct ToolError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}
