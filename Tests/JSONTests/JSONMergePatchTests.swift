import JSON
import TestSupport
import XCTest

final class JSONMergePatchTests: XCTestCase {
    func testDiffOfEqualValuesIsNil() {
        let v: JSONValue = ["a": 1, "b": ["c": [1, 2]]]
        XCTAssertNil(JSONMergePatch.diff(from: v, to: v))
    }

    func testRemovedMembersBecomeNullAndNestedObjectsAreDiffed() {
        let old: JSONValue = ["state": "ready", "head": ["podIP": "10.0.0.1", "serviceIP": "10.0.0.2"], "gone": true]
        let new: JSONValue = ["state": "ready", "head": ["serviceIP": "10.0.0.3"], "conditions": [["type": "A"]]]
        let patch = JSONMergePatch.diff(from: old, to: new)
        XCTAssertEqual(patch, ["head": ["podIP": nil, "serviceIP": "10.0.0.3"], "gone": nil, "conditions": [["type": "A"]]])
    }

    func testArraysAndScalarsAreReplacedWhole() {
        XCTAssertEqual(JSONMergePatch.diff(from: ["a": [1, 2]], to: ["a": [1]]), ["a": [1]])
        XCTAssertEqual(JSONMergePatch.diff(from: ["a": 1], to: ["a": ["b": 1]]), ["a": ["b": 1]])
    }

    /// apply(diff(a, b), a) == b for random values without nulls (merge patches cannot carry them).
    func testDiffThenApplyGivesTheTarget() {
        var generator = SeededGenerator(seed: 20261205)
        func random(_ depth: Int) -> JSONValue {
            switch Int.random(in: 0..<(depth > 2 ? 3 : 5), using: &generator) {
            case 0: return .integer(Int64.random(in: 0..<3, using: &generator))
            case 1: return .string(["x", "y"][Int.random(in: 0..<2, using: &generator)])
            case 2: return .bool(Bool.random(using: &generator))
            case 3: return .array((0..<Int.random(in: 0..<3, using: &generator)).map { _ in random(depth + 1) })
            default:
                var o = JSONObject()
                for key in ["a", "b", "c"] where Bool.random(using: &generator) { o[key] = random(depth + 1) }
                return .object(o)
            }
        }
        for round in 0..<2000 {
            let a: JSONValue = .object(["s": random(0), "t": random(0)])
            let b: JSONValue = .object(["s": random(0), "u": random(0)])
            let patch = JSONMergePatch.diff(from: a, to: b) ?? .object(JSONObject())
            XCTAssertEqual(JSONMergePatch.apply(patch, to: a), b, "round \(round), seed 20261205")
        }
    }
}
