import DesiredState
import Foundation
import JSON
import RayAPI
import XCTest

/// What the builders produce is accepted by a real API server (RAY_E2E_KUBECONFIG; skipped when
/// unset): every pod and Service planned for every sample passes a server-side dry run, and a status
/// computed for a cluster whose pods are ready is accepted by the CRD's status schema.
final class APIServerAcceptanceTests: XCTestCase {
    private var kubeconfig = ""
    private var namespace = ""

    override func setUpWithError() throws {
        guard let path = ProcessInfo.processInfo.environment["RAY_E2E_KUBECONFIG"], !path.isEmpty else {
            throw XCTSkip("RAY_E2E_KUBECONFIG is not set")
        }
        kubeconfig = path
        namespace = "desired-state-\(UInt32.random(in: 0...UInt32.max))"
        try kubectl(["create", "namespace", namespace])
    }

    override func tearDownWithError() throws {
        guard !namespace.isEmpty else { return }
        _ = try? kubectl(["delete", "namespace", namespace, "--wait=false"])
    }

    func testEverySamplesObjectsPassAServerSideDryRun() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: Fixtures.samplesDirectory.path)
            .filter { $0.hasSuffix(".yaml") && $0 != "kustomization.yaml" }.sorted()
        var checked = 0
        for file in files {
            let cluster = try Fixtures.storedSample(file, namespace: namespace)
            let plan = ReconcilePlan.make(cluster: cluster, pods: [], services: [])
            for action in plan.actions {
                let object: JSONValue
                switch action {
                case .createPod(let creation): object = creation.object
                case .createService(_, let service): object = service
                case .createAutoscalerObject(let creation): object = creation.object
                default: continue
                }
                try kubectl(["create", "--dry-run=server", "-n", namespace, "-o", "name", "-f", "-"], stdin: object.jsonString,
                            what: "\(file): \(action.objectName)")
                checked += 1
            }
        }
        XCTAssertGreaterThanOrEqual(checked, 30)
    }

    func testCreatedObjectsAndAReadyStatusAreAccepted() throws {
        let crd = Fixtures.samplesDirectory.deletingLastPathComponent().appendingPathComponent("crd/bases/ray.io_rayclusters.yaml").path
        try kubectl(["apply", "-f", crd])
        // Poll (bounded) until the CRD is served; `kubectl wait` fails while it has no conditions yet.
        let deadline = Date().addingTimeInterval(60)
        while true {
            let established = try? kubectl(["get", "crd", "rayclusters.ray.io", "-o", #"jsonpath={.status.conditions[?(@.type=="Established")].status}"#])
            if established == "True" { break }
            guard Date() < deadline else { return XCTFail("the RayCluster CRD was not established within 60 s") }
            usleep(200_000)
        }
        let sample = Fixtures.samplesDirectory.appendingPathComponent("ray-cluster.sample.yaml").path
        try kubectl(["create", "-n", namespace, "-f", sample])
        var cluster = try getJSON(["raycluster", "raycluster-kuberay"])

        // Create what the plan asks, then play kubelet: every pod Running and Ready.
        let plan = ReconcilePlan.make(cluster: cluster, pods: [], services: [])
        XCTAssertNil(plan.error)
        for action in plan.actions {
            switch action {
            case .createPod(let creation): try kubectl(["create", "-n", namespace, "-f", "-"], stdin: creation.object.jsonString)
            case .createService(_, let service): try kubectl(["create", "-n", namespace, "-f", "-"], stdin: service.jsonString)
            default: XCTFail("unexpected \(action)")
            }
        }
        let selector = "ray.io/cluster=raycluster-kuberay"
        var pods = try getJSON(["pods", "-l", selector])["items"]?.arrayValue ?? []
        XCTAssertEqual(pods.count, 2)
        for (i, pod) in pods.enumerated() {
            let name = pod["metadata"]?["name"]?.stringValue ?? ""
            let status = #"{"status":{"phase":"Running","podIP":"10.1.0.\#(i + 1)","conditions":[{"type":"Ready","status":"True"}]}}"#
            try kubectl(["patch", "pod", name, "-n", namespace, "--subresource=status", "--type=merge", "-p", status])
        }
        pods = try getJSON(["pods", "-l", selector])["items"]?.arrayValue ?? []
        let services = try getJSON(["services", "-l", selector])["items"]?.arrayValue ?? []
        XCTAssertEqual(services.count, 1)

        // Converged: nothing more to do.
        XCTAssertEqual(ReconcilePlan.make(cluster: cluster, pods: pods, services: services).actions, [])

        let status = ClusterStatus.compute(cluster: cluster, pods: pods, headService: services.first, reconcileError: nil,
                                           now: "2025-01-01T00:00:00Z")
        XCTAssertTrue(ClusterStatus.needsWrite(old: cluster["status"], new: status))
        cluster["status"] = status
        try kubectl(["replace", "-n", namespace, "--subresource=status", "-f", "-"], stdin: cluster.jsonString)
        let stored = try getJSON(["raycluster", "raycluster-kuberay"])
        XCTAssertEqual(stored["status"]?["state"], "ready")
        XCTAssertEqual(stored["status"]?["head"]?["podIP"], "10.1.0.1")
        XCTAssertEqual(stored["status"]?["desiredCPU"], "2")
        // What the server stored computes to the same status: an idle cluster is not written again.
        let again = ClusterStatus.compute(cluster: stored, pods: pods, headService: services.first, reconcileError: nil,
                                          now: "2025-01-01T00:05:00Z")
        XCTAssertFalse(ClusterStatus.needsWrite(old: stored["status"], new: again))

        // Every other condition the status writes is accepted too: a failure, a suspend request,
        // then Suspended with no pod left.
        var suspending = stored
        suspending["spec"]?["suspend"] = true
        let failure = ReconcileError(replicaFailureReason: RayClusterConditionReason.failedCreateWorkerPod, message: "quota")
        suspending["status"] = ClusterStatus.compute(cluster: suspending, pods: pods, headService: services.first,
                                                     reconcileError: failure, now: "2025-01-01T00:06:00Z")
        try kubectl(["replace", "-n", namespace, "--subresource=status", "-f", "-"], stdin: suspending.jsonString)
        var suspended = try getJSON(["raycluster", "raycluster-kuberay"])
        suspended["spec"]?["suspend"] = true
        suspended["status"] = ClusterStatus.compute(cluster: suspended, pods: [], headService: services.first,
                                                    reconcileError: nil, now: "2025-01-01T00:07:00Z")
        try kubectl(["replace", "-n", namespace, "--subresource=status", "-f", "-"], stdin: suspended.jsonString)
        let final = try getJSON(["raycluster", "raycluster-kuberay"])
        XCTAssertEqual(final["status"]?["state"], "suspended")
        let types = final["status"]?["conditions"]?.arrayValue?.compactMap { $0["type"]?.stringValue } ?? []
        XCTAssertEqual(Set(types), ["HeadPodReady", "RayClusterProvisioned", "RayClusterSuspending", "RayClusterSuspended"])
    }

    // MARK: kubectl

    @discardableResult
    private func kubectl(_ arguments: [String], stdin: String? = nil, what: String? = nil) throws -> String {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("desired-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        let outURL = scratch.appendingPathComponent("out"), errURL = scratch.appendingPathComponent("err")
        _ = FileManager.default.createFile(atPath: outURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/kubectl")
        process.arguments = arguments
        var environment = ProcessInfo.processInfo.environment
        environment["KUBECONFIG"] = kubeconfig
        process.environment = environment
        process.standardOutput = try FileHandle(forWritingTo: outURL)
        process.standardError = try FileHandle(forWritingTo: errURL)
        if let stdin {
            let inURL = scratch.appendingPathComponent("in")
            try Data(stdin.utf8).write(to: inURL)
            process.standardInput = try FileHandle(forReadingFrom: inURL)
        }
        try process.run()
        process.waitUntilExit()
        let out = String(decoding: (try? Data(contentsOf: outURL)) ?? Data(), as: UTF8.self)
        let err = String(decoding: (try? Data(contentsOf: errURL)) ?? Data(), as: UTF8.self)
        guard process.terminationStatus == 0 else {
            throw DesiredStateError("kubectl \(arguments.joined(separator: " ")) failed\(what.map { " (\($0))" } ?? ""): \(err)")
        }
        return out
    }

    private func getJSON(_ arguments: [String]) throws -> JSONValue {
        try JSONValue.parse(kubectl(["get", "-n", namespace] + arguments + ["-o", "json"]))
    }
}
