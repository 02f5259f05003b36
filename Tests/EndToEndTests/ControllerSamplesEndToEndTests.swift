import Foundation
import XCTest

/// Every RayCluster sample of config/samples (KubeRay's kinds: autoscaling, auth, GCS fault
/// tolerance, custom head Service, multi-host TPU, the complete one), created through the webhook,
/// brought to its declared pods by the controller: one head, each group's clamped replicas ×
/// numOfHosts workers, a head Service, the autoscaler's Role where autoscaling is on, every child
/// owned by its cluster alone. The expected counts are computed from the stored (defaulted) object,
/// not written down, so a new sample is covered as soon as it is added.
final class ControllerSamplesEndToEndTests: XCTestCase {
    func testEverySampleConvergesToItsDeclaredPods() throws {
        let kubeconfig = try Prerequisite.requireKubeconfig()
        let webhook = try LocalWebhook(kubeconfig: kubeconfig)
        defer { webhook.stop() }
        try webhook.install()
        let kubectl = webhook.kubectl
        let controller = try LocalController(kubeconfig: kubeconfig, name: "samples", arguments: ["--namespace", webhook.namespace])
        defer { controller.stop() }
        try controller.waitReady()

        let folder = Paths.file("config/samples")
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.path)
            .filter { $0.hasPrefix("ray-cluster.") && $0.hasSuffix(".yaml") }.sorted()
        XCTAssertGreaterThanOrEqual(files.count, 5, "samples found: \(files)")
        var clusters: [(file: String, name: String, uid: String, workers: Int, autoscaling: Bool)] = []
        for file in files {
            // A sample may carry Secrets or ConfigMaps beside its RayCluster; all are created.
            let created = try kubectl.runRetrying(["create", "-n", webhook.namespace, "-f", folder.appendingPathComponent(file).path, "-o", "json"])
            XCTAssertTrue(created.succeeded, "\(file): \(created.stderr)")
            let output = try JSON.parse(created.stdout) as? [String: Any] ?? [:]
            let objects = (output["items"] as? [[String: Any]]) ?? [output]
            for object in objects where object["kind"] as? String == "RayCluster" {
                let name = try XCTUnwrap(JSON.at(object, "metadata", "name") as? String)
                let uid = try XCTUnwrap(JSON.at(object, "metadata", "uid") as? String)
                var workers = 0
                for group in JSON.at(object, "spec", "workerGroupSpecs") as? [[String: Any]] ?? [] {
                    if group["suspend"] as? Bool == true { continue }
                    let minimum = group["minReplicas"] as? Int ?? 0
                    let maximum = group["maxReplicas"] as? Int ?? Int(Int32.max)
                    let replicas = min(max(group["replicas"] as? Int ?? minimum, minimum), maximum)
                    workers += replicas * max(group["numOfHosts"] as? Int ?? 1, 1)
                }
                let autoscaling = JSON.at(object, "spec", "enableInTreeAutoscaling") as? Bool == true
                clusters.append((file, name, uid, workers, autoscaling))
            }
        }
        XCTAssertEqual(clusters.count, files.count, "one RayCluster per sample file")

        for cluster in clusters {
            let what = "\(cluster.file) (\(cluster.name))"
            var seen = 0
            do {
                try Kubectl.waitUntil(timeout: 90, "\(what): 1 head and \(cluster.workers) workers") {
                    let pods = try kubectl.getJSON(["pods", "-n", webhook.namespace, "-l", "ray.io/cluster=\(cluster.name)"])
                    let items = pods["items"] as? [[String: Any]] ?? []
                    seen = items.count
                    let heads = items.filter { JSON.at($0, "metadata", "labels", "ray.io/node-type") as? String == "head" }.count
                    return heads == 1 && items.count == 1 + cluster.workers
                }
            } catch {
                throw E2EError("\(error); saw \(seen) pods; controller log: \(controller.log.suffix(3000))")
            }
            let pods = try kubectl.getJSON(["pods", "-n", webhook.namespace, "-l", "ray.io/cluster=\(cluster.name)"])
            for pod in pods["items"] as? [[String: Any]] ?? [] {
                let owners = (JSON.at(pod, "metadata", "ownerReferences") as? [[String: Any]] ?? [])
                    .filter { $0["controller"] as? Bool == true }.compactMap { $0["uid"] as? String }
                XCTAssertEqual(owners, [cluster.uid], "\(what): \(JSON.at(pod, "metadata", "name") ?? "?") has one controller owner")
            }
            let services = try kubectl.getJSON(["services", "-n", webhook.namespace, "-l", "ray.io/cluster=\(cluster.name)"])
            let heads = (services["items"] as? [[String: Any]] ?? [])
                .filter { JSON.at($0, "metadata", "labels", "ray.io/node-type") as? String == "head" }
            XCTAssertEqual(heads.count, 1, "\(what): one head Service")
            if cluster.autoscaling {
                XCTAssertTrue(try kubectl.run(["get", "role", cluster.name, "-n", webhook.namespace]).succeeded,
                              "\(what): the autoscaler's Role")
            }
        }
    }
}
