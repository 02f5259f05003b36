import Foundation
import JSON
@testable import KubeClient
import XCTest

/// The informer against a real API server of its own (see PrivateAPIServer), restarted and with
/// its etcd compacted under the informer's feet.
final class InformerAPIServerTests: XCTestCase {
    // XCTest runs a class's tests and its class set-up one after another on one thread.
    nonisolated(unsafe) private static var server: PrivateAPIServer?
    private var client: KubeHTTPClient!
    private var namespace: String!

    override class func tearDown() {
        try? server?.stop()
        server = nil
        super.tearDown()
    }

    override func setUpWithError() throws {
        guard let shared = APIServerTestCase.kubeconfigPath else { throw XCTSkip("RAY_E2E_KUBECONFIG is not set") }
        if Self.server == nil { Self.server = try PrivateAPIServer.start(sharedKubeconfig: shared) }
        guard let server = Self.server else { return }
        client = try KubeHTTPClient(configuration: try KubeConfiguration.fromKubeconfigFile(server.kubeconfigPath),
                                    options: KubeClientOptions(qps: 0))
        namespace = APIServerTestCase.uniqueName("inf")
        _ = try client.create(.namespaces, namespace: nil, object: ["apiVersion": "v1", "kind": "Namespace",
                                                                    "metadata": ["name": .string(namespace)]])
    }

    override func tearDownWithError() throws {
        if let client, let namespace {
            try? client.delete(.namespaces, namespace: nil, name: namespace, options: DeleteOptions(propagationPolicy: "Background"))
            client.close()
        }
    }

    private func pod(_ name: String) -> JSONValue {
        ["apiVersion": "v1", "kind": "Pod", "metadata": ["name": .string(name)],
         "spec": ["containers": [["name": "main", "image": "busybox:1.36"]]]]
    }

    private func informer(_ api: any KubeAPI, log: Log<String>) -> Informer {
        var options = Informer.Options(namespace: namespace)
        options.backoffInitial = 0.2
        options.backoffCap = 1
        let informer = Informer(api: api, resource: .pods, options: options)
        informer.onAdd { log.append("add \(ObjectKey(object: $0)?.name ?? "?")") }
        informer.onUpdate { old, new in
            log.append("update \(ObjectKey(object: new)?.name ?? "?") \(ObjectMetadata.resourceVersion(of: old) ?? "")→\(ObjectMetadata.resourceVersion(of: new) ?? "")")
        }
        informer.onDelete { log.append("delete \(ObjectKey(object: $0)?.name ?? "?")") }
        return informer
    }

    /// Retries a write while the restarted server is coming up (bounded by the deadline).
    private func retrying<T>(_ what: String, _ body: () throws(KubeError) -> T) throws -> T {
        let deadline = Date().addingTimeInterval(60)
        while true {
            do {
                return try body()
            } catch {
                guard Date() < deadline, !error.isAlreadyExists, !error.isConflict, !error.isInvalid else {
                    throw E2EFailure("\(what): \(error)")
                }
                usleep(200_000)
            }
        }
    }

    func testInformerKeepsDeliveringAcrossAnAPIServerRestart() throws {
        let server = try XCTUnwrap(Self.server)
        let log = Log<String>()
        let informer = informer(client, log: log)
        try informer.start()
        defer { informer.stop() }
        XCTAssertTrue(informer.waitForSync(timeout: 60))
        _ = try client.create(.pods, namespace: namespace, object: pod("before"))
        eventually("the add before the restart", timeout: 60) { log.all == ["add before"] }

        try server.restart()

        _ = try retrying("create after the restart") { () throws(KubeError) in
            try client.create(.pods, namespace: namespace, object: pod("after"))
        }
        eventually("the add after the restart", timeout: 90) { log.all == ["add before", "add after"] }
        let seenBefore = try XCTUnwrap(informer.get(namespace: namespace, name: "before").flatMap(ObjectMetadata.resourceVersion(of:)))
        let patched = try client.mergePatch(.pods, namespace: namespace, name: "before",
                                            patch: ["metadata": ["labels": ["seen": "yes"]]], subresource: nil)
        try client.delete(.pods, namespace: namespace, name: "after", options: DeleteOptions(gracePeriodSeconds: 0))
        eventually("update and delete", timeout: 60) { log.all.last == "delete after" }
        let all = log.all
        XCTAssertEqual(Array(all.prefix(3)), ["add before", "add after",
                                              "update before \(seenBefore)→\(ObjectMetadata.resourceVersion(of: patched) ?? "?")"])
        // The API server marks the pod deleted (a MODIFIED event) before it removes it.
        XCTAssertTrue(all.dropFirst(3).dropLast().allSatisfy { $0.hasPrefix("update after ") }, "\(all)")
        XCTAssertEqual(informer.store.keys().map(\.name), ["before"])
        let stats = informer.statistics
        XCTAssertGreaterThanOrEqual(stats.reconnects, 1, "\(stats)")
    }

    func testAWatchResumedAfterCompactionRelistsAndReportsEveryChangeOnce() throws {
        let server = try XCTUnwrap(Self.server)
        for name in ["a", "b", "c", "keep"] { _ = try client.create(.pods, namespace: namespace, object: pod(name)) }
        let gate = PartitionableKubeAPI(client)
        let log = Log<String>()
        let informer = informer(gate, log: log)
        try informer.start()
        defer { informer.stop() }
        XCTAssertTrue(informer.waitForSync(timeout: 60))
        XCTAssertEqual(Set(log.all), ["add a", "add b", "add c", "add keep"])
        let lastSeen = try XCTUnwrap(informer.lastResourceVersion.flatMap { Int($0) })
        let oldC = try XCTUnwrap(ObjectMetadata.resourceVersion(of: try XCTUnwrap(informer.get(namespace: namespace, name: "c"))))
        let oldA = ObjectMetadata.uid(of: try XCTUnwrap(informer.get(namespace: namespace, name: "a")))

        // The informer loses the server; meanwhile objects change and etcd's history is compacted.
        gate.partition()
        eventually("the informer notices", timeout: 30) { informer.statistics.reconnects >= 1 }
        try client.delete(.pods, namespace: namespace, name: "b", options: DeleteOptions(gracePeriodSeconds: 0))
        let newC = try client.mergePatch(.pods, namespace: namespace, name: "c",
                                         patch: ["metadata": ["labels": ["changed": "yes"]]], subresource: nil)
        _ = try client.create(.pods, namespace: namespace, object: pod("d"))
        try client.delete(.pods, namespace: namespace, name: "a", options: DeleteOptions(gracePeriodSeconds: 0))
        _ = try client.create(.pods, namespace: namespace, object: pod("a"))
        let revision = try server.etcdRevision()
        try server.compact(revision: revision)
        XCTAssertTrue(try server.isCompacted(revision: lastSeen), "etcd refuses reads at the informer's version")
        // The API server's watch cache still holds recent history in memory whatever etcd
        // compacted; a restarted server (or another replica) has only what etcd kept.
        try server.restart()
        let before = log.count
        gate.heal()

        eventually("the relist reports the gap", timeout: 90) { log.count - before >= 5 }
        let gap = Array(log.all[before...])
        XCTAssertEqual(gap.count, 5, "\(gap)")
        XCTAssertEqual(Set(gap), ["delete b", "delete a", "add a", "add d",
                                  "update c \(oldC)→\(ObjectMetadata.resourceVersion(of: newC) ?? "?")"], "\(gap)")
        XCTAssertLessThan(gap.firstIndex(of: "delete a") ?? 99, gap.firstIndex(of: "add a") ?? -1)
        XCTAssertNotEqual(ObjectMetadata.uid(of: try XCTUnwrap(informer.get(namespace: namespace, name: "a"))), oldA)
        XCTAssertGreaterThanOrEqual(informer.statistics.gone, 1, "\(informer.statistics)")
        XCTAssertGreaterThanOrEqual(informer.statistics.relists, 1)

        _ = try retrying("create after the relist") { () throws(KubeError) in
            try client.create(.pods, namespace: namespace, object: pod("e"))
        }
        eventually("the watch resumed", timeout: 60) { log.all.last == "add e" }
        XCTAssertEqual(log.count - before, 6, "nothing reported twice: \(log.all[before...])")
        XCTAssertEqual(informer.store.keys().map(\.name), ["a", "c", "d", "e", "keep"])
    }
}
