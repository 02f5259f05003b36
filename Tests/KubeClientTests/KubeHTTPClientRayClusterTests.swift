import Foundation
import JSON
import KubeClient
import XCTest

/// RayClusters (a custom resource of group ray.io) through the client: the CRD is installed by the
/// client itself (a cluster-scoped create), without the conversion webhook, which these tests do
/// not run.
final class KubeHTTPClientRayClusterTests: APIServerTestCase {
    static let crds = KubeResource(group: "apiextensions.k8s.io", version: "v1", plural: "customresourcedefinitions", namespaced: false)
    static let rayClusters = KubeResource(group: "ray.io", version: "v1", plural: "rayclusters")

    static var repositoryRoot: String {
        // Tests/KubeClientTests/<this file> → the repository
        var parts = "\(#filePath)".split(separator: "/", omittingEmptySubsequences: false)
        parts.removeLast(3)
        return parts.joined(separator: "/")
    }

    override func setUpWithError() throws {
        try super.setUpWithError()
        try installCRD()
    }

    /// The CRD is removed after each test (and its removal awaited), so no later test, of this
    /// suite or another, finds this copy without the conversion webhook in its place.
    override func tearDownWithError() throws {
        if let client {
            try? client.delete(Self.crds, namespace: nil, name: "rayclusters.ray.io", options: DeleteOptions())
            waitUntil("the RayCluster CRD to be deleted", timeout: 60) {
                do {
                    _ = try client.get(Self.crds, namespace: nil, name: "rayclusters.ray.io")
                    return false
                } catch {
                    return (error as? KubeError)?.isNotFound ?? false
                }
            }
        }
        try super.tearDownWithError()
    }

    func installCRD() throws {
        let path = Self.repositoryRoot + "/config/crd/bases/ray.io_rayclusters.yaml"
        let bytes = Array(try String(contentsOfFile: path, encoding: .utf8).utf8)
        var crd = try XCTUnwrap(try Manifest.decode(bytes, source: path).first)
        crd["spec"]?["conversion"] = nil
        do {
            _ = try client.create(Self.crds, namespace: nil, object: crd)
        } catch {
            guard (error as? KubeError)?.isAlreadyExists == true else { throw error }
            // installed by an earlier test, possibly with a conversion webhook that is not running now
            let existing = try client.get(Self.crds, namespace: nil, name: "rayclusters.ray.io")
            if let strategy = existing["spec"]?["conversion"]?["strategy"]?.stringValue, strategy != "None" {
                crd["metadata"]?["resourceVersion"] = existing["metadata"]?["resourceVersion"]
                _ = try client.update(Self.crds, namespace: nil, name: "rayclusters.ray.io", object: crd, subresource: nil)
            }
        }
        try waitUntil("the RayCluster CRD to be served", timeout: 60) {
            let current = try client.get(Self.crds, namespace: nil, name: "rayclusters.ray.io")
            let established = (current["status"]?["conditions"]?.arrayValue ?? []).contains {
                $0["type"]?.stringValue == "Established" && $0["status"]?.stringValue == "True"
            }
            guard established else { return false }
            do {
                _ = try client.list(Self.rayClusters, namespace: namespace, options: ListOptions())
                return true
            } catch {
                return false
            }
        }
    }

    func rayCluster(_ name: String, labels: JSONValue = [:]) -> JSONValue {
        ["apiVersion": "ray.io/v1", "kind": "RayCluster", "metadata": ["name": .string(name), "labels": labels],
         "spec": ["headGroupSpec": ["rayStartParams": ["dashboard-host": "0.0.0.0"],
                                    "template": ["spec": ["containers": [["name": "ray-head", "image": "rayproject/ray:2.9.0"]]]]],
                  "workerGroupSpecs": [["groupName": "small-group", "replicas": 1, "minReplicas": 0, "maxReplicas": 3,
                                        "rayStartParams": [:],
                                        "template": ["spec": ["containers": [["name": "ray-worker", "image": "rayproject/ray:2.9.0"]]]]]]]]
    }

    func testRayClusterCRUDStatusAndDeleteCollection() throws {
        let created = try client.create(Self.rayClusters, namespace: namespace, object: rayCluster("rc1", labels: ["suite": "kc"]))
        XCTAssertEqual(created["metadata"]?["generation"]?.intValue, 1)
        assertKubeError(try client.create(Self.rayClusters, namespace: namespace, object: rayCluster("rc1")), "duplicate") { $0.isAlreadyExists }

        // spec update bumps the generation; a stale copy then conflicts
        var fetched = try client.get(Self.rayClusters, namespace: namespace, name: "rc1")
        let stale = fetched
        var spec = try XCTUnwrap(fetched["spec"])
        var groups = try XCTUnwrap(spec["workerGroupSpecs"]?.arrayValue)
        groups[0]["replicas"] = 2
        spec["workerGroupSpecs"] = .array(groups)
        fetched["spec"] = spec
        let updated = try client.update(Self.rayClusters, namespace: namespace, name: "rc1", object: fetched, subresource: nil)
        XCTAssertEqual(updated["spec"]?["workerGroupSpecs"]?[0]?["replicas"]?.intValue, 2)
        XCTAssertEqual(updated["metadata"]?["generation"]?.intValue, 2)
        assertKubeError(try client.update(Self.rayClusters, namespace: namespace, name: "rc1", object: stale, subresource: nil),
                        "stale update") { $0.isConflict }

        // status through the subresource: PUT, then merge patch; the main resource ignores status
        var withStatus = updated
        withStatus["status"] = ["state": "ready", "readyWorkerReplicas": 2, "observedGeneration": 2]
        let statusWritten = try client.update(Self.rayClusters, namespace: namespace, name: "rc1", object: withStatus, subresource: "status")
        XCTAssertEqual(statusWritten["status"]?["state"]?.stringValue, "ready")
        XCTAssertEqual(statusWritten["metadata"]?["generation"]?.intValue, 2, "status writes do not bump the generation")
        let patched = try client.mergePatch(Self.rayClusters, namespace: namespace, name: "rc1",
                                            patch: ["status": ["readyWorkerReplicas": 1]], subresource: "status")
        XCTAssertEqual(patched["status"]?["readyWorkerReplicas"]?.intValue, 1)
        XCTAssertEqual(patched["status"]?["state"]?.stringValue, "ready")
        let ignored = try client.mergePatch(Self.rayClusters, namespace: namespace, name: "rc1",
                                            patch: ["status": ["state": "failed"]], subresource: nil)
        XCTAssertEqual(ignored["status"]?["state"]?.stringValue, "ready", "the main resource does not write status")

        // deletecollection by label
        _ = try client.create(Self.rayClusters, namespace: namespace, object: rayCluster("rc2", labels: ["suite": "kc"]))
        _ = try client.create(Self.rayClusters, namespace: namespace, object: rayCluster("rc3", labels: ["suite": "other"]))
        try client.deleteCollection(Self.rayClusters, namespace: namespace, labelSelector: "suite=kc", options: DeleteOptions(propagationPolicy: "Background"))
        try waitUntil("rc1 and rc2 to be deleted") {
            names(try client.list(Self.rayClusters, namespace: namespace, options: ListOptions())) == ["rc3"]
        }
        // Foreground propagation reaches the server: the object waits for the garbage collector,
        // marked for deletion with the foregroundDeletion finalizer (the collector's pace after a
        // CRD was just re-created is not this client's business, so the finalizer is lifted here)
        try client.delete(Self.rayClusters, namespace: namespace, name: "rc3", options: DeleteOptions(propagationPolicy: "Foreground"))
        if let pending = try? client.get(Self.rayClusters, namespace: namespace, name: "rc3") {
            XCTAssertNotNil(pending["metadata"]?["deletionTimestamp"]?.stringValue)
            XCTAssertEqual(pending["metadata"]?["finalizers"], ["foregroundDeletion"])
            _ = try? client.mergePatch(Self.rayClusters, namespace: namespace, name: "rc3", patch: ["metadata": ["finalizers": nil]], subresource: nil)
        }
        waitUntil("rc3 to be deleted") { !exists(Self.rayClusters, "rc3") }
    }

    func testInvalidRayClusterIsRefusedBySchema() throws {
        var bad = rayCluster("bad")
        bad["spec"]?["headGroupSpec"] = nil
        assertKubeError(try client.create(Self.rayClusters, namespace: namespace, object: bad), "no headGroupSpec") {
            $0.isInvalid && ($0.status?.message.contains("headGroupSpec") ?? false)
        }
    }
}
