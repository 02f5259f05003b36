import Foundation
import JSON
import KubeClient
import Metrics
import XCTest

/// CRUD, status, deletecollection, errors and paging against the real API server.
final class KubeHTTPClientCRUDTests: APIServerTestCase {
    func testPodCreateGetUpdateStatusPatchDelete() throws {
        let created = try client.create(.pods, namespace: namespace, object: pod("p1", labels: ["app": "x"]))
        XCTAssertEqual(created["metadata"]?["name"]?.stringValue, "p1")
        XCTAssertEqual(created["metadata"]?["namespace"]?.stringValue, namespace)
        let uid = try XCTUnwrap(created["metadata"]?["uid"]?.stringValue)

        var fetched = try client.get(.pods, namespace: namespace, name: "p1")
        XCTAssertEqual(fetched["metadata"]?["uid"]?.stringValue, uid)

        // PUT with the current resourceVersion
        fetched["metadata"]?["labels"]?["app"] = "y"
        let updated = try client.update(.pods, namespace: namespace, name: "p1", object: fetched, subresource: nil)
        XCTAssertEqual(updated["metadata"]?["labels"]?["app"]?.stringValue, "y")

        // the status subresource, as a kubelet writes it
        var withStatus = updated
        withStatus["status"] = ["phase": "Running", "podIP": "10.1.2.3"]
        let statusWritten = try client.update(.pods, namespace: namespace, name: "p1", object: withStatus, subresource: "status")
        XCTAssertEqual(statusWritten["status"]?["phase"]?.stringValue, "Running")
        XCTAssertEqual(statusWritten["status"]?["podIP"]?.stringValue, "10.1.2.3")

        // merge patch of metadata, then of status
        let patched = try client.mergePatch(.pods, namespace: namespace, name: "p1",
                                            patch: ["metadata": ["annotations": ["note": "a b&c=d/é"]]], subresource: nil)
        XCTAssertEqual(patched["metadata"]?["annotations"]?["note"]?.stringValue, "a b&c=d/é")
        let statusPatched = try client.mergePatch(.pods, namespace: namespace, name: "p1",
                                                  patch: ["status": ["phase": "Succeeded"]], subresource: "status")
        XCTAssertEqual(statusPatched["status"]?["phase"]?.stringValue, "Succeeded")

        try client.delete(.pods, namespace: namespace, name: "p1", options: DeleteOptions(preconditionUID: uid, gracePeriodSeconds: 0))
        waitUntil("the pod to be gone") { !exists(.pods, "p1") }
    }

    func testListWithSelectorsAndDeleteCollection() throws {
        for index in 0..<4 {
            _ = try client.create(.pods, namespace: namespace, object: pod("sel-\(index)", labels: ["group": index < 3 ? "a" : "b", "i": "\(index)"]))
        }
        XCTAssertEqual(names(try client.list(.pods, namespace: namespace, options: ListOptions(labelSelector: "group=a"))),
                       ["sel-0", "sel-1", "sel-2"])
        XCTAssertEqual(names(try client.list(.pods, namespace: namespace, options: ListOptions(labelSelector: "group in (a,b),i!=0"))),
                       ["sel-1", "sel-2", "sel-3"])
        XCTAssertEqual(names(try client.list(.pods, namespace: namespace, options: ListOptions(fieldSelector: "metadata.name=sel-3"))),
                       ["sel-3"])
        // across all namespaces, narrowed by a label only this test uses
        let marker = Self.uniqueName("m")
        _ = try client.mergePatch(.pods, namespace: namespace, name: "sel-0", patch: ["metadata": ["labels": ["marker": .string(marker)]]], subresource: nil)
        XCTAssertEqual(names(try client.list(.pods, namespace: nil, options: ListOptions(labelSelector: "marker=\(marker)"))), ["sel-0"])

        try client.deleteCollection(.pods, namespace: namespace, labelSelector: "group=a", options: DeleteOptions(gracePeriodSeconds: 0))
        try waitUntil("group a to be deleted") {
            names(try client.list(.pods, namespace: namespace, options: ListOptions())) == ["sel-3"]
        }
    }

    func testServiceCRUDAndStatus() throws {
        let service: JSONValue = ["apiVersion": "v1", "kind": "Service", "metadata": ["name": "svc", "labels": ["ray.io/test": "1"]],
                                  "spec": ["selector": ["app": "x"], "ports": [["name": "http", "port": 80, "targetPort": 8080]]]]
        let created = try client.create(.services, namespace: namespace, object: service)
        XCTAssertNotNil(created["spec"]?["clusterIP"]?.stringValue)
        var fetched = try client.get(.services, namespace: namespace, name: "svc")
        fetched["spec"]?["ports"] = [["name": "http", "port": 81, "targetPort": 8080]]
        let updated = try client.update(.services, namespace: namespace, name: "svc", object: fetched, subresource: nil)
        XCTAssertEqual(updated["spec"]?["ports"]?[0]?["port"]?.intValue, 81)
        let status = try client.mergePatch(.services, namespace: namespace, name: "svc",
                                           patch: ["status": ["loadBalancer": ["ingress": [["ip": "192.0.2.1"]]]]], subresource: "status")
        XCTAssertEqual(status["status"]?["loadBalancer"]?["ingress"]?[0]?["ip"]?.stringValue, "192.0.2.1")
        // Kubernetes 1.20 does not serve deletecollection for services (added in 1.23): a typed 405
        assertKubeError(try client.deleteCollection(.services, namespace: namespace, labelSelector: "ray.io/test=1", options: DeleteOptions()),
                        "deletecollection services") { $0.status?.code == 405 && $0.status?.reason == "MethodNotAllowed" }
        try client.delete(.services, namespace: namespace, name: "svc", options: DeleteOptions())
        assertKubeError(try client.get(.services, namespace: namespace, name: "svc"), "get deleted service") { $0.isNotFound }
    }

    func testErrorsAreTypedStatuses() throws {
        _ = try client.create(.pods, namespace: namespace, object: pod("dup"))
        assertKubeError(try client.create(.pods, namespace: namespace, object: pod("dup")), "second create") { $0.isAlreadyExists }
        assertKubeError(try client.get(.pods, namespace: namespace, name: "missing"), "get missing") {
            $0.isNotFound && $0.status?.reason == "NotFound" && ($0.status?.message.contains("missing") ?? false)
        }
        assertKubeError(try client.delete(.pods, namespace: namespace, name: "missing", options: DeleteOptions()), "delete missing") { $0.isNotFound }

        // two writers from the same version: the second gets Conflict
        let first = try client.get(.pods, namespace: namespace, name: "dup")
        var a = first, b = first
        a["metadata"]?["labels"] = ["writer": "a"]
        b["metadata"]?["labels"] = ["writer": "b"]
        _ = try client.update(.pods, namespace: namespace, name: "dup", object: a, subresource: nil)
        assertKubeError(try client.update(.pods, namespace: namespace, name: "dup", object: b, subresource: nil), "stale update") {
            $0.isConflict && $0.status?.code == 409 && $0.status?.reason == "Conflict"
        }
        // a delete whose UID precondition names another object is refused (Conflict) and deletes nothing
        assertKubeError(try client.delete(.pods, namespace: namespace, name: "dup", options: DeleteOptions(preconditionUID: "not-the-uid")),
                        "delete with wrong UID") { $0.isConflict }
        XCTAssertNoThrow(try client.get(.pods, namespace: namespace, name: "dup"))

        // invalid object: 422 with the server's message
        var bad = pod("Bad_Name")
        bad["spec"] = ["containers": []]
        assertKubeError(try client.create(.pods, namespace: namespace, object: bad), "invalid pod") { $0.isInvalid }

        // refused before sending
        assertKubeError(try client.get(.pods, namespace: namespace, name: "../x"), "path traversal") { $0.status?.code == 400 }
        assertKubeError(try client.get(.pods, namespace: nil, name: "x"), "namespaced get without namespace") { $0.status?.code == 400 }
    }

    func testListAllFollowsContinueTokens() throws {
        for index in 0..<23 {
            _ = try client.create(.pods, namespace: namespace, object: pod("page-\(index)", labels: ["paged": "yes"]))
        }
        let firstPage = try client.list(.pods, namespace: namespace, options: ListOptions(labelSelector: "paged=yes", limit: 10))
        XCTAssertEqual(firstPage["items"]?.arrayValue?.count, 10)
        XCTAssertNotNil(firstPage["metadata"]?["continue"]?.stringValue)

        let all = try client.listAll(.pods, namespace: namespace, options: ListOptions(labelSelector: "paged=yes"), pageSize: 10)
        XCTAssertEqual(names(all), (0..<23).map { "page-\($0)" }.sorted())
        XCTAssertNotNil(all["metadata"]?["resourceVersion"]?.stringValue)
        XCTAssertNil(all["metadata"]?["continue"])
    }

    func testKeepAliveReusesOneConnectionAndMetricsCount() throws {
        let registry = MetricsRegistry()
        let measured = try KubeHTTPClient(configuration: configuration, options: KubeClientOptions(qps: 0), metrics: registry)
        defer { measured.close() }
        for _ in 0..<20 {
            _ = try measured.list(.pods, namespace: namespace, options: ListOptions())
        }
        XCTAssertEqual(measured.idleConnectionCount, 1, "sequential calls share one keep-alive connection")
        assertKubeError(try measured.get(.pods, namespace: namespace, name: "nope"), "404") { $0.isNotFound }
        let text = registry.render()
        let host = configuration.server.hostAndPort
        XCTAssertTrue(text.contains("rest_client_requests_total{code=\"200\",host=\"\(host)\",method=\"GET\"} 20"), text)
        XCTAssertTrue(text.contains("rest_client_requests_total{code=\"404\",host=\"\(host)\",method=\"GET\"} 1"), text)
        XCTAssertTrue(text.contains("rest_client_request_duration_seconds_count{host=\"\(host)\",verb=\"GET\"} 21"), text)
    }

    func testConcurrentCallsFromManyThreads() throws {
        let threads = 8, perThread = 10
        let failures = LockedList()
        let client = self.client!, namespace = self.namespace!
        let pods = (0..<threads).map { worker in (0..<perThread).map { pod("c-\(worker)-\($0)") } }
        DispatchQueue.concurrentPerform(iterations: threads) { worker in
            for object in pods[worker] {
                do {
                    _ = try client.create(.pods, namespace: namespace, object: object)
                } catch {
                    failures.append("\(error)")
                }
            }
        }
        XCTAssertEqual(failures.items, [])
        XCTAssertEqual(try client.listAll(.pods, namespace: namespace)["items"]?.arrayValue?.count, threads * perThread)
        XCTAssertLessThanOrEqual(client.idleConnectionCount, threads)
    }
}

final class LockedList: @unchecked Sendable {
    private let lock = NSLock()
    private var storage: [String] = []
    func append(_ item: String) { lock.lock(); storage.append(item); lock.unlock() }
    var items: [String] { lock.lock(); defer { lock.unlock() }; return storage }
}
