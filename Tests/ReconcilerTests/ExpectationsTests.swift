import JSON
import Reconciler
import XCTest

final class ExpectationsTests: XCTestCase {
    func pod(_ name: String, uid: String, deleting: Bool = false) -> JSONValue {
        var metadata: JSONObject = ["name": .string(name), "uid": .string(uid)]
        if deleting { metadata["deletionTimestamp"] = "2026-01-01T00:00:00Z" }
        return ["metadata": .object(metadata)]
    }

    func names(_ objects: [JSONValue]) -> [String] {
        objects.compactMap { $0["metadata"]?["name"]?.stringValue }.sorted()
    }

    func testCreateIsSeenUntilTheCacheHasIt() {
        let e = Expectations(timeout: 30)
        e.expectCreate("ns/c pods", name: "w-1", object: ["metadata": ["name": "w-1"]], now: 0)
        XCTAssertEqual(names(e.view("ns/c pods", cached: [pod("w-0", uid: "a")], now: 1)), ["w-0", "w-1"])
        XCTAssertEqual(e.pendingCount("ns/c pods"), 1)
        // The cache caught up: the entry goes, the cached object (with its uid) is what remains.
        let caught = e.view("ns/c pods", cached: [pod("w-0", uid: "a"), pod("w-1", uid: "b")], now: 2)
        XCTAssertEqual(names(caught), ["w-0", "w-1"])
        XCTAssertEqual(e.pendingCount("ns/c pods"), 0)
    }

    func testDeleteHidesThePodUntilGoneOrTerminating() {
        let e = Expectations(timeout: 30)
        e.expectDelete("s", name: "w-2", uid: "x", object: pod("w-2", uid: "x"), now: 0)
        XCTAssertEqual(names(e.view("s", cached: [pod("w-2", uid: "x")], now: 1)), [])
        XCTAssertEqual(e.pendingCount("s"), 1)
        // Terminating in the cache: the delete is reflected; the pod counts again (as terminating).
        XCTAssertEqual(names(e.view("s", cached: [pod("w-2", uid: "x", deleting: true)], now: 2)), ["w-2"])
        XCTAssertEqual(e.pendingCount("s"), 0)
    }

    func testANamesakeWithAnotherUIDIsNotHidden() {
        let e = Expectations(timeout: 30)
        e.expectDelete("s", name: "w-2", uid: "x", object: pod("w-2", uid: "x"), now: 0)
        XCTAssertEqual(names(e.view("s", cached: [pod("w-2", uid: "y")], now: 1)), ["w-2"])
    }

    func testEntriesExpire() {
        let e = Expectations(timeout: 30)
        e.expectCreate("s", name: "w-1", object: ["metadata": ["name": "w-1"]], now: 0)
        XCTAssertEqual(names(e.view("s", cached: [], now: 31)), [])
        XCTAssertEqual(e.pendingCount("s"), 0)
    }
}
