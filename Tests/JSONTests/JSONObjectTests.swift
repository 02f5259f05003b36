import XCTest
@testable import JSON

/// JSONObject keeps document order and unique keys at every size (small: scanned; big: indexed).
final class JSONObjectTests: XCTestCase {
    func testSmallAndBigObjectsBehaveAlike() {
        for size in [0, 1, 5, JSONObject.indexThreshold, JSONObject.indexThreshold + 1, 300] {
            var object = JSONObject()
            for k in 0..<size { object["k\(k)"] = .integer(Int64(k)) }
            XCTAssertEqual(object.count, size)
            XCTAssertEqual(object.keys, (0..<size).map { "k\($0)" })
            for k in 0..<size {
                XCTAssertEqual(object["k\(k)"], .integer(Int64(k)))
                XCTAssertEqual(object.index(forKey: "k\(k)"), k)
            }
            XCTAssertNil(object["missing"])
            // Replace in place keeps the position.
            if size > 2 {
                object["k1"] = "one"
                XCTAssertEqual(object.keys[1], "k1")
                XCTAssertEqual(object["k1"], "one")
                // Removal shifts later members; lookups stay right.
                object["k0"] = nil
                XCTAssertEqual(object.count, size - 1)
                XCTAssertNil(object["k0"])
                XCTAssertEqual(object.index(forKey: "k1"), 0)
                XCTAssertEqual(object["k\(size - 1)"], .integer(Int64(size - 1)))
                XCTAssertEqual(object.index(forKey: "k\(size - 1)"), size - 2)
                // Re-adding appends at the end.
                object["k0"] = true
                XCTAssertEqual(object.keys.last, "k0")
                XCTAssertEqual(object["k0"], true)
            }
        }
    }

    func testBigObjectFromParserAndUniqueMembers() throws {
        var text = "{"
        for k in 0..<1000 { text += (k == 0 ? "" : ",") + "\"key\(k)\":\(k)" }
        text += "}"
        let object = try XCTUnwrap(try JSONValue.parse(text).objectValue)
        XCTAssertEqual(object.count, 1000)
        XCTAssertEqual(object["key999"], .integer(999))
        XCTAssertEqual(object.index(forKey: "key500"), 500)
        let rebuilt = JSONObject(uniqueMembers: object.members.reversed())
        XCTAssertEqual(rebuilt, object)  // order-insensitive equality
        XCTAssertEqual(rebuilt.index(forKey: "key0"), 999)
        var changed = rebuilt
        changed["key3"] = "x"
        XCTAssertNotEqual(changed, object)
    }

    func testInitFromPairsLastDuplicateWins() {
        let pairs: [(String, JSONValue)] = (0..<50).map { ("k\($0 % 30)", .integer(Int64($0))) }
        let object = JSONObject(pairs)
        XCTAssertEqual(object.count, 30)
        XCTAssertEqual(object["k0"], .integer(30))
        XCTAssertEqual(object["k29"], .integer(29))
        XCTAssertEqual(object.keys.first, "k0")
    }
}
