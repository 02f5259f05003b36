import Foundation
import JSON
import KubeClient
import XCTest

/// Watches against the real API server.
final class KubeHTTPClientWatchTests: APIServerTestCase {
    /// Reads events until `stop` says so, failing the test after `timeout` seconds or when the
    /// stream ends first.
    func collect(_ stream: any WatchStream, timeout: Double = 30, file: StaticString = #filePath, line: UInt = #line,
                 until stop: ([WatchEvent]) -> Bool) throws -> [WatchEvent] {
        var events: [WatchEvent] = []
        let deadline = Date().addingTimeInterval(timeout)
        while !stop(events) {
            guard Date() < deadline else {
                XCTFail("timed out; events so far: \(events.map { $0.type.rawValue })", file: file, line: line)
                return events
            }
            guard let event = try stream.next() else {
                XCTFail("the stream ended; events so far: \(events.map { $0.type.rawValue })", file: file, line: line)
                return events
            }
            events.append(event)
        }
        return events
    }

    func testWatchSeesAddedModifiedDeleted() throws {
        let list = try client.list(.pods, namespace: namespace, options: ListOptions())
        let version = try XCTUnwrap(list["metadata"]?["resourceVersion"]?.stringValue)
        let stream = try client.watch(.pods, namespace: namespace, options: WatchOptions(resourceVersion: version, timeoutSeconds: 120))
        defer { stream.close() }

        _ = try client.create(.pods, namespace: namespace, object: pod("w1"))
        _ = try client.mergePatch(.pods, namespace: namespace, name: "w1", patch: ["metadata": ["labels": ["seen": "yes"]]], subresource: nil)
        try client.delete(.pods, namespace: namespace, name: "w1", options: DeleteOptions(gracePeriodSeconds: 0))

        let events = try collect(stream) { $0.last?.type == .deleted }
        let kinds = events.filter { $0.type != .bookmark }.map(\.type)
        XCTAssertEqual(kinds.first, .added)
        XCTAssertEqual(kinds.last, .deleted)
        XCTAssertTrue(events.contains { $0.type == .modified && $0.object["metadata"]?["labels"]?["seen"]?.stringValue == "yes" },
                      "\(kinds)")
        XCTAssertTrue(events.allSatisfy { $0.type == .bookmark || $0.object["metadata"]?["name"]?.stringValue == "w1" })
        // resourceVersions increase along the stream
        let versions = events.compactMap { $0.object["metadata"]?["resourceVersion"]?.stringValue.flatMap { Int($0) } }
        XCTAssertEqual(versions, versions.sorted())
    }

    func testWatchWithLabelSelectorAndManyEventsInOrder() throws {
        let version = try XCTUnwrap(try client.list(.pods, namespace: namespace, options: ListOptions())["metadata"]?["resourceVersion"]?.stringValue)
        let stream = try client.watch(.pods, namespace: namespace,
                                      options: WatchOptions(labelSelector: "watched=yes", resourceVersion: version, timeoutSeconds: 120))
        defer { stream.close() }
        for index in 0..<40 {
            _ = try client.create(.pods, namespace: namespace, object: pod("many-\(index)", labels: ["watched": index % 2 == 0 ? "yes" : "no"]))
        }
        let events = try collect(stream) { $0.filter { $0.type == .added }.count == 20 }
        XCTAssertEqual(events.filter { $0.type == .added }.compactMap { $0.object["metadata"]?["name"]?.stringValue },
                       stride(from: 0, to: 40, by: 2).map { "many-\($0)" })
    }

    func testWatchEndsNormallyWhenTimeoutSecondsPass() throws {
        let stream = try client.watch(.pods, namespace: namespace, options: WatchOptions(timeoutSeconds: 1))
        defer { stream.close() }
        let started = Date()
        var ended = false
        while Date().timeIntervalSince(started) < 20 {
            guard let event = try stream.next() else { ended = true; break }
            XCTAssertEqual(event.type, .bookmark, "no object changes in this namespace")
        }
        XCTAssertTrue(ended, "the server ends the stream after timeoutSeconds, and next() answers nil")
        XCTAssertNil(try stream.next(), "and keeps answering nil")
    }

    func testWatchFromACompactedVersionReportsGone() throws {
        // resourceVersion 1 is long compacted away: the server accepts the watch (200) and says so
        // in the stream, as an ERROR event carrying a 410 Expired Status
        let stream = try client.watch(.pods, namespace: namespace, options: WatchOptions(resourceVersion: "1", timeoutSeconds: 30))
        defer { stream.close() }
        let event = try XCTUnwrap(try stream.next())
        XCTAssertEqual(event.type, .error)
        let status = try XCTUnwrap(event.status)
        XCTAssertEqual(status.code, 410, "\(status)")
        XCTAssertEqual(status.reason, "Expired")
        XCTAssertTrue(KubeError.api(status).isGone)
        XCTAssertNil(try stream.next(), "the server ends the stream after the ERROR event")
    }

    func testCloseFromAnotherThreadUnblocksNext() throws {
        let stream = try client.watch(.pods, namespace: namespace, options: WatchOptions(allowBookmarks: false, timeoutSeconds: 300))
        let outcome = LockedList()
        let reader = Thread {
            do {
                let event = try stream.next()
                outcome.append("event \(String(describing: event?.type))")
            } catch {
                outcome.append(error as? KubeError == .cancelled ? "cancelled" : "error \(error)")
            }
        }
        reader.start()
        let started = Date()
        stream.close()
        waitUntil("next() to return after close()", timeout: 10) { !outcome.items.isEmpty }
        XCTAssertEqual(outcome.items, ["cancelled"])
        XCTAssertLessThan(Date().timeIntervalSince(started), 10)
        XCTAssertThrowsError(try stream.next()) { XCTAssertEqual($0 as? KubeError, .cancelled) }
    }

    func testWatchOfAMissingResourceIsATypedError() throws {
        let missing = KubeResource(group: "example.invalid", version: "v1", plural: "nothings")
        assertKubeError(try client.watch(missing, namespace: namespace, options: WatchOptions()), "watch unknown resource") { $0.isNotFound }
    }
}
