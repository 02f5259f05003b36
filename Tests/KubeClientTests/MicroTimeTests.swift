@testable import KubeClient
import XCTest

final class MicroTimeTests: XCTestCase {
    func testFormatsKnownInstants() {
        XCTAssertEqual(MicroTime.format(microseconds: 0), "1970-01-01T00:00:00.000000Z")
        XCTAssertEqual(MicroTime.format(microseconds: 1_136_214_245_000_000), "2006-01-02T15:04:05.000000Z")
        XCTAssertEqual(MicroTime.format(microseconds: 951_782_400_000_001), "2000-02-29T00:00:00.000001Z")
        XCTAssertEqual(MicroTime.format(microseconds: -1), "1969-12-31T23:59:59.999999Z")
        XCTAssertEqual(MicroTime.format(microseconds: .max), "9999-12-31T23:59:59.999999Z", "clamped, never a trap")
        XCTAssertEqual(MicroTime.format(microseconds: .min), "0000-01-01T00:00:00.000000Z")
    }

    func testParsesRFC3339() {
        XCTAssertEqual(MicroTime.parse("2006-01-02T15:04:05.000000Z"), 1_136_214_245_000_000)
        XCTAssertEqual(MicroTime.parse("2006-01-02T15:04:05Z"), 1_136_214_245_000_000)
        XCTAssertEqual(MicroTime.parse("2006-01-02T16:04:05.123456789+01:00"), 1_136_214_245_123_456)
        XCTAssertEqual(MicroTime.parse("2006-01-02T15:04:05.5Z"), 1_136_214_245_500_000)
        for bad in ["", "2006-01-02", "2006-13-02T15:04:05Z", "2006-02-30T15:04:05Z", "2006-01-02T15:04:05",
                    "2006-01-02T15:04:05.Z", "2006-01-02T25:04:05Z", "2006-01-02T15:04:05Zjunk", "２００６-01-02T15:04:05Z"] {
            XCTAssertNil(MicroTime.parse(bad), bad)
        }
    }

    func testRoundTripsAcrossTheRange() {
        var g = SplitMix(seed: 42)
        for _ in 0..<10_000 {
            let t = Int64(bitPattern: g.next() % 253_402_300_799_999_999)
            let text = MicroTime.format(microseconds: t)
            XCTAssertEqual(text.count, 27)
            XCTAssertEqual(MicroTime.parse(text), t, text)
        }
        let now = MicroTime.now()
        XCTAssertNotNil(MicroTime.parse(now))
    }
}

final class LRUCacheTests: XCTestCase {
    func testEvictsTheLeastRecentlyUsed() {
        var cache = LRUCache<String, Int>(capacity: 2)
        XCTAssertNil(cache.set("a", 1))
        XCTAssertNil(cache.set("b", 2))
        XCTAssertEqual(cache.get("a"), 1)  // a is now the most recent
        let evicted = cache.set("c", 3)
        XCTAssertEqual(evicted?.key, "b")
        XCTAssertEqual(cache.keysByAge, ["a", "c"])
        XCTAssertEqual(cache.remove("a"), 1)
        XCTAssertNil(cache.set("d", 4))
        XCTAssertEqual(cache.keysByAge, ["c", "d"])
        XCTAssertEqual(cache.count, 2)
        XCTAssertEqual(cache.peek("c"), 3)
    }
}
