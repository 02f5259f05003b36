import JSON
@testable import KubeClient
import XCTest

final class InformerTests: XCTestCase {
    /// Handler calls as "add name", "update name rv→rv", "delete name".
    private func record(_ informer: Informer, into log: Log<String>) {
        informer.onAdd { log.append("add \(ObjectKey(object: $0)?.name ?? "?")") }
        informer.onUpdate { old, new in
            log.append("update \(ObjectKey(object: new)?.name ?? "?") \(ObjectMetadata.resourceVersion(of: old) ?? "")→\(ObjectMetadata.resourceVersion(of: new) ?? "")")
        }
        informer.onDelete { log.append("delete \(ObjectKey(object: $0)?.name ?? "?")") }
    }

    private func fastOptions(_ options: Informer.Options = Informer.Options()) -> Informer.Options {
        var o = options
        o.backoffInitial = 0.01
        o.backoffCap = 0.05
        o.minimumHealthyWatch = 0
        return o
    }

    func testInitialListIsPagedThenSynced() throws {
        let api = FakeKubeAPI()
        for i in 0..<1234 { _ = try api.create(.pods, namespace: "default", object: FakeKubeAPI.pod(String(format: "p%04d", i))) }
        let informer = Informer(api: api, resource: .pods, options: fastOptions())
        let log = Log<String>()
        record(informer, into: log)
        XCTAssertFalse(informer.hasSynced)
        try informer.start()
        defer { informer.stop() }
        XCTAssertTrue(informer.waitForSync(timeout: 20))
        XCTAssertEqual(informer.store.count, 1234)
        XCTAssertEqual(log.count, 1234, "every listed object is reported added exactly once before hasSynced")
        let lists = api.recordedListOptions
        XCTAssertEqual(lists.count, 3)
        XCTAssertEqual(lists.map(\.limit), [500, 500, 500])
        XCTAssertNil(lists[0].continueToken)
        XCTAssertNotNil(lists[1].continueToken)
        XCTAssertNil(lists[0].resourceVersion, "lists are quorum reads")
        eventually("the watch opens") { api.recordedWatchOptions.count == 1 }
        let watch = api.recordedWatchOptions[0]
        XCTAssertEqual(watch.resourceVersion, String(api.currentRevision))
        XCTAssertTrue(watch.allowBookmarks)
        XCTAssertTrue((300...600).contains(watch.timeoutSeconds ?? 0))
    }

    func testWatchEventsUpdateStoreThenHandlersInOrder() throws {
        let api = FakeKubeAPI()
        _ = try api.create(.pods, namespace: "default", object: FakeKubeAPI.pod("a"))
        let informer = Informer(api: api, resource: .pods, options: fastOptions())
        let log = Log<String>()
        // The store already holds the change when a handler runs.
        let storeSeen = Log<Bool>()
        informer.onUpdate { [unowned informer] _, new in
            storeSeen.append(ObjectKey(object: new).flatMap { informer.store.get($0) } == new)
        }
        record(informer, into: log)
        try informer.start()
        defer { informer.stop() }
        XCTAssertTrue(informer.waitForSync(timeout: 20))
        eventually("the watch opens") { api.openStreams == 1 }

        let b = try api.create(.pods, namespace: "default", object: FakeKubeAPI.pod("b"))
        var b2 = b
        b2["metadata"]?["labels"] = ["x": "y"]
        let updated = try api.update(.pods, namespace: "default", name: "b", object: b2, subresource: nil)
        try api.delete(.pods, namespace: "default", name: "a", options: DeleteOptions())
        eventually("three events") { log.count == 4 }
        XCTAssertEqual(log.all, [
            "add a", "add b",
            "update b \(ObjectMetadata.resourceVersion(of: b) ?? "?")→\(ObjectMetadata.resourceVersion(of: updated) ?? "?")",
            "delete a",
        ])
        XCTAssertEqual(storeSeen.all, [true])
        XCTAssertNil(informer.get(namespace: "default", name: "a"))
        XCTAssertEqual(informer.get(namespace: "default", name: "b"), updated)
        XCTAssertEqual(informer.lastResourceVersion, String(api.currentRevision))
        XCTAssertEqual(informer.statistics.events, 3)
        XCTAssertEqual(informer.statistics.lists, 1)
    }

    func testBookmarkAdvancesResourceVersionAndStreamEndRewatchesFromIt() throws {
        let api = FakeKubeAPI()
        let informer = Informer(api: api, resource: .pods, options: fastOptions())
        let log = Log<String>()
        record(informer, into: log)
        try informer.start()
        defer { informer.stop() }
        XCTAssertTrue(informer.waitForSync(timeout: 20))
        eventually("the watch opens") { api.openStreams == 1 }

        api.bumpRevision(by: 50)  // writes elsewhere
        api.sendBookmarks(.pods)
        let bookmarked = String(api.currentRevision)
        eventually("the bookmark's resourceVersion is kept") { informer.lastResourceVersion == bookmarked }
        XCTAssertEqual(informer.statistics.bookmarks, 1)
        XCTAssertEqual(log.count, 0, "a bookmark is not an object change")

        api.endStreams()
        eventually("a second watch") { api.recordedWatchOptions.count == 2 && api.openStreams == 1 }
        XCTAssertEqual(api.recordedWatchOptions[1].resourceVersion, bookmarked, "re-watch from the bookmark, not the list")
        XCTAssertEqual(informer.statistics.lists, 1, "a normal stream end does not relist")
        XCTAssertEqual(informer.statistics.watchesEnded, 1)

        _ = try api.create(.pods, namespace: "default", object: FakeKubeAPI.pod("late"))
        eventually("the event after the re-watch") { log.all == ["add late"] }
    }

    func testGoneRelistsAndReportsEveryChangeOfTheGapExactlyOnce() throws {
        for style in [FakeKubeAPI.GoneStyle.errorEvent, .callError] {
            let api = FakeKubeAPI()
            api.goneStyle = style
            for name in ["a", "b", "c", "keep"] { _ = try api.create(.pods, namespace: "default", object: FakeKubeAPI.pod(name)) }
            let informer = Informer(api: api, resource: .pods, options: fastOptions())
            let log = Log<String>()
            record(informer, into: log)
            try informer.start()
            XCTAssertTrue(informer.waitForSync(timeout: 20))
            eventually("the watch opens") { api.openStreams == 1 }
            let oldUID = ObjectMetadata.uid(of: try XCTUnwrap(informer.get(namespace: "default", name: "a")))

            // The gap: the watch is down, and while it is, objects change and history is compacted.
            api.fail(.watch, with: .transport("connection refused"), times: nil)
            api.breakStreams()
            eventually("the informer is retrying") { api.calls(.watch) >= 3 }
            try api.delete(.pods, namespace: "default", name: "b", options: DeleteOptions())
            var c = try api.get(.pods, namespace: "default", name: "c")
            c["metadata"]?["labels"] = ["changed": "yes"]
            let newC = try api.update(.pods, namespace: "default", name: "c", object: c, subresource: nil)
            _ = try api.create(.pods, namespace: "default", object: FakeKubeAPI.pod("d"))
            try api.delete(.pods, namespace: "default", name: "a", options: DeleteOptions())
            _ = try api.create(.pods, namespace: "default", object: FakeKubeAPI.pod("a"))  // same name, new object
            api.compact()
            let before = log.count
            api.clearFailures()

            eventually("the relist (\(style))") { informer.statistics.relists == 1 }
            eventually("the changes of the gap (\(style))") { log.count - before == 5 }
            let gap = Array(log.all[before...])
            XCTAssertEqual(Set(gap), [
                "delete a", "delete b", "add a", "add d",
                "update c \(ObjectMetadata.resourceVersion(of: c) ?? "?")→\(ObjectMetadata.resourceVersion(of: newC) ?? "?")",
            ], "\(style)")
            XCTAssertLessThan(gap.firstIndex(of: "delete a") ?? 99, gap.firstIndex(of: "add a") ?? -1)
            XCTAssertNotEqual(ObjectMetadata.uid(of: try XCTUnwrap(informer.get(namespace: "default", name: "a"))), oldUID)
            XCTAssertEqual(informer.store.keys().map(\.name), ["a", "c", "d", "keep"])
            XCTAssertGreaterThanOrEqual(informer.statistics.gone, 1)

            // Watching resumes from the relist; nothing is reported twice.
            eventually("the watch resumes") { api.openStreams == 1 }
            _ = try api.create(.pods, namespace: "default", object: FakeKubeAPI.pod("e"))
            eventually("the next event") { log.all.last == "add e" }
            XCTAssertEqual(log.count - before, 6, "\(style): \(log.all[before...])")
            informer.stop()
        }
    }

    func testGoneErrorEventOnAnOpenStreamRelists() throws {
        let api = FakeKubeAPI()
        _ = try api.create(.pods, namespace: "default", object: FakeKubeAPI.pod("a"))
        let informer = Informer(api: api, resource: .pods, options: fastOptions())
        let log = Log<String>()
        record(informer, into: log)
        try informer.start()
        defer { informer.stop() }
        XCTAssertTrue(informer.waitForSync(timeout: 20))
        eventually("the watch opens") { api.openStreams == 1 }
        api.sendGoneOnStreams()
        eventually("a relist") { informer.statistics.relists == 1 }
        XCTAssertEqual(log.all, ["add a"], "an unchanged object is not reported again after a relist")
    }

    func testTransportFailuresReconnectWithBackoffFromTheLastResourceVersion() throws {
        let api = FakeKubeAPI()
        let informer = Informer(api: api, resource: .pods, options: fastOptions())
        let log = Log<String>()
        record(informer, into: log)
        try informer.start()
        defer { informer.stop() }
        XCTAssertTrue(informer.waitForSync(timeout: 20))
        eventually("the watch opens") { api.openStreams == 1 }
        _ = try api.create(.pods, namespace: "default", object: FakeKubeAPI.pod("a"))
        eventually("the add") { log.count == 1 }
        let version = informer.lastResourceVersion

        api.fail(.watch, with: .transport("connection refused"), times: 3)
        api.breakStreams()
        eventually("the reconnect") { api.openStreams == 1 && api.calls(.watch) == 5 }
        XCTAssertEqual(api.recordedWatchOptions.last?.resourceVersion, version)
        XCTAssertEqual(informer.statistics.reconnects, 4, "the broken stream and three refused watches")
        XCTAssertEqual(informer.statistics.lists, 1, "transport failures do not relist")
        XCTAssertEqual(informer.statistics.lastError, .transport("connection refused"))
        _ = try api.create(.pods, namespace: "default", object: FakeKubeAPI.pod("b"))
        eventually("events flow again") { log.all == ["add a", "add b"] }
    }

    func testFailedListIsRetried() throws {
        let api = FakeKubeAPI()
        _ = try api.create(.pods, namespace: "default", object: FakeKubeAPI.pod("a"))
        api.fail(.list, with: .api(APIStatus(code: 500, reason: "InternalError", message: "etcd leader changed")), times: 2)
        let informer = Informer(api: api, resource: .pods, options: fastOptions())
        try informer.start()
        defer { informer.stop() }
        XCTAssertTrue(informer.waitForSync(timeout: 20))
        XCTAssertEqual(informer.statistics.reconnects, 2)
        XCTAssertEqual(informer.list().count, 1)
    }

    func testNamespaceAndLabelSelectorScopeTheCache() throws {
        let api = FakeKubeAPI()
        _ = try api.create(.pods, namespace: "a", object: FakeKubeAPI.pod("ray-1", namespace: "a", labels: ["ray.io/node-type": "head"]))
        _ = try api.create(.pods, namespace: "a", object: FakeKubeAPI.pod("other", namespace: "a"))
        _ = try api.create(.pods, namespace: "b", object: FakeKubeAPI.pod("ray-2", namespace: "b", labels: ["ray.io/node-type": "worker"]))
        let informer = Informer(api: api, resource: .pods, options: fastOptions(Informer.Options(namespace: "a", labelSelector: "ray.io/node-type")))
        try informer.start()
        defer { informer.stop() }
        XCTAssertTrue(informer.waitForSync(timeout: 20))
        XCTAssertEqual(informer.store.keys(), [ObjectKey(namespace: "a", name: "ray-1")])
        XCTAssertEqual(api.recordedListOptions.first?.labelSelector, "ray.io/node-type")
        eventually("the watch opens") { api.openStreams == 1 }
        XCTAssertEqual(api.recordedWatchOptions.first?.labelSelector, "ray.io/node-type")
        _ = try api.create(.pods, namespace: "a", object: FakeKubeAPI.pod("ray-3", namespace: "a", labels: ["ray.io/node-type": "worker"]))
        _ = try api.create(.pods, namespace: "b", object: FakeKubeAPI.pod("ray-4", namespace: "b", labels: ["ray.io/node-type": "worker"]))
        eventually("the in-scope add") { informer.store.count == 2 }
        XCTAssertEqual(informer.list(namespace: "a").compactMap { ObjectKey(object: $0)?.name }, ["ray-1", "ray-3"])
    }

    func testOwnerIndexFollowsOwnerReferences() throws {
        let api = FakeKubeAPI()
        _ = try api.create(.pods, namespace: "default", object: FakeKubeAPI.pod("h", owner: "cluster-1"))
        _ = try api.create(.pods, namespace: "default", object: FakeKubeAPI.pod("w", owner: "cluster-1"))
        _ = try api.create(.pods, namespace: "default", object: FakeKubeAPI.pod("x", owner: "cluster-2"))
        var notController = FakeKubeAPI.pod("y")
        notController["metadata"]?["ownerReferences"] = [["uid": "cluster-1", "kind": "RayCluster", "name": "c"]]
        _ = try api.create(.pods, namespace: "default", object: notController)
        let informer = Informer(api: api, resource: .pods, options: fastOptions())
        try informer.start()
        defer { informer.stop() }
        XCTAssertTrue(informer.waitForSync(timeout: 20))
        XCTAssertEqual(informer.byOwner(uid: "cluster-1").compactMap { ObjectKey(object: $0)?.name }, ["h", "w"])
        XCTAssertEqual(informer.byOwner(uid: "cluster-2").count, 1)
        eventually("the watch opens") { api.openStreams == 1 }
        var w = try api.get(.pods, namespace: "default", name: "w")
        w["metadata"]?["ownerReferences"] = nil
        _ = try api.update(.pods, namespace: "default", name: "w", object: w, subresource: nil)
        try api.delete(.pods, namespace: "default", name: "x", options: DeleteOptions())
        eventually("the index follows") { informer.byOwner(uid: "cluster-1").count == 1 && informer.byOwner(uid: "cluster-2").isEmpty }
    }

    func testMalformedObjectsAreSkippedNotFatal() throws {
        let api = FakeKubeAPI()
        let informer = Informer(api: api, resource: .pods, options: fastOptions())
        let log = Log<String>()
        record(informer, into: log)
        try informer.start()
        defer { informer.stop() }
        XCTAssertTrue(informer.waitForSync(timeout: 20))
        eventually("the watch opens") { api.openStreams == 1 }
        let stream = try XCTUnwrap(api.openStreamsForTesting.first)
        stream.push(WatchEvent(type: .added, object: ["kind": "Pod"]))
        stream.push(WatchEvent(type: .error, object: "not a status"))
        eventually("a reconnect after the malformed ERROR event") { informer.statistics.reconnects == 1 }
        XCTAssertEqual(informer.statistics.malformed, 1)
        XCTAssertEqual(informer.statistics.lastError?.status?.code, 500)
        XCTAssertEqual(log.count, 0)
    }

    func testStopClosesTheStreamAndJoins() throws {
        let api = FakeKubeAPI()
        let informer = Informer(api: api, resource: .pods, options: fastOptions())
        try informer.start()
        XCTAssertTrue(informer.waitForSync(timeout: 20))
        eventually("the watch opens") { api.openStreams == 1 }
        informer.stop()
        XCTAssertEqual(api.openStreams, 0)
        informer.stop()  // twice is fine
        XCTAssertTrue(informer.hasSynced, "the cache stays readable after stop")
    }

    func testStopInterruptsABackoffWait() throws {
        let api = FakeKubeAPI()
        api.fail(.list, with: .transport("refused"), times: nil)
        var options = Informer.Options()
        options.backoffInitial = 60
        let informer = Informer(api: api, resource: .pods, options: options)
        try informer.start()
        eventually("the first list fails") { informer.statistics.reconnects == 1 }
        let started = MonotonicTime.now()
        informer.stop()
        XCTAssertLessThan(MonotonicTime.now() - started, 5)
        XCTAssertFalse(informer.hasSynced)
        XCTAssertFalse(informer.waitForSync(timeout: 1))
    }

    func testInformerGroupCoversSeveralNamespaces() throws {
        let api = FakeKubeAPI()
        for ns in ["a", "b", "c"] { _ = try api.create(.pods, namespace: ns, object: FakeKubeAPI.pod("p", namespace: ns, owner: "o")) }
        let group = InformerGroup(api: api, resource: .pods, namespaces: ["a", "b", "a"], options: fastOptions())
        XCTAssertEqual(group.informers.keys.sorted(), ["a", "b"])
        let log = Log<String>()
        group.onAdd { log.append(ObjectKey(object: $0)?.description ?? "?") }
        try group.start()
        defer { group.stop() }
        XCTAssertTrue(group.waitForSync(timeout: 20))
        XCTAssertEqual(Set(log.all), ["a/p", "b/p"])
        XCTAssertNotNil(group.get(namespace: "a", name: "p"))
        XCTAssertNil(group.get(namespace: "c", name: "p"))
        XCTAssertEqual(group.list().count, 2)
        XCTAssertEqual(group.byOwner(uid: "o").count, 2)

        let all = InformerGroup(api: api, resource: .pods, namespaces: [], options: fastOptions())
        try all.start()
        defer { all.stop() }
        XCTAssertTrue(all.waitForSync(timeout: 20))
        XCTAssertEqual(all.list().count, 3)
        XCTAssertNotNil(all.get(namespace: "c", name: "p"))
    }
}

final class InformerTransformTests: XCTestCase {
    func testTransformAppliesToListedAndWatchedObjectsBeforeStoreAndHandlers() throws {
        let api = FakeKubeAPI()
        _ = try api.create(.pods, namespace: "default", object: FakeKubeAPI.pod("listed", labels: ["drop": "me"]))
        var options = Informer.Options()
        options.backoffInitial = 0.01
        options.minimumHealthyWatch = 0
        options.transform = { object in
            var trimmed = object
            trimmed["metadata"]?["labels"] = nil
            trimmed["metadata"]?["annotations"] = ["seen": "yes"]
            return trimmed
        }
        let informer = Informer(api: api, resource: .pods, options: options)
        let handed = Log<JSONValue>()
        informer.onAdd { handed.append($0) }
        informer.onUpdate { _, new in handed.append(new) }
        try informer.start()
        defer { informer.stop() }
        XCTAssertTrue(informer.waitForSync(timeout: 20))
        eventually("the watch opens") { api.openStreams == 1 }
        _ = try api.create(.pods, namespace: "default", object: FakeKubeAPI.pod("watched", labels: ["drop": "me"]))
        eventually("the watched pod arrives") { handed.count == 2 }
        for name in ["listed", "watched"] {
            let cached = try XCTUnwrap(informer.get(namespace: "default", name: name))
            XCTAssertNil(cached["metadata"]?["labels"], name)
            XCTAssertEqual(cached["metadata"]?["annotations"]?["seen"], "yes", name)
        }
        XCTAssertEqual(handed.all.map { $0["metadata"]?["labels"] == nil }, [true, true], "handlers see the transformed objects")
    }
}
