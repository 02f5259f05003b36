import Foundation
import XCTest

/// Multi-host worker groups and the in-tree autoscaler's objects, against the real API server
/// (same controller and webhook as the rest of ControllerEndToEndTests).
extension ControllerEndToEndTests {
    func labels(_ pod: [String: Any]?) -> [String: String] {
        pod.flatMap { JSON.at($0, "metadata", "labels") as? [String: String] } ?? [:]
    }

    func controllerOwners(_ object: [String: Any]) -> [[String: Any]] {
        (JSON.at(object, "metadata", "ownerReferences") as? [[String: Any]] ?? []).filter { $0["controller"] as? Bool == true }
    }

    func testMultiHostReplicasAreReplacedAndScaledWhole() throws {
        _ = try fixtures()
        let namespace = try makeNamespace()
        try create(smallCluster("mh", replicas: 2, numOfHosts: 2), namespace: namespace)
        let head = "mh-headgroup-head-0"
        try waitForPods("mh", namespace: namespace, workers("mh", [0, 1, 2, 3]).union([head]))
        var pods = try pods("mh", namespace: namespace)
        // The hosts of a replica share its name; each knows its place.
        for (index, replica, host) in [(0, "small-0", "0"), (1, "small-0", "1"), (2, "small-1", "0"), (3, "small-1", "1")] {
            let podLabels = labels(pods["mh-small-worker-\(index)"])
            XCTAssertEqual(podLabels["ray.io/worker-group-replica-name"], replica, "pod \(index)")
            XCTAssertEqual(podLabels["ray.io/replica-host-index"], host, "pod \(index)")
            XCTAssertEqual(podLabels["ray.io/worker-group-replica-index"], String(index / 2), "pod \(index)")
        }
        // The headless worker Service, owned by the cluster.
        let headless = try waitForService("mh-headless", namespace: namespace)
        XCTAssertEqual(JSON.at(headless, "spec", "clusterIP") as? String, "None")
        XCTAssertEqual(JSON.at(headless, "spec", "publishNotReadyAddresses") as? Bool, true)
        XCTAssertEqual(JSON.at(headless, "spec", "selector") as? [String: String], ["ray.io/cluster": "mh", "ray.io/node-type": "worker"])
        let clusterUID = JSON.at(try cluster("mh", namespace: namespace), "metadata", "uid") as? String
        XCTAssertEqual(controllerOwners(headless).map { $0["uid"] as? String }, [clusterUID])

        // One host deleted: its replica is replaced whole, the other replica is left alone.
        let before = uids(pods)
        _ = try kubectl.run(["delete", "pod", "mh-small-worker-1", "-n", namespace, "--wait=false"])
        try Kubectl.waitUntil(timeout: Self.convergeTimeout, "replica small-0 replaced whole") {
            let now = uids(try self.pods("mh", namespace: namespace))
            return now.count == 5 && now["mh-small-worker-0"] != before["mh-small-worker-0"]
                && now["mh-small-worker-1"] != nil && now["mh-small-worker-1"] != before["mh-small-worker-1"]
        }
        pods = try self.pods("mh", namespace: namespace)
        for name in ["mh-small-worker-2", "mh-small-worker-3", head] {
            XCTAssertEqual(uids(pods)[name], before[name], "\(name) kept its UID")
        }
        XCTAssertEqual(labels(pods["mh-small-worker-0"])["ray.io/worker-group-replica-name"],
                       labels(pods["mh-small-worker-1"])["ray.io/worker-group-replica-name"])

        // Scale to one replica: the highest replica's two pods go.
        let kept = uids(pods)
        try patch("rayclusters.v1.ray.io", "mh", namespace: namespace, type: "json",
                  #"[{"op":"replace","path":"/spec/workerGroupSpecs/0/replicas","value":1}]"#)
        try waitForPods("mh", namespace: namespace, workers("mh", [0, 1]).union([head]))
        let after = uids(try self.pods("mh", namespace: namespace))
        for name in ["mh-small-worker-0", "mh-small-worker-1", head] { XCTAssertEqual(after[name], kept[name], "\(name) kept its UID") }
        XCTAssertEqual(try cluster("mh", namespace: namespace)["status"].flatMap { JSON.at($0, "desiredWorkerReplicas") } as? Int, 2)
    }

    func testAutoscalerObjectsAreMadeOwnedAndGoWithTheCluster() throws {
        _ = try fixtures()
        let namespace = try makeNamespace()
        try create(smallCluster("auto", replicas: 1, extra: "  enableInTreeAutoscaling: true"), namespace: namespace)
        try waitForPods("auto", namespace: namespace, workers("auto", [0]).union(["auto-headgroup-head-0"]))
        let clusterUID = JSON.at(try cluster("auto", namespace: namespace), "metadata", "uid") as? String
        XCTAssertNotNil(clusterUID)
        let account = try waitForObject("serviceaccount", "auto", namespace: namespace)
        let role = try waitForObject("role", "auto", namespace: namespace)
        let binding = try waitForObject("rolebinding", "auto", namespace: namespace)
        for (kind, object) in [("ServiceAccount", account), ("Role", role), ("RoleBinding", binding)] {
            XCTAssertEqual(controllerOwners(object).map { $0["uid"] as? String }, [clusterUID], "\(kind): one controller owner, the cluster")
            XCTAssertEqual((JSON.at(object, "metadata", "ownerReferences") as? [Any])?.count, 1, kind)
        }
        let rules = (role["rules"] as? [[String: Any]] ?? []).map { rule in
            "\((rule["apiGroups"] as? [String] ?? []).joined(separator: ",")) \((rule["resources"] as? [String] ?? []).joined(separator: ",")) \((rule["verbs"] as? [String] ?? []).joined(separator: ","))"
        }
        XCTAssertEqual(rules, [" pods get,list,watch,patch", " pods/resize patch", "ray.io rayclusters get,patch"])
        XCTAssertEqual(JSON.at(binding, "roleRef", "name") as? String, "auto")
        XCTAssertEqual(JSON.at(binding, "roleRef", "kind") as? String, "Role")
        let subjects = binding["subjects"] as? [[String: Any]] ?? []
        XCTAssertEqual(subjects.map { "\($0["kind"] ?? "") \($0["name"] ?? "") \($0["namespace"] ?? "")" }, ["ServiceAccount auto \(namespace)"])
        let headPod = try pods("auto", namespace: namespace)["auto-headgroup-head-0"]
        XCTAssertEqual(headPod.flatMap { JSON.at($0, "spec", "serviceAccountName") } as? String, "auto")

        // A deleted Role comes back (it is watched through its label).
        _ = try kubectl.run(["delete", "role", "auto", "-n", namespace, "--wait=false"])
        let recreated = try waitForObject("role", "auto", namespace: namespace)
        XCTAssertNotEqual(JSON.at(recreated, "metadata", "uid") as? String, JSON.at(role, "metadata", "uid") as? String)

        // Deleting the cluster removes them (garbage collection of owned objects).
        let deleted = try kubectl.run(["delete", "rayclusters.v1.ray.io", "auto", "-n", namespace, "--wait=false"])
        XCTAssertTrue(deleted.succeeded, deleted.stderr)
        try Kubectl.waitUntil(timeout: Self.convergeTimeout, "the autoscaler's objects gone") {
            try ["serviceaccount", "role", "rolebinding"].allSatisfy { kind in
                !(try kubectl.run(["get", kind, "auto", "-n", namespace]).succeeded)
            }
        }
    }

    func testAUserNamedServiceAccountMustExistBeforeAnyPod() throws {
        let (_, controller) = try fixtures()
        let namespace = try makeNamespace()
        var manifest = smallCluster("usa", replicas: 1, extra: "  enableInTreeAutoscaling: true")
        manifest = manifest.replacingOccurrences(of: "      spec:\n        containers:\n        - name: ray-head",
                                                 with: "      spec:\n        serviceAccountName: user-sa\n        containers:\n        - name: ray-head")
        XCTAssertTrue(manifest.contains("serviceAccountName: user-sa"), manifest)
        try create(manifest, namespace: namespace)
        try Kubectl.waitUntil(timeout: Self.convergeTimeout, "a Warning Event AutoscalerServiceAccountNotFound") {
            let events = try kubectl.getJSON(["events", "-n", namespace, "--field-selector", "reason=AutoscalerServiceAccountNotFound"])
            return !(events["items"] as? [Any] ?? []).isEmpty
        }
        XCTAssertEqual(try pods("usa", namespace: namespace).count, 0, "no pod while the ServiceAccount is missing")
        XCTAssertFalse(try kubectl.run(["get", "role", "usa", "-n", namespace]).succeeded, "nothing after the failed step")

        let made = try kubectl.run(["create", "serviceaccount", "user-sa", "-n", namespace])
        XCTAssertTrue(made.succeeded, made.stderr)
        try waitForPods("usa", namespace: namespace, workers("usa", [0]).union(["usa-headgroup-head-0"]))
        let headPod = try pods("usa", namespace: namespace)["usa-headgroup-head-0"]
        XCTAssertEqual(headPod.flatMap { JSON.at($0, "spec", "serviceAccountName") } as? String, "user-sa")
        let binding = try waitForObject("rolebinding", "usa", namespace: namespace)
        XCTAssertEqual((binding["subjects"] as? [[String: Any]])?.first?["name"] as? String, "user-sa")
        // The user's ServiceAccount is not taken over, and none is made in the cluster's name.
        let account = try kubectl.getJSON(["serviceaccount", "user-sa", "-n", namespace])
        XCTAssertNil(JSON.at(account, "metadata", "ownerReferences"))
        XCTAssertFalse(try kubectl.run(["get", "serviceaccount", "usa", "-n", namespace]).succeeded)

        // Once seen, the user's ServiceAccount is not looked up again on every periodic pass.
        let getsOfServiceAccounts = { try controller.sum("ray_operator_api_calls_total", where: [#"verb="get""#, #"resource="serviceaccounts""#]) }
        let gets = try getsOfServiceAccounts()
        XCTAssertGreaterThan(gets, 0, "the ServiceAccount was looked up")
        let passes = try controller.sum("controller_runtime_reconcile_total")
        usleep(12_000_000)
        XCTAssertGreaterThan(try controller.sum("controller_runtime_reconcile_total"), passes, "no pass ran in the window")
        XCTAssertEqual(try getsOfServiceAccounts(), gets, "a GET per pass")
    }
}
