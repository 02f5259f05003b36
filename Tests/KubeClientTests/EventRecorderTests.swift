import JSON
@testable import KubeClient
import XCTest

final class EventRecorderTests: XCTestCase {
    private let cluster = EventReference(apiVersion: "ray.io/v1", kind: "RayCluster", namespace: "ray", name: "raycluster-sample",
                                         uid: "u-1", resourceVersion: "7")

    private func recorder(_ api: FakeKubeAPI, configure: (inout EventRecorder.Options) -> Void = { _ in }) -> EventRecorder {
        var options = EventRecorder.Options(reportingInstance: "host_1234")
        options.retryInterval = 0.01
        configure(&options)
        return EventRecorder(api: api, options: options)
    }

    private func events(_ api: FakeKubeAPI, namespace: String = "ray") throws -> [JSONValue] {
        try api.list(.events, namespace: namespace, options: ListOptions())["items"]?.arrayValue ?? []
    }

    func testTheFirstOccurrenceCreatesAnEventsV1Event() throws {
        let api = FakeKubeAPI()
        let r = recorder(api)
        try r.start()
        defer { r.stop() }
        XCTAssertTrue(r.event(regarding: cluster, type: .normal, reason: "CreatedHeadPod", action: "Create",
                              note: "Created head pod raycluster-sample-head-0"))
        XCTAssertTrue(r.flush(timeout: 20))
        let all = try events(api)
        XCTAssertEqual(all.count, 1)
        let event = all[0]
        XCTAssertEqual(event["apiVersion"], "events.k8s.io/v1")
        XCTAssertEqual(event["kind"], "Event")
        let name = try XCTUnwrap(event["metadata"]?["name"]?.stringValue)
        XCTAssertTrue(name.hasPrefix("raycluster-sample."), name)
        XCTAssertEqual(name.count, "raycluster-sample.".count + 16)
        XCTAssertEqual(event["metadata"]?["namespace"], "ray")
        XCTAssertEqual(event["reportingController"], "ray-operator")
        XCTAssertEqual(event["reportingInstance"], "host_1234")
        XCTAssertEqual(event["type"], "Normal")
        XCTAssertEqual(event["reason"], "CreatedHeadPod")
        XCTAssertEqual(event["action"], "Create")
        XCTAssertEqual(event["note"], "Created head pod raycluster-sample-head-0")
        XCTAssertEqual(event["regarding"], ["apiVersion": "ray.io/v1", "kind": "RayCluster", "namespace": "ray",
                                            "name": "raycluster-sample", "uid": "u-1", "resourceVersion": "7"])
        XCTAssertNil(event["series"])
        let time = try XCTUnwrap(event["eventTime"]?.stringValue)
        XCTAssertEqual(time.count, 27, time)
        let written = try XCTUnwrap(MicroTime.parse(time))
        XCTAssertLessThan(abs(written - MicroTime.nowMicroseconds()), 60_000_000)
        XCTAssertEqual(r.statistics.created, 1)
    }

    func testRepeatsFoldIntoOneSeriesWrittenAsMergePatches() throws {
        let api = FakeKubeAPI()
        let r = recorder(api)
        try r.start()
        defer { r.stop() }
        r.event(regarding: cluster, type: .warning, reason: "FailedCreate", action: "Create", note: "quota exceeded")
        XCTAssertTrue(r.flush(timeout: 20))
        for _ in 0..<4 {
            var changed = cluster
            changed.resourceVersion = "8"  // the same object at a later version: still the same series
            r.event(regarding: changed, type: .warning, reason: "FailedCreate", action: "Create", note: "quota exceeded")
        }
        r.event(regarding: cluster, type: .warning, reason: "FailedCreate", action: "Create", note: "another note")
        XCTAssertTrue(r.flush(timeout: 20))
        let all = try events(api)
        XCTAssertEqual(all.count, 2, "a different note is another event")
        let series = try XCTUnwrap(all.first { $0["note"] == "quota exceeded" })
        XCTAssertEqual(series["series"]?["count"], 5)
        let last = try XCTUnwrap(series["series"]?["lastObservedTime"]?.stringValue)
        XCTAssertGreaterThanOrEqual(MicroTime.parse(last) ?? 0, MicroTime.parse(series["eventTime"]?.stringValue ?? "") ?? .max)
        XCTAssertEqual(api.calls(.create), 2)
        XCTAssertGreaterThanOrEqual(api.calls(.patch), 1)
        XCTAssertLessThanOrEqual(api.calls(.patch), 4, "repeats waiting together share one patch")
        XCTAssertEqual(r.statistics.accepted, 6)
    }

    func testRepeatsOutsideTheSeriesWindowStartANewEvent() throws {
        let api = FakeKubeAPI()
        let r = recorder(api) { $0.seriesWindow = 0 }
        try r.start()
        defer { r.stop() }
        r.event(regarding: cluster, type: .normal, reason: "R", action: "A", note: "n")
        XCTAssertTrue(r.flush(timeout: 20))
        r.event(regarding: cluster, type: .normal, reason: "R", action: "A", note: "n")
        XCTAssertTrue(r.flush(timeout: 20))
        XCTAssertEqual(try events(api).count, 2)
        XCTAssertEqual(api.calls(.patch), 0)
    }

    func testSpamLimitPerObject() throws {
        let api = FakeKubeAPI()
        let r = recorder(api)  // not started: only the caller side is under test
        var accepted = 0
        for i in 0..<30 where r.event(regarding: cluster, type: .normal, reason: "R\(i)", action: "A", note: "n") { accepted += 1 }
        XCTAssertEqual(accepted, 25, "burst 25")
        XCTAssertEqual(r.statistics.droppedSpam, 5)
        let other = EventReference(apiVersion: "v1", kind: "Pod", namespace: "ray", name: "p", uid: "u-2")
        XCTAssertTrue(r.event(regarding: other, type: .normal, reason: "R", action: "A", note: "n"), "another object has its own bucket")

        var filter = EventSpamFilter(burst: 2, refillInterval: 300, capacity: 2)
        let id = cluster.identity
        XCTAssertTrue(filter.allow(id, now: 0))
        XCTAssertTrue(filter.allow(id, now: 0))
        XCTAssertFalse(filter.allow(id, now: 150), "half a token")
        XCTAssertTrue(filter.allow(id, now: 300), "one token back per 300 s")
        XCTAssertFalse(filter.allow(id, now: 300))
        XCTAssertTrue(filter.allow(other.identity, now: 600))
        var third = other
        third.name = "q"
        XCTAssertTrue(filter.allow(third.identity, now: 600))
        XCTAssertEqual(filter.trackedObjects, 2, "bounded: the least recently seen object was forgotten")
        XCTAssertTrue(filter.allow(id, now: 600), "forgotten, so it starts with a full bucket again")
    }

    func testAFullQueueDropsWithoutBlockingTheCaller() throws {
        let api = FakeKubeAPI()
        api.latency = 0.5  // a slow API server
        let r = recorder(api) { $0.queueCapacity = 10 }
        try r.start()
        defer {
            api.latency = 0
            r.stop()
        }
        let start = MonotonicTime.now()
        var accepted = 0
        for i in 0..<200 {
            let object = EventReference(apiVersion: "v1", kind: "Pod", namespace: "ray", name: "p\(i)")
            if r.event(regarding: object, type: .normal, reason: "R", action: "A", note: "n") { accepted += 1 }
        }
        let elapsed = MonotonicTime.now() - start
        XCTAssertLessThan(elapsed, 0.4, "200 calls while the writer is stuck in a 0.5 s call")
        XCTAssertLessThanOrEqual(accepted, 10 + 10, "the queue, plus at most one batch (≤ capacity) taken by the writer")
        XCTAssertGreaterThanOrEqual(accepted, 10)
        XCTAssertEqual(r.statistics.droppedQueueFull, 200 - accepted)
        XCTAssertLessThanOrEqual(r.queueDepth, 10)
    }

    func testFailedWritesAreRetriedABoundedNumberOfTimes() throws {
        let api = FakeKubeAPI()
        api.fail(.create, resource: .events, with: .transport("connection reset"), times: 3)
        let r = recorder(api) { $0.maximumAttempts = 5 }
        try r.start()
        defer { r.stop() }
        r.event(regarding: cluster, type: .normal, reason: "R", action: "A", note: "n")
        XCTAssertTrue(r.flush(timeout: 20))
        XCTAssertEqual(try events(api).count, 1)
        XCTAssertEqual(api.calls(.create), 4)
        XCTAssertEqual(r.statistics.retries, 3)
        XCTAssertEqual(r.statistics.failedWrites, 0)

        api.fail(.create, resource: .events, with: .api(APIStatus(code: 503, reason: "ServiceUnavailable", message: "")), times: nil)
        r.event(regarding: cluster, type: .normal, reason: "Other", action: "A", note: "n")
        XCTAssertTrue(r.flush(timeout: 20))
        XCTAssertEqual(api.calls(.create), 4 + 5, "given up after maximumAttempts")
        XCTAssertEqual(r.statistics.failedWrites, 1)

        api.clearFailures()
        api.fail(.create, resource: .events, with: .api(APIStatus(code: 422, reason: "Invalid", message: "bad")), times: nil)
        r.event(regarding: cluster, type: .normal, reason: "Third", action: "A", note: "n")
        XCTAssertTrue(r.flush(timeout: 20))
        XCTAssertEqual(api.calls(.create), 10, "a refusal that cannot pass is not retried")
        XCTAssertEqual(r.statistics.failedWrites, 2)
    }

    func testARetryDoesNotHoldUpOtherEvents() throws {
        let api = FakeKubeAPI()
        api.fail(.create, resource: .events, with: .transport("reset"), times: 1)
        let r = recorder(api) { $0.retryInterval = 30 }
        try r.start()
        defer { r.stop() }
        r.event(regarding: cluster, type: .normal, reason: "First", action: "A", note: "n")
        eventually("the first attempt failed") { r.statistics.retries == 1 }
        r.event(regarding: cluster, type: .normal, reason: "Second", action: "A", note: "n")
        eventually("the second event is written while the first waits for its retry") { r.statistics.created == 1 }
        XCTAssertEqual(try events(api).first?["reason"], "Second")
        XCTAssertFalse(r.flush(timeout: 0.05), "the retry is still pending")
    }

    func testAnEventGoneFromTheServerIsCreatedAgainWithTheWholeCount() throws {
        let api = FakeKubeAPI()
        let r = recorder(api)
        try r.start()
        defer { r.stop() }
        r.event(regarding: cluster, type: .normal, reason: "R", action: "A", note: "n")
        XCTAssertTrue(r.flush(timeout: 20))
        let first = try XCTUnwrap(events(api).first?["metadata"]?["name"]?.stringValue)
        try api.delete(.events, namespace: "ray", name: first, options: DeleteOptions())  // its TTL passed
        r.event(regarding: cluster, type: .normal, reason: "R", action: "A", note: "n")
        XCTAssertTrue(r.flush(timeout: 20))
        let all = try events(api)
        XCTAssertEqual(all.count, 1)
        XCTAssertNotEqual(all[0]["metadata"]?["name"]?.stringValue, first)
        XCTAssertEqual(all[0]["series"]?["count"], 2)
    }

    func testLimitsOfTheAPIServerAreRespected() throws {
        let api = FakeKubeAPI()
        let r = recorder(api)
        try r.start()
        defer { r.stop() }
        let node = EventReference(apiVersion: "v1", kind: "Node", namespace: nil, name: String(repeating: "N", count: 300))
        r.event(regarding: node, type: .warning, reason: String(repeating: "r", count: 200), action: "A",
                note: String(repeating: "é", count: 1000))
        XCTAssertTrue(r.flush(timeout: 20))
        let event = try XCTUnwrap(events(api, namespace: "default").first, "cluster-scoped objects' events go to default")
        XCTAssertEqual(event["reason"]?.stringValue?.utf8.count, 128)
        XCTAssertEqual(event["note"]?.stringValue?.utf8.count, 1024, "cut at a character boundary")
        let name = try XCTUnwrap(event["metadata"]?["name"]?.stringValue)
        XCTAssertLessThanOrEqual(name.utf8.count, 253)
        XCTAssertEqual(name, name.lowercased())
        XCTAssertEqual(EventRecorder.eventName(for: "--").prefix(6), "event.")
        XCTAssertEqual(EventRecorder.truncated("aé", 2), "a")
    }

    func testStopAbandonsAndLaterEventsAreDropped() throws {
        let api = FakeKubeAPI()
        let r = recorder(api)
        try r.start()
        r.stop()
        XCTAssertFalse(r.event(regarding: cluster, type: .normal, reason: "R", action: "A", note: "n"))
        XCTAssertEqual(r.statistics.droppedStopped, 1)
        XCTAssertTrue(r.flush(timeout: 0.01), "nothing recorded is waiting")

        let idle = recorder(api)  // never started
        XCTAssertTrue(idle.event(regarding: cluster, type: .normal, reason: "R", action: "A", note: "n"))
        XCTAssertFalse(idle.flush(timeout: 0.01), "queued, and no writer to write it")
        XCTAssertEqual(idle.queueDepth, 1)
    }
}
