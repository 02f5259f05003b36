import Foundation
import XCTest

/// `ray-operator controller` against a real kube-apiserver (RAY_E2E_KUBECONFIG), beside a local
/// webhook (conversion of the original operator's v1alpha1 samples, validation). There is no
/// kubelet: tests write pod status through the status subresource as a kubelet would.
final class ControllerEndToEndTests: XCTestCase {
    nonisolated(unsafe) static var webhook: LocalWebhook?
    nonisolated(unsafe) static var controller: LocalController?
    nonisolated(unsafe) static var setupFailure: (any Error)?

    /// Converged clusters are looked at again this often, so the idle test sees periodic passes.
    static let requeueAfter = "5s"
    /// How long the controller may take to bring a cluster to its declared state.
    static let convergeTimeout: TimeInterval = 60

    static var kubeconfig: String? { Prerequisite.kubeconfig }

    override class func setUp() {
        super.setUp()
        guard let kubeconfig else { return }
        do {
            let started = try LocalWebhook(kubeconfig: kubeconfig)
            webhook = started
            try started.install()
            let controller = try LocalController(kubeconfig: kubeconfig, arguments: ["--requeue-after", requeueAfter])
            Self.controller = controller
            try controller.waitReady()
        } catch {
            setupFailure = error
        }
    }

    override class func tearDown() {
        controller?.stop()
        controller = nil
        webhook?.stop()
        webhook = nil
        super.tearDown()
    }

    func fixtures() throws -> (LocalWebhook, LocalController) {
        _ = try Prerequisite.requireKubeconfig()
        if let failure = Self.setupFailure { throw E2EError("end-to-end setup failed: \(failure)") }
        guard let webhook = Self.webhook, let controller = Self.controller else { throw E2EError("end-to-end setup did not run") }
        return (webhook, controller)
    }

    // MARK: - Helpers

    var kubectl: Kubectl { Kubectl(kubeconfig: Self.kubeconfig ?? "") }

    /// A namespace of its own for one test, deleted afterwards.
    func makeNamespace() throws -> String {
        let namespace = "ctl-\(UUID().uuidString.prefix(8).lowercased())"
        let made = try kubectl.runRetrying(["create", "namespace", namespace])
        guard made.succeeded else { throw E2EError("create namespace: \(made.stderr)") }
        // Waited for, so that no test sees the controller still busy with an earlier test's objects.
        addTeardownBlock { [kubectl] in
            _ = try? kubectl.run(["delete", "rayclusters.v1.ray.io", "--all", "-n", namespace, "--wait=true", "--timeout=60s"])
            _ = try? kubectl.run(["delete", "namespace", namespace, "--wait=true", "--timeout=60s"])
        }
        return namespace
    }

    func create(_ manifest: String, namespace: String) throws {
        let result = try kubectl.runRetrying(["create", "-n", namespace, "-f", "-"], stdin: manifest)
        guard result.succeeded else { throw E2EError("kubectl create: \(result.stderr)") }
    }

    func patch(_ kind: String, _ name: String, namespace: String, type: String = "merge", _ body: String, status: Bool = false) throws {
        var arguments = ["patch", kind, name, "-n", namespace, "--type=\(type)", "-p", body]
        if status { arguments.append("--subresource=status") }
        let result = try kubectl.runRetrying(arguments)
        guard result.succeeded else { throw E2EError("kubectl patch \(kind) \(name): \(result.stderr)") }
    }

    /// The cluster's pods by name (only those it owns, by label).
    func pods(_ cluster: String, namespace: String) throws -> [String: [String: Any]] {
        let list = try kubectl.getJSON(["pods", "-n", namespace, "-l", "ray.io/cluster=\(cluster)"])
        var result: [String: [String: Any]] = [:]
        for item in list["items"] as? [[String: Any]] ?? [] {
            if let name = JSON.at(item, "metadata", "name") as? String { result[name] = item }
        }
        return result
    }

    func uids(_ pods: [String: [String: Any]]) -> [String: String] {
        pods.compactMapValues { JSON.at($0, "metadata", "uid") as? String }
    }

    func waitForPods(_ cluster: String, namespace: String, _ expected: Set<String>, timeout: TimeInterval = convergeTimeout) throws {
        var last: Set<String> = []
        do {
            try Kubectl.waitUntil(timeout: timeout, "pods \(expected.sorted()) of \(cluster)") {
                last = Set(try pods(cluster, namespace: namespace).keys)
                return last == expected
            }
        } catch {
            throw E2EError("\(error); last seen: \(last.sorted()); controller log: \(Self.controller?.log.suffix(3000) ?? "")")
        }
    }

    func waitForService(_ name: String, namespace: String) throws -> [String: Any] {
        var service: [String: Any] = [:]
        try Kubectl.waitUntil(timeout: Self.convergeTimeout, "Service \(name)") {
            let result = try kubectl.run(["get", "service", name, "-n", namespace, "-o", "json"])
            guard result.succeeded else { return false }
            service = try JSON.object(result.stdout)
            return true
        }
        return service
    }

    /// Waits until `kind`/`name` exists; answers it.
    func waitForObject(_ kind: String, _ name: String, namespace: String) throws -> [String: Any] {
        var object: [String: Any] = [:]
        try Kubectl.waitUntil(timeout: Self.convergeTimeout, "\(kind) \(name)") {
            let result = try kubectl.run(["get", kind, name, "-n", namespace, "-o", "json"])
            guard result.succeeded else { return false }
            object = try JSON.object(result.stdout)
            return true
        }
        return object
    }

    func cluster(_ name: String, namespace: String) throws -> [String: Any] {
        try kubectl.getJSON(["rayclusters.v1.ray.io", name, "-n", namespace])
    }

    /// Marks a pod Running (and Ready when asked) with an IP, as a kubelet would.
    func markRunning(_ pod: String, namespace: String, ready: Bool = true, ip: String = "10.1.0.\(Int.random(in: 2...250))") throws {
        let readiness = ready ? "True" : "False"
        try patch("pod", pod, namespace: namespace, """
            {"status":{"phase":"Running","podIP":"\(ip)","podIPs":[{"ip":"\(ip)"}],
             "conditions":[{"type":"Ready","status":"\(readiness)"},{"type":"ContainersReady","status":"\(readiness)"}]}}
            """, status: true)
    }

    func smallCluster(_ name: String, replicas: Int = 2, numOfHosts: Int = 1, extra: String = "") -> String {
        """
        apiVersion: ray.io/v1
        kind: RayCluster
        metadata:
          name: \(name)
        spec:
        \(extra)
          headGroupSpec:
            rayStartParams: {}
            template:
              spec:
                containers:
                - name: ray-head
                  image: rayproject/ray:2.9.0
                  resources: {requests: {cpu: "1", memory: 1Gi}}
          workerGroupSpecs:
          - groupName: small
            replicas: \(replicas)
            minReplicas: 0
            maxReplicas: 10
            numOfHosts: \(numOfHosts)
            rayStartParams: {}
            template:
              spec:
                containers:
                - name: ray-worker
                  image: rayproject/ray:2.9.0
                  resources: {requests: {cpu: "1", memory: 1Gi}}
        """
    }

    func workers(_ cluster: String, _ indices: [Int]) -> Set<String> {
        Set(indices.map { "\(cluster)-small-worker-\($0)" })
    }

    // MARK: - The original operator's samples

    func testOriginalSamplesGetThePodsAndServiceItsREADMEShows() throws {
        _ = try fixtures()
        let samples: [(file: String, pods: Set<String>)] = [
            ("ray_v1_raycluster.mini.yaml", ["raycluster-sample-head-group-head-0", "raycluster-sample-small-group-worker-0"]),
            ("ray_v1_raycluster.heterogeneous.yaml", ["raycluster-sample-head-group-head-0", "raycluster-sample-small-group-worker-0",
                                                      "raycluster-sample-medium-group-worker-0"]),
            ("ray_v1_raycluster.complete.yaml", ["raycluster-sample-headgroup-head-0", "raycluster-sample-small-group-worker-0",
                                                 "raycluster-sample-medium-group-worker-0"]),
        ]
        for sample in samples {
            let namespace = try makeNamespace()
            let manifest = try String(contentsOf: Paths.file("config/samples/\(sample.file)"), encoding: .utf8)
            try create(manifest, namespace: namespace)
            try waitForPods("raycluster-sample", namespace: namespace, sample.pods)
            let service = try waitForService("raycluster-sample-head", namespace: namespace)
            let ports = (JSON.at(service, "spec", "ports") as? [[String: Any]] ?? []).compactMap { $0["port"] as? Int }
            XCTAssertTrue(ports.contains(6379), "\(sample.file): the workers dial $CLUSTER_NAME-head:6379; ports \(ports)")
            // The original command is kept, and its environment is there.
            let pods = try pods("raycluster-sample", namespace: namespace)
            for (name, pod) in pods {
                let container = (JSON.at(pod, "spec", "containers") as? [[String: Any]])?.first ?? [:]
                let text = ((container["command"] as? [String] ?? []) + (container["args"] as? [String] ?? [])).joined(separator: " ")
                XCTAssertTrue(text.contains("--node-ip-address=$MY_POD_IP"), "\(sample.file) \(name): \(text)")
                let env = (container["env"] as? [[String: Any]] ?? []).compactMap { $0["name"] as? String }
                for wanted in ["CLUSTER_NAME", "NAMESPACE", "MY_POD_IP"] {
                    XCTAssertEqual(env.filter { $0 == wanted }.count, 1, "\(sample.file) \(name): env \(env)")
                }
                let owners = JSON.at(pod, "metadata", "ownerReferences") as? [[String: Any]] ?? []
                XCTAssertEqual(owners.filter { $0["controller"] as? Bool == true }.count, 1, "\(name) has one controller owner")
            }
        }
    }

    // MARK: - Scaling

    func testScaleUpAddsOnlyNewIndicesAndScaleDownRemovesTheHighest() throws {
        _ = try fixtures()
        let namespace = try makeNamespace()
        try create(smallCluster("scale", replicas: 2), namespace: namespace)
        let head = "scale-headgroup-head-0"
        try waitForPods("scale", namespace: namespace, workers("scale", [0, 1]).union([head]))
        let before = uids(try pods("scale", namespace: namespace))

        try patch("rayclusters.v1.ray.io", "scale", namespace: namespace, type: "json",
                  #"[{"op":"replace","path":"/spec/workerGroupSpecs/0/replicas","value":4}]"#)
        try waitForPods("scale", namespace: namespace, workers("scale", [0, 1, 2, 3]).union([head]))
        let after = uids(try pods("scale", namespace: namespace))
        for (name, uid) in before { XCTAssertEqual(after[name], uid, "\(name) kept its UID through the scale-up") }

        try patch("rayclusters.v1.ray.io", "scale", namespace: namespace, type: "json",
                  #"[{"op":"replace","path":"/spec/workerGroupSpecs/0/replicas","value":1}]"#)
        try waitForPods("scale", namespace: namespace, workers("scale", [0]).union([head]))
        XCTAssertEqual(uids(try pods("scale", namespace: namespace))["scale-small-worker-0"], before["scale-small-worker-0"])
    }

    func testWorkersToDeleteAreRemovedAndTheirNamesNotReused() throws {
        _ = try fixtures()
        let namespace = try makeNamespace()
        try create(smallCluster("wtd", replicas: 3), namespace: namespace)
        let head = "wtd-headgroup-head-0"
        try waitForPods("wtd", namespace: namespace, workers("wtd", [0, 1, 2]).union([head]))
        // The autoscaler's way: name the victim and lower replicas in one write.
        try patch("rayclusters.v1.ray.io", "wtd", namespace: namespace, type: "json", """
            [{"op":"replace","path":"/spec/workerGroupSpecs/0/replicas","value":2},
             {"op":"add","path":"/spec/workerGroupSpecs/0/scaleStrategy","value":{"workersToDelete":["wtd-small-worker-1"]}}]
            """)
        try waitForPods("wtd", namespace: namespace, workers("wtd", [0, 2]).union([head]))
        // Scaling up while the name is still listed gives the new pod another index.
        try patch("rayclusters.v1.ray.io", "wtd", namespace: namespace, type: "json",
                  #"[{"op":"replace","path":"/spec/workerGroupSpecs/0/replicas","value":3}]"#)
        try waitForPods("wtd", namespace: namespace, workers("wtd", [0, 2, 3]).union([head]))
    }

    // MARK: - Repair

    func testADeletedPodOrServiceComesBack() throws {
        _ = try fixtures()
        let namespace = try makeNamespace()
        try create(smallCluster("repair", replicas: 1), namespace: namespace)
        let expected = workers("repair", [0]).union(["repair-headgroup-head-0"])
        try waitForPods("repair", namespace: namespace, expected)
        _ = try waitForService("repair-head", namespace: namespace)
        let oldUID = uids(try pods("repair", namespace: namespace))["repair-small-worker-0"]

        _ = try kubectl.run(["delete", "pod", "repair-small-worker-0", "-n", namespace, "--wait=false"])
        try Kubectl.waitUntil(timeout: Self.convergeTimeout, "a new repair-small-worker-0") {
            let now = uids(try pods("repair", namespace: namespace))["repair-small-worker-0"]
            return now != nil && now != oldUID
        }
        _ = try kubectl.run(["delete", "service", "repair-head", "-n", namespace, "--wait=false"])
        try Kubectl.waitUntil(timeout: Self.convergeTimeout, "the head Service back") {
            try kubectl.run(["get", "service", "repair-head", "-n", namespace]).succeeded
        }
        try waitForPods("repair", namespace: namespace, expected)
    }

    func testAFailedWorkerIsReplaced() throws {
        _ = try fixtures()
        let namespace = try makeNamespace()
        try create(smallCluster("failed", replicas: 1), namespace: namespace)
        try waitForPods("failed", namespace: namespace, workers("failed", [0]).union(["failed-headgroup-head-0"]))
        let oldUID = uids(try pods("failed", namespace: namespace))["failed-small-worker-0"]
        try patch("pod", "failed-small-worker-0", namespace: namespace, #"{"status":{"phase":"Failed"}}"#, status: true)
        try Kubectl.waitUntil(timeout: Self.convergeTimeout, "the failed worker replaced") {
            let pods = try pods("failed", namespace: namespace)
            guard let pod = pods["failed-small-worker-0"] else { return false }
            return JSON.at(pod, "metadata", "uid") as? String != oldUID && JSON.at(pod, "status", "phase") as? String != "Failed"
        }
    }

    // MARK: - Suspend

    func testSuspendDeletesEveryPodAndResumeBringsThemBack() throws {
        _ = try fixtures()
        let namespace = try makeNamespace()
        try create(smallCluster("susp", replicas: 2), namespace: namespace)
        let all = workers("susp", [0, 1]).union(["susp-headgroup-head-0"])
        try waitForPods("susp", namespace: namespace, all)

        try patch("rayclusters.v1.ray.io", "susp", namespace: namespace, #"{"spec":{"suspend":true}}"#)
        try waitForPods("susp", namespace: namespace, [])
        try Kubectl.waitUntil(timeout: Self.convergeTimeout, "state suspended and condition RayClusterSuspended") {
            let status = try cluster("susp", namespace: namespace)["status"] as? [String: Any] ?? [:]
            let conditions = status["conditions"] as? [[String: Any]] ?? []
            return status["state"] as? String == "suspended"
                && conditions.contains { $0["type"] as? String == "RayClusterSuspended" && $0["status"] as? String == "True" }
        }
        try patch("rayclusters.v1.ray.io", "susp", namespace: namespace, #"{"spec":{"suspend":false}}"#)
        try waitForPods("susp", namespace: namespace, all)
    }

    func testASuspendedGroupHasNoPods() throws {
        _ = try fixtures()
        let namespace = try makeNamespace()
        try create(smallCluster("gsusp", replicas: 2), namespace: namespace)
        try waitForPods("gsusp", namespace: namespace, workers("gsusp", [0, 1]).union(["gsusp-headgroup-head-0"]))
        try patch("rayclusters.v1.ray.io", "gsusp", namespace: namespace, type: "json",
                  #"[{"op":"add","path":"/spec/workerGroupSpecs/0/suspend","value":true}]"#)
        try waitForPods("gsusp", namespace: namespace, ["gsusp-headgroup-head-0"])
        try patch("rayclusters.v1.ray.io", "gsusp", namespace: namespace, type: "json",
                  #"[{"op":"replace","path":"/spec/workerGroupSpecs/0/suspend","value":false}]"#)
        try waitForPods("gsusp", namespace: namespace, workers("gsusp", [0, 1]).union(["gsusp-headgroup-head-0"]))
    }

    // MARK: - Status

    func testStatusAndConditionsFollowThePods() throws {
        _ = try fixtures()
        let namespace = try makeNamespace()
        try create(smallCluster("stat", replicas: 2), namespace: namespace)
        let head = "stat-headgroup-head-0"
        try waitForPods("stat", namespace: namespace, workers("stat", [0, 1]).union([head]))

        func status() throws -> [String: Any] { try cluster("stat", namespace: namespace)["status"] as? [String: Any] ?? [:] }
        func condition(_ type: String, _ status: [String: Any]) -> [String: Any]? {
            (status["conditions"] as? [[String: Any]] ?? []).first { $0["type"] as? String == type }
        }
        try Kubectl.waitUntil(timeout: Self.convergeTimeout, "the first status") {
            let s = try status()
            return s["desiredWorkerReplicas"] as? Int == 2 && condition("HeadPodReady", s)?["status"] as? String == "False"
        }
        var s = try status()
        XCTAssertEqual(s["maxWorkerReplicas"] as? Int, 10)
        XCTAssertEqual(s["minWorkerReplicas"] as? Int, 0)
        XCTAssertEqual(s["desiredCPU"] as? String, "3")
        XCTAssertNotEqual(s["state"] as? String, "ready")
        XCTAssertEqual(condition("RayClusterProvisioned", s)?["status"] as? String, "False")

        try markRunning(head, namespace: namespace, ip: "10.9.0.1")
        try markRunning("stat-small-worker-0", namespace: namespace)
        try markRunning("stat-small-worker-1", namespace: namespace)
        try Kubectl.waitUntil(timeout: Self.convergeTimeout, "state ready") {
            s = try status()
            return s["state"] as? String == "ready" && s["readyWorkerReplicas"] as? Int == 2
        }
        XCTAssertEqual(s["availableWorkerReplicas"] as? Int, 2)
        XCTAssertEqual(JSON.at(s, "head", "podIP") as? String, "10.9.0.1")
        XCTAssertEqual(condition("HeadPodReady", s)?["status"] as? String, "True")
        XCTAssertEqual(condition("RayClusterProvisioned", s)?["status"] as? String, "True")
        XCTAssertNotNil(s["observedGeneration"])

        // A worker that stops being ready is counted at once; ready stays ready (KubeRay's rule).
        try markRunning("stat-small-worker-1", namespace: namespace, ready: false)
        try Kubectl.waitUntil(timeout: Self.convergeTimeout, "readyWorkerReplicas 1") {
            s = try status()
            return s["readyWorkerReplicas"] as? Int == 1
        }
        XCTAssertEqual(s["state"] as? String, "ready")
    }

    func testAnIdleConvergedClusterCausesNoWrites() throws {
        let (_, controller) = try fixtures()
        let namespace = try makeNamespace()
        // In-tree autoscaling and a multi-host group: its ServiceAccount, Role, RoleBinding and
        // headless Service must cost no writes either once they exist.
        try create(smallCluster("idle", replicas: 1, numOfHosts: 2, extra: "  enableInTreeAutoscaling: true"), namespace: namespace)
        try waitForPods("idle", namespace: namespace, workers("idle", [0, 1]).union(["idle-headgroup-head-0"]))
        try markRunning("idle-headgroup-head-0", namespace: namespace)
        try markRunning("idle-small-worker-0", namespace: namespace)
        try markRunning("idle-small-worker-1", namespace: namespace)
        _ = try waitForService("idle-headless", namespace: namespace)
        _ = try waitForObject("rolebinding", "idle", namespace: namespace)
        try Kubectl.waitUntil(timeout: Self.convergeTimeout, "state ready") {
            (try cluster("idle", namespace: namespace)["status"] as? [String: Any])?["state"] as? String == "ready"
        }
        // Let the writes caused by the last pod change settle, then watch a quiet window in which
        // the periodic requeue (every 5 s here) passes over the cluster several times.
        var settled = try controller.writes()
        try Kubectl.waitUntil(timeout: 30, "writes to settle") {
            usleep(2_000_000)
            let now = try controller.writes()
            defer { settled = now }
            return now == settled
        }
        let passesBefore = try controller.sum("controller_runtime_reconcile_total")
        let window: useconds_t = 20_000_000
        usleep(window)
        XCTAssertEqual(try controller.writes(), settled, "a converged cluster is written to: \((try? controller.metrics())?.split(separator: "\n").filter { $0.hasPrefix("ray_operator_api_calls_total") }.joined(separator: "\n") ?? "")")
        XCTAssertGreaterThan(try controller.sum("controller_runtime_reconcile_total"), passesBefore, "no pass ran in the window")
    }

    // MARK: - Clean-up and rights

    func testDeletingTheClusterRemovesWhatItOwned() throws {
        _ = try fixtures()
        let namespace = try makeNamespace()
        try create(smallCluster("gone", replicas: 1), namespace: namespace)
        try waitForPods("gone", namespace: namespace, workers("gone", [0]).union(["gone-headgroup-head-0"]))
        _ = try waitForService("gone-head", namespace: namespace)
        let deleted = try kubectl.run(["delete", "rayclusters.v1.ray.io", "gone", "-n", namespace, "--wait=false"])
        XCTAssertTrue(deleted.succeeded, deleted.stderr)
        try waitForPods("gone", namespace: namespace, [])
        try Kubectl.waitUntil(timeout: Self.convergeTimeout, "the head Service gone") {
            !(try kubectl.run(["get", "service", "gone-head", "-n", namespace]).succeeded)
        }
    }

    /// Every call the controller made (its own ledger) is allowed by config/rbac.
    func testRBACCoversEveryCallTheControllerMade() throws {
        let (_, controller) = try fixtures()
        // Make sure the calls of a whole life cycle happened at least once.
        let namespace = try makeNamespace()
        try create(smallCluster("rbac", replicas: 1), namespace: namespace)
        try waitForPods("rbac", namespace: namespace, workers("rbac", [0]).union(["rbac-headgroup-head-0"]))
        try patch("rayclusters.v1.ray.io", "rbac", namespace: namespace, #"{"spec":{"suspend":true}}"#)
        try waitForPods("rbac", namespace: namespace, [])
        // The autoscaler's objects and the headless Service: created, then (numOfHosts back to 1)
        // the Service deleted.
        try create(smallCluster("rbac-as", replicas: 1, numOfHosts: 2, extra: "  enableInTreeAutoscaling: true"), namespace: namespace)
        let role = try waitForObject("role", "rbac-as", namespace: namespace)
        _ = try waitForObject("rolebinding", "rbac-as", namespace: namespace)
        _ = try waitForService("rbac-as-headless", namespace: namespace)
        try patch("rayclusters.v1.ray.io", "rbac-as", namespace: namespace, type: "json",
                  #"[{"op":"replace","path":"/spec/workerGroupSpecs/0/numOfHosts","value":1}]"#)
        try Kubectl.waitUntil(timeout: Self.convergeTimeout, "the headless Service deleted") {
            !(try kubectl.run(["get", "service", "rbac-as-headless", "-n", namespace]).succeeded)
        }

        let rules = try RBACRules.load(kubectl: kubectl)
        // Kubernetes lets the controller grant only what it holds itself.
        for rule in role["rules"] as? [[String: Any]] ?? [] {
            for group in rule["apiGroups"] as? [String] ?? [] {
                for resource in rule["resources"] as? [String] ?? [] {
                    for verb in rule["verbs"] as? [String] ?? [] {
                        XCTAssertTrue(rules.allows(verb: verb, group: group, resource: resource),
                                      "the autoscaler's Role grants \(verb) on \(resource), which config/rbac does not give the controller")
                    }
                }
            }
        }
        var calls: [(verb: String, group: String, resource: String)] = []
        for line in try controller.metrics().split(separator: "\n") where line.hasPrefix("ray_operator_api_calls_total{") {
            func label(_ key: String) -> String? {
                guard let start = line.range(of: "\(key)=\"") else { return nil }
                let rest = line[start.upperBound...]
                return rest.firstIndex(of: "\"").map { String(rest[..<$0]) }
            }
            if let verb = label("verb"), let group = label("group"), let resource = label("resource") {
                calls.append((verb, group, resource))
            }
        }
        XCTAssertFalse(calls.isEmpty, "the controller's ledger is empty")
        for verb in ["create", "patch", "list", "watch", "delete"] {
            XCTAssertTrue(calls.contains { $0.verb == verb }, "no \(verb) call was seen; the check would prove little")
        }
        for resource in ["serviceaccounts", "roles", "rolebindings"] {
            XCTAssertTrue(calls.contains { $0.verb == "create" && $0.resource == resource }, "no create of \(resource) was seen")
        }
        XCTAssertTrue(calls.contains { $0.verb == "delete" && $0.resource == "services" }, "no Service delete was seen")
        for call in calls {
            XCTAssertTrue(rules.allows(verb: call.verb, group: call.group, resource: call.resource),
                          "config/rbac does not allow \(call.verb) on \(call.group.isEmpty ? "core" : call.group)/\(call.resource)")
        }
    }
}

/// The rules of config/rbac's ClusterRole and Role, as `kubectl kustomize` renders them.
struct RBACRules {
    struct Rule { var groups: [String]; var resources: [String]; var verbs: [String] }
    var rules: [Rule]

    static func load(kubectl: Kubectl) throws -> RBACRules {
        let rendered = try ProcessRunner.run("kubectl", ["kustomize", Paths.file("config/rbac").path])
        guard rendered.succeeded else { throw E2EError("kubectl kustomize config/rbac: \(rendered.stderr)") }
        let converted = try ProcessRunner.run("python3", ["-c", """
            import sys, yaml, json
            print(json.dumps([d for d in yaml.safe_load_all(sys.stdin) if d and d.get("kind") in ("ClusterRole", "Role")]))
            """], stdin: rendered.stdout)
        guard converted.succeeded else { throw E2EError("reading the RBAC YAML: \(converted.stderr)") }
        let documents = try JSON.parse(converted.stdout) as? [[String: Any]] ?? []
        var rules: [Rule] = []
        for document in documents {
            for rule in document["rules"] as? [[String: Any]] ?? [] {
                rules.append(Rule(groups: rule["apiGroups"] as? [String] ?? [], resources: rule["resources"] as? [String] ?? [],
                                  verbs: rule["verbs"] as? [String] ?? []))
            }
        }
        guard !rules.isEmpty else { throw E2EError("config/rbac has no rules") }
        return RBACRules(rules: rules)
    }

    func allows(verb: String, group: String, resource: String) -> Bool {
        rules.contains { $0.groups.contains(group) && $0.resources.contains(resource) && $0.verbs.contains(verb) }
    }
}
