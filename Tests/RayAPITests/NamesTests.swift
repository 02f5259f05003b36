import XCTest
@testable import JSON
@testable import RayAPI

/// The names both the webhook/conversion and the reconciler rely on.
final class NamesTests: XCTestCase {
    func testSeedREADMENames() {
        // The original operator's README: mini sample.
        XCTAssertEqual(RayNaming.podName(cluster: "raycluster-sample", group: "head-group", type: .head, index: 0),
                       "raycluster-sample-head-group-head-0")
        XCTAssertEqual(RayNaming.podName(cluster: "raycluster-sample", group: "small-group", type: .worker, index: 0),
                       "raycluster-sample-small-group-worker-0")
        XCTAssertEqual(RayNaming.headServiceName(cluster: "raycluster-sample"), "raycluster-sample-head")
        // complete sample: head group "headgroup".
        XCTAssertEqual(RayNaming.podName(cluster: "raycluster-sample", group: RayNaming.defaultHeadGroupName, type: .head, index: 0),
                       "raycluster-sample-headgroup-head-0")
        XCTAssertEqual(RayNaming.podName(cluster: "c", group: "", type: .worker, index: 12), "c--worker-12")
    }

    func testSeedHeadServiceDerivation() {
        XCTAssertEqual(RayNaming.seedHeadServiceName(headPodName: "raycluster-sample-head-group-head-0"), "raycluster-sample-head")
        XCTAssertEqual(RayNaming.seedHeadServiceName(headPodName: "raycluster-sample-headgroup-head-0"), "raycluster-sample-head")
        XCTAssertEqual(RayNaming.seedHeadServiceName(headPodName: "raycluster-sample-head"), "raycluster-sample-head")
        XCTAssertEqual(RayNaming.seedHeadServiceName(headPodName: "raycluster-sample-small-head-0"), "raycluster-sample-small-head")
        XCTAssertEqual(RayNaming.seedHeadServiceName(headPodName: "ahead-x-head-0"), "ahead")
        XCTAssertEqual(RayNaming.seedHeadServiceName(headPodName: "no-match-worker-0"), "no-match-worker-0")
        XCTAssertEqual(RayNaming.seedHeadServiceName(headPodName: ""), "")
    }

    func testPodIndexAndLowestFreeIndex() {
        XCTAssertEqual(RayNaming.podIndex(of: "c-g-worker-7", cluster: "c", group: "g", type: .worker), 7)
        XCTAssertEqual(RayNaming.podIndex(of: "c-g-worker-10", cluster: "c", group: "g", type: .worker), 10)
        XCTAssertNil(RayNaming.podIndex(of: "c-g-worker-07", cluster: "c", group: "g", type: .worker))
        XCTAssertNil(RayNaming.podIndex(of: "c-g-worker-", cluster: "c", group: "g", type: .worker))
        XCTAssertNil(RayNaming.podIndex(of: "c-g-worker-1x", cluster: "c", group: "g", type: .worker))
        XCTAssertNil(RayNaming.podIndex(of: "c-g-head-1", cluster: "c", group: "g", type: .worker))
        XCTAssertNil(RayNaming.podIndex(of: "c-g-worker-99999999999999999999", cluster: "c", group: "g", type: .worker))
        XCTAssertNil(RayNaming.podIndex(of: "c-g-worker--1", cluster: "c", group: "g", type: .worker))

        let existing = ["c-g-worker-0", "c-g-worker-1", "c-g-worker-3", "c-other-worker-2", "c-g-head-2"]
        XCTAssertEqual(RayNaming.lowestFreeIndex(existing: existing, cluster: "c", group: "g", type: .worker), 2)
        XCTAssertEqual(RayNaming.lowestFreeIndex(existing: [], cluster: "c", group: "g", type: .worker), 0)
        XCTAssertEqual(RayNaming.lowestFreeIndex(existing: existing, cluster: "c", group: "g", type: .head), 0)
        XCTAssertEqual(RayNaming.lowestFreeIndex(existing: ["c-g-head-0"], cluster: "c", group: "g", type: .head), 1)
    }

    func testKubeRayNames() {
        XCTAssertEqual(RayNaming.kuberayHeadServiceName(cluster: "rc"), "rc-head-svc")
        XCTAssertEqual(RayNaming.headlessServiceName(cluster: "rc"), "rc-headless")
        XCTAssertEqual(RayNaming.serveServiceName(cluster: "rc"), "rc-serve-svc")
        XCTAssertEqual(RayNaming.gcsPVCName(cluster: "rc"), "rc-gcs-pvc")
        XCTAssertEqual(RayNaming.identifierLabel(cluster: "rc", type: .head), "rc-head")
        XCTAssertEqual(RayNaming.identifierLabel(cluster: "rc", type: .worker), "rc-worker")
        // The longest allowed cluster name still yields a valid Serve Service name.
        let longest = String(repeating: "a", count: NameLimits.rayClusterName)
        XCTAssertEqual(NameValidation.isDNS1035Label(RayNaming.serveServiceName(cluster: longest)), [])
        XCTAssertFalse(NameValidation.isDNS1035Label(RayNaming.serveServiceName(cluster: longest + "a")).isEmpty)
    }

    func testCheckNameAndCheckLabel() {
        XCTAssertEqual(RayNaming.checkName("short"), "short")
        XCTAssertEqual(RayNaming.checkName("1abc"), "rabc")
        XCTAssertEqual(RayNaming.checkName("-abc"), "rabc")
        XCTAssertEqual(RayNaming.checkName("+abc"), "+abc", "'+' is a symbol, not punctuation, in Go's unicode tables")
        XCTAssertEqual(RayNaming.checkName(""), "")
        let long = String(repeating: "x", count: 10) + String(repeating: "y", count: 50)
        XCTAssertEqual(RayNaming.checkName(long), String(repeating: "y", count: 50))
        XCTAssertEqual(RayNaming.checkName("12345" + String(repeating: "z", count: 45) + "9"), "r345" + String(repeating: "z", count: 45) + "9",
                       "keeps the last 50 bytes, then fixes the first")
        XCTAssertEqual(RayNaming.checkLabel("1abc"), "1abc", "CheckLabel keeps a leading digit")
        XCTAssertEqual(RayNaming.checkLabel(".abc"), "rabc")
        let longLabel = "-" + String(repeating: "q", count: 62) + "-end"
        XCTAssertEqual(RayNaming.checkLabel(longLabel).utf8.count, 63)
        XCTAssertEqual(RayNaming.checkLabel(longLabel), String(repeating: "q", count: 59) + "-end")
    }

    func testConstants() {
        XCTAssertEqual(RayAPIGroup.v1, RayAPIGroup.group + "/" + RayAPIGroup.versionV1)
        XCTAssertEqual(RayAPIGroup.v1alpha1, RayAPIGroup.group + "/" + RayAPIGroup.versionV1Alpha1)
        XCTAssertEqual(RayAPIGroup.crdName, RayAPIGroup.plural + "." + RayAPIGroup.group)
        XCTAssertEqual(RayNodeType.redisCleanup.rawValue, "redis-cleanup")
        // Every label key we define is a valid qualified name; every fixed value a valid label value.
        let keys = [RayLabel.cluster, RayLabel.nodeType, RayLabel.group, RayLabel.identifier, RayLabel.isRayNode,
                    RayLabel.appName, RayLabel.createdBy, RayLabel.workerGroupReplicaIndex, RayLabel.workerGroupReplicaName,
                    RayLabel.replicaHostIndex, RayLabel.serve, RayLabel.originatedFromCRName, RayLabel.originatedFromCRD,
                    RayLabel.headlessWorkerService, SeedLabel.component, SeedLabel.componentName, SeedLabel.instanceName,
                    SeedLabel.podType, SeedLabel.groupName, RayAnnotation.conversionData, RayAnnotation.ftEnabled,
                    RayAnnotation.externalStorageNamespace, RayAnnotation.overwriteContainerCmd, RayAnnotation.enableServeService,
                    RayAnnotation.disableProvisionedHeadRestart, RayAnnotation.gcsFTDeletionTimeout,
                    RayAnnotation.upgradeStrategyRecreateHash, RayAnnotation.kuberayVersion, RayFinalizer.gcsFTRedisCleanup]
        for key in keys { XCTAssertEqual(NameValidation.isQualifiedName(key), [], key) }
        XCTAssertEqual(Set(keys).count, keys.count, "no two names collide")
        for value in [RayLabel.isRayNodeValue, RayLabel.appNameValue, RayLabel.createdByValue, SeedLabel.operatorValue] {
            XCTAssertEqual(NameValidation.isValidLabelValue(value), [], value)
        }
        XCTAssertEqual(RayLabel.cluster, "ray.io/cluster")
        XCTAssertEqual(RayAnnotation.conversionData, "ray.io/conversion-data")
        XCTAssertEqual(SeedLabel.instanceName, "raycluster.instance.name")
    }
}

final class RayPodLabelsTests: XCTestCase {
    func testDefaultsForAWorker() {
        let labels = RayPodLabels.defaults(cluster: "raycluster-sample", group: "small-group", type: .worker,
                                           podName: "raycluster-sample-small-group-worker-0")
        let map = Dictionary(labels.map { ($0.key, $0.value) }, uniquingKeysWith: { first, _ in first })
        XCTAssertEqual(map.count, labels.count, "no key twice")
        XCTAssertEqual(map["ray.io/cluster"], "raycluster-sample")
        XCTAssertEqual(map["ray.io/node-type"], "worker")
        XCTAssertEqual(map["ray.io/group"], "small-group")
        XCTAssertEqual(map["ray.io/identifier"], "raycluster-sample-worker")
        XCTAssertEqual(map["ray.io/is-ray-node"], "yes")
        XCTAssertEqual(map["app.kubernetes.io/name"], "kuberay")
        XCTAssertEqual(map["app.kubernetes.io/created-by"], "kuberay-operator")
        XCTAssertEqual(map["raycluster.component"], "raycluster-sample-small-group-worker-0")
        XCTAssertEqual(map["rayclusters.ray.io/component-name"], "ray-operator")
        XCTAssertEqual(map["raycluster.instance.name"], "raycluster-sample")
        XCTAssertEqual(map["raycluster.pod.type"], "worker")
        for (key, value) in labels {
            XCTAssertEqual(NameValidation.isQualifiedName(key), [], key)
            XCTAssertEqual(NameValidation.isValidLabelValue(value), [], value)
        }
        let kuberayOnly = RayPodLabels.defaults(cluster: "c", group: "headgroup", type: .head, seedLabels: false)
        XCTAssertEqual(kuberayOnly.map(\.key), ["ray.io/cluster", "ray.io/node-type", "ray.io/group", "ray.io/identifier",
                                                 "ray.io/is-ray-node", "app.kubernetes.io/name", "app.kubernetes.io/created-by"])
    }

    func testSelectorsMatchTheDefaults() {
        let head = Dictionary(RayPodLabels.defaults(cluster: "rc", group: "headgroup", type: .head).map { ($0.key, $0.value) },
                              uniquingKeysWith: { a, _ in a })
        let worker = Dictionary(RayPodLabels.defaults(cluster: "rc", group: "g", type: .worker).map { ($0.key, $0.value) },
                                uniquingKeysWith: { a, _ in a })
        func matches(_ selector: [String: String], _ labels: [String: String]) -> Bool {
            selector.allSatisfy { labels[$0.key] == $0.value }
        }
        XCTAssertTrue(matches(RayPodLabels.clusterSelector(cluster: "rc"), head))
        XCTAssertTrue(matches(RayPodLabels.clusterSelector(cluster: "rc"), worker))
        XCTAssertFalse(matches(RayPodLabels.clusterSelector(cluster: "other"), worker))
        XCTAssertTrue(matches(RayPodLabels.headServiceSelector(cluster: "rc"), head))
        XCTAssertFalse(matches(RayPodLabels.headServiceSelector(cluster: "rc"), worker))
        XCTAssertTrue(matches(RayPodLabels.nodeTypeSelector(cluster: "rc", type: .worker), worker))
        XCTAssertFalse(matches(RayPodLabels.nodeTypeSelector(cluster: "rc", type: .worker), head))
        XCTAssertTrue(matches(RayPodLabels.groupSelector(cluster: "rc", group: "g"), worker))
        XCTAssertFalse(matches(RayPodLabels.groupSelector(cluster: "rc", group: "g"), head))
        XCTAssertEqual(RayPodLabels.selectorQuery(RayPodLabels.groupSelector(cluster: "rc", group: "g")), "ray.io/cluster=rc,ray.io/group=g")
    }
}
