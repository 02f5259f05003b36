import DesiredState
import JSON
import RayAPI
import XCTest

final class ClusterNamesTests: XCTestCase {
    /// The original operator's three samples, stored as v1 through the conversion, give the names
    /// its README shows.
    func testOriginalSamplesKeepTheOriginalOperatorsNames() throws {
        let expected: [(file: String, head: String, workers: [String])] = [
            ("ray_v1_raycluster.mini.yaml", "raycluster-sample-head-group-head-0", ["raycluster-sample-small-group-worker-0"]),
            ("ray_v1_raycluster.heterogeneous.yaml", "raycluster-sample-head-group-head-0",
             ["raycluster-sample-small-group-worker-0", "raycluster-sample-medium-group-worker-0"]),
            ("ray_v1_raycluster.complete.yaml", "raycluster-sample-headgroup-head-0",
             ["raycluster-sample-small-group-worker-0", "raycluster-sample-medium-group-worker-0"]),
        ]
        for sample in expected {
            let cluster = try Fixtures.storedSample(sample.file)
            XCTAssertEqual(ClusterOrigin(cluster: cluster), .v1alpha1, sample.file)
            let names = try ClusterNames(cluster: cluster)
            XCTAssertEqual(names.headPodName, sample.head, sample.file)
            XCTAssertEqual(names.headServiceName, "raycluster-sample-head", sample.file)
            let plan = ReconcilePlan.make(cluster: cluster, pods: [], services: [])
            XCTAssertNil(plan.error, sample.file)
            XCTAssertEqual(plan.createdPodNames, [sample.head] + sample.workers, sample.file)
            XCTAssertEqual(plan.actions.first?.objectName, "raycluster-sample-head", sample.file)
        }
    }

    /// v1 samples: head group `headgroup`, Service `<cluster>-head` unless headService names one.
    func testV1SamplesUseHeadgroupAndClusterHead() throws {
        let expected: [(file: String, head: String, service: String, firstWorker: String?)] = [
            ("ray-cluster.sample.yaml", "raycluster-kuberay-headgroup-head-0", "raycluster-kuberay-head", "raycluster-kuberay-small-group-worker-0"),
            ("ray-cluster.complete.yaml", "raycluster-complete-headgroup-head-0", "raycluster-complete-head", "raycluster-complete-small-group-worker-0"),
            ("ray-cluster.custom-head-service.yaml", "custom-head-svc-headgroup-head-0", "custom-ray-head", nil),
            ("ray-cluster.autoscaler.yaml", "raycluster-autoscaler-headgroup-head-0", "raycluster-autoscaler-head", nil),
        ]
        for sample in expected {
            let cluster = try Fixtures.storedSample(sample.file)
            XCTAssertEqual(ClusterOrigin(cluster: cluster), .v1, sample.file)
            let names = try ClusterNames(cluster: cluster)
            XCTAssertEqual(names.headGroupName, "headgroup", sample.file)
            XCTAssertEqual(names.headPodName, sample.head, sample.file)
            XCTAssertEqual(names.headServiceName, sample.service, sample.file)
            let plan = ReconcilePlan.make(cluster: cluster, pods: [], services: [])
            XCTAssertNil(plan.error, sample.file)
            XCTAssertEqual(plan.createdPodNames.first, sample.head, sample.file)
            if let worker = sample.firstWorker { XCTAssertTrue(plan.createdPodNames.contains(worker), sample.file) }
        }
    }

    /// Every v1 sample plans without error, and every pod and Service it creates is named as the
    /// names say and owned by the cluster.
    func testEverySamplePlansCleanly() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: Fixtures.samplesDirectory.path)
            .filter { $0.hasSuffix(".yaml") && $0 != "kustomization.yaml" }.sorted()
        XCTAssertGreaterThanOrEqual(files.count, 9)
        for file in files {
            let cluster = try Fixtures.storedSample(file)
            let plan = ReconcilePlan.make(cluster: cluster, pods: [], services: [])
            XCTAssertEqual(plan.phase, .active, file)
            XCTAssertNil(plan.error, file)
            XCTAssertFalse(plan.createdPodNames.isEmpty, file)
            for action in plan.actions {
                switch action {
                case .createPod(let creation):
                    XCTAssertEqual(creation.object["metadata"]?["name"]?.stringValue, creation.name, file)
                    XCTAssertEqual(creation.object["metadata"]?["ownerReferences"]?[0]?["uid"]?.stringValue, Fixtures.uid, file)
                case .createService(let name, let object):
                    XCTAssertEqual(object["metadata"]?["name"]?.stringValue, name, file)
                case .createAutoscalerObject(let creation):
                    XCTAssertEqual(creation.object["metadata"]?["name"]?.stringValue, creation.name, file)
                    XCTAssertEqual(creation.object["metadata"]?["ownerReferences"]?[0]?["uid"]?.stringValue, Fixtures.uid, file)
                default:
                    XCTFail("\(file): unexpected \(action)")
                }
            }
        }
    }

    func testWorkerNamesAndIndexParsing() throws {
        let names = try ClusterNames(cluster: Fixtures.cluster())
        XCTAssertEqual(names.workerPodName(group: "workers", index: 12), "demo-workers-worker-12")
        XCTAssertEqual(names.workerPodName(group: "GPU-Group", index: 0), "demo-gpu-group-worker-0", "pod names are lower case")
        XCTAssertEqual(names.workerPodIndex("demo-workers-worker-12", group: "workers"), 12)
        XCTAssertEqual(names.workerPodIndex("demo-gpu-group-worker-3", group: "GPU-Group"), 3)
        XCTAssertNil(names.workerPodIndex("demo-workers-worker-012", group: "workers"))
        XCTAssertNil(names.workerPodIndex("demo-workers-worker-x7", group: "workers"))
        XCTAssertNil(names.workerPodIndex("demo-workers-worker-abcde", group: "workers"), "KubeRay's random suffixes carry no index")
        XCTAssertEqual(names.headServiceFQDN(clusterDomain: "cluster.local"), "demo-head.default.svc.cluster.local")
    }

    func testAClusterWithoutANameIsAClearError() {
        var cluster = Fixtures.cluster()
        cluster["metadata"]?["name"] = nil
        XCTAssertThrowsError(try ClusterNames(cluster: cluster)) { error in
            XCTAssertEqual((error as? DesiredStateError)?.message, "the RayCluster has no metadata.name")
        }
        let plan = ReconcilePlan.make(cluster: cluster, pods: [], services: [])
        XCTAssertEqual(plan.phase, .invalid)
        XCTAssertTrue(plan.actions.isEmpty)
    }
}
