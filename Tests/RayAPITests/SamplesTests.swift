import Foundation
import XCTest
@testable import JSON
@testable import RayAPI

/// Every sample in config/samples loads through `Manifest.decode` and the typed views, keeps every
/// field through decode → encode, and holds the facts its comments promise.
final class SamplesTests: XCTestCase {
    private static let samplesDirectory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("config/samples")

    private static let seedSamples = ["ray_v1_raycluster.mini.yaml", "ray_v1_raycluster.heterogeneous.yaml",
                                      "ray_v1_raycluster.complete.yaml"]

    private func sampleFiles() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: Self.samplesDirectory.path)
            .filter { $0.hasSuffix(".yaml") && $0 != "kustomization.yaml" }
            .sorted()
    }

    private func load(_ file: String) throws -> [JSONValue] {
        let data = try Data(contentsOf: Self.samplesDirectory.appendingPathComponent(file))
        return try Manifest.decode([UInt8](data), source: file)
    }

    func testThereAreSeedAndV1Samples() throws {
        let files = try sampleFiles()
        for seed in Self.seedSamples { XCTAssertTrue(files.contains(seed), seed) }
        XCTAssertGreaterThanOrEqual(files.count - Self.seedSamples.count, 6, "ray.io/v1 samples")
    }

    func testEverySampleDecodesAndRoundTrips() throws {
        for file in try sampleFiles() {
            let documents = try load(file)
            XCTAssertEqual(documents.count, 1, file)
            for document in documents {
                XCTAssertEqual(document["kind"], "RayCluster", file)
                // JSON: serialize → parse gives the same value and the same bytes (key order kept).
                let bytes = document.serialized()
                let reparsed = try JSONValue.parse(bytes)
                XCTAssertEqual(reparsed, document, file)
                XCTAssertEqual(reparsed.serialized(), bytes, file)
                // YAML: emit → decode gives the same value, in the same key order.
                let yaml = Manifest.yaml(document)
                let again = try Manifest.decode(Array(yaml.utf8), source: file + " (re-emitted)")
                XCTAssertEqual(again, [document], file)
                XCTAssertEqual(again.first?.serialized(), bytes, file)
            }
        }
    }

    func testV1SamplesReadThroughTheViewsAndKeepKubeRayRules() throws {
        let files = try sampleFiles().filter { !Self.seedSamples.contains($0) }
        var names = Set<String>()
        for file in files {
            for document in try load(file) {
                let cluster = RayCluster(document)
                XCTAssertTrue(cluster.isV1, file)
                let name = try XCTUnwrap(cluster.name, file)
                XCTAssertTrue(names.insert(name).inserted, "\(file): cluster names are unique across samples")
                XCTAssertLessThanOrEqual(name.utf8.count, NameLimits.rayClusterName, file)
                XCTAssertEqual(NameValidation.isDNS1035Label(name), [], file)
                let spec = try XCTUnwrap(cluster.spec, file)
                XCTAssertNotNil(spec.rayVersion, file)

                let head = try XCTUnwrap(spec.headGroupSpec, file)
                XCTAssertNotNil(head.rayStartParams, "\(file): head rayStartParams")
                let headContainer = try XCTUnwrap(head.template?.rayContainer, file)
                XCTAssertNotNil(headContainer.image, file)
                try checkGroup(rayStartParams: head.rayStartParams, resources: head.resources, labels: head.labels,
                               template: head.template, in: file)

                var groupNames = Set<String>()
                for group in spec.workerGroupSpecs ?? [] {
                    let groupName = try XCTUnwrap(group.groupName, file)
                    XCTAssertTrue(groupNames.insert(groupName).inserted, "\(file): unique group \(groupName)")
                    XCTAssertEqual(NameValidation.isDNS1123Label(groupName), [], file)
                    let minimum = try XCTUnwrap(group.minReplicas, file)
                    let maximum = try XCTUnwrap(group.maxReplicas, file)
                    XCTAssertLessThanOrEqual(0, minimum, file)
                    XCTAssertLessThanOrEqual(minimum, maximum, file)
                    if let replicas = group.replicas {
                        XCTAssertTrue((minimum...maximum).contains(replicas), file)
                    }
                    XCTAssertNotNil(group.template?.rayContainer?.image, "\(file): \(groupName)")
                    if group.idleTimeoutSeconds != nil {
                        XCTAssertEqual(spec.autoscalerOptions?.version, AutoscalerVersion.v2, "\(file): idleTimeoutSeconds needs v2")
                    }
                    try checkGroup(rayStartParams: group.rayStartParams, resources: group.resources, labels: group.labels,
                                   template: group.template, in: file)
                }
                if spec.autoscalerOptions?.version == AutoscalerVersion.v2 {
                    XCTAssertTrue(spec.isAutoscalingEnabled, file)
                    XCTAssertEqual(head.template?.spec?.restartPolicy, "Never", file)
                }
                if let mode = spec.authOptions?.mode {
                    XCTAssertTrue(AuthMode.all.contains(mode), file)
                }
                XCTAssertNil(spec.networkPolicy, "\(file): gated features stay out of the samples")
                XCTAssertNil(spec.tlsOptions, file)
                XCTAssertNil(spec.historyServerOptions, file)
                XCTAssertNotEqual(spec.gcsFaultToleranceOptions?.backend, GcsFaultToleranceBackend.rocksdb, file)
            }
        }
    }

    /// Checks shared by head and worker groups: KubeRay's resource/labels rules, quantities,
    /// label syntax.
    private func checkGroup(rayStartParams: [String: String]?, resources: [String: String]?, labels: [String: String]?,
                            template: PodTemplateSpec?, in file: String) throws {
        let resourceParams = ["num-cpus", "num-gpus", "memory", "resources"]
        if let resources, !resources.isEmpty {
            XCTAssertFalse(resourceParams.contains { !(rayStartParams?[$0] ?? "").isEmpty },
                           "\(file): resources both in rayStartParams and resources")
        }
        XCTAssertNil(rayStartParams?["labels"], file)
        for (key, value) in labels ?? [:] {
            XCTAssertEqual(NameValidation.isQualifiedName(key), [], file)
            XCTAssertEqual(NameValidation.isValidLabelValue(value), [], file)
        }
        for (_, text) in resources ?? [:] { XCTAssertNoThrow(try Quantity(parsing: text), "\(file): \(text)") }
        for (key, value) in template?.metadata?.labels ?? [:] {
            XCTAssertEqual(NameValidation.isQualifiedName(key), [], file)
            XCTAssertEqual(NameValidation.isValidLabelValue(value), [], file)
        }
        let containers = try XCTUnwrap(template?.spec?.containers, file)
        XCTAssertFalse(containers.isEmpty, file)
        for container in containers {
            for (_, text) in (container.resources?.limits ?? [:]).merging(container.resources?.requests ?? [:], uniquingKeysWith: { a, _ in a }) {
                XCTAssertNoThrow(try Quantity(parsing: text), "\(file): \(text)")
            }
            if let limits = container.resources?.limits, let requests = container.resources?.requests {
                for (resource, request) in requests {
                    guard let limit = limits[resource] else { continue }
                    XCTAssertLessThanOrEqual(try Quantity(parsing: request), try Quantity(parsing: limit), "\(file): \(resource)")
                }
            }
        }
    }

    /// The original operator's samples, as its repository has them.
    func testSeedSamplesAreTheOriginals() throws {
        let expectedGroups: [String: [(group: String, type: String, cpu: String, memory: String, storage: String)]] = [
            "ray_v1_raycluster.mini.yaml": [
                ("small-group", "worker", "1000m", "2Gi", "2Gi"), ("head-group", "head", "2000m", "4Gi", "4Gi"),
            ],
            "ray_v1_raycluster.heterogeneous.yaml": [
                ("small-group", "worker", "1000m", "2Gi", "2Gi"), ("medium-group", "worker", "2000m", "4Gi", "4Gi"),
                ("head-group", "head", "2000m", "4Gi", "4Gi"),
            ],
            "ray_v1_raycluster.complete.yaml": [
                ("small-group", "worker", "1000m", "2Gi", "2Gi"), ("medium-group", "worker", "2000m", "4Gi", "4Gi"),
                ("headgroup", "head", "1000m", "1Gi", "4Gi"),
            ],
        ]
        let expectedPods: [String: [String]] = [
            "ray_v1_raycluster.mini.yaml": ["raycluster-sample-small-group-worker-0", "raycluster-sample-head-group-head-0"],
            "ray_v1_raycluster.heterogeneous.yaml": ["raycluster-sample-small-group-worker-0", "raycluster-sample-medium-group-worker-0",
                                                     "raycluster-sample-head-group-head-0"],
            "ray_v1_raycluster.complete.yaml": ["raycluster-sample-small-group-worker-0", "raycluster-sample-medium-group-worker-0",
                                                "raycluster-sample-headgroup-head-0"],
        ]
        let headCommand = "ray start --head --block --redis-port=6379 --node-ip-address=$MY_POD_IP --object-manager-port=12345 --node-manager-port=12346 --object-store-memory=100000000 --num-cpus=1"
        let workerCommand = "ray start --block --node-ip-address=$MY_POD_IP --address=$CLUSTER_NAME-head:6379 --object-manager-port=12345 --node-manager-port=12346 --object-store-memory=100000000 --num-cpus=1"

        for file in Self.seedSamples {
            let documents = try load(file)
            let document = try XCTUnwrap(documents.first, file)
            XCTAssertEqual(document["apiVersion"], .string(RayAPIGroup.v1alpha1), file)
            XCTAssertEqual(document["metadata"], ["labels": ["controller-tools.k8s.io": "1.0"], "name": "raycluster-sample"], file)
            let spec = try XCTUnwrap(document["spec"], file)
            XCTAssertEqual(spec["clusterName"], "raycluster-sample", file)
            XCTAssertEqual(spec["images"], ["defaultImage": "rayproject/autoscaler"], file)
            XCTAssertEqual(spec["imagePullPolicy"], "Always", file)
            let extensions = try XCTUnwrap(spec["extensions"]?.arrayValue, file)
            let groups = try XCTUnwrap(expectedGroups[file])
            XCTAssertEqual(extensions.count, groups.count, file)
            var pods: [String] = []
            for (extensionValue, expected) in zip(extensions, groups) {
                XCTAssertEqual(extensionValue["replicas"], 1, file)
                XCTAssertEqual(extensionValue["type"], .string(expected.type), file)
                XCTAssertEqual(extensionValue["groupName"], .string(expected.group), file)
                XCTAssertEqual(extensionValue["labels"], ["raycluster.group.name": .string(expected.group)], file)
                XCTAssertEqual(extensionValue["headServiceSuffix"], "ray-operator.svc", file)
                XCTAssertEqual(extensionValue["command"], .string(expected.type == "head" ? headCommand : workerCommand), file)
                let amounts: JSONValue = ["cpu": .string(expected.cpu), "memory": .string(expected.memory),
                                          "ephemeral-storage": .string(expected.storage)]
                XCTAssertEqual(extensionValue["resources"], ["limits": amounts, "requests": amounts], file)
                let type = try XCTUnwrap(RayNodeType(rawValue: expected.type))
                pods.append(RayNaming.podName(cluster: "raycluster-sample", group: expected.group, type: type, index: 0))
                if file != "ray_v1_raycluster.mini.yaml" {
                    let env = try XCTUnwrap(extensionValue["containerEnv"]?.arrayValue, file)
                    XCTAssertEqual(env.map { $0["name"] },
                                   file.contains("heterogeneous") ? ["CLUSTER_NAME", "MY_POD_NAME", "MY_POD_IP"] : ["APPNAME", "MY_POD_NAME", "MY_POD_IP"])
                    XCTAssertEqual(env[0]["value"], "raycluster-sample")
                    XCTAssertEqual(env[1]["valueFrom"], ["fieldRef": ["fieldPath": "metadata.name"]])
                    XCTAssertEqual(env[2]["valueFrom"], ["fieldRef": ["fieldPath": "status.podIP"]])
                } else {
                    XCTAssertNil(extensionValue["containerEnv"])
                }
                if file.contains("complete") {
                    XCTAssertEqual(extensionValue["annotations"], ["key": "value"])
                    XCTAssertEqual(extensionValue["tolerations"], [["key": "key1", "operator": "Equal", "value": "true", "effect": "NoSchedule"]])
                    XCTAssertEqual(extensionValue["volumes"], [["name": "log-volume", "emptyDir": [:]]])
                    XCTAssertEqual(extensionValue["volumeMounts"], [["mountPath": "/path/to/log", "name": "log-volume"]])
                    let terms = extensionValue["affinity"]?["nodeAffinity"]?["requiredDuringSchedulingIgnoredDuringExecution"]?["nodeSelectorTerms"]
                    XCTAssertEqual(terms, [["matchExpressions": [
                        ["key": "key1", "operator": "In", "values": ["true"]],
                        ["key": "key2", "operator": "In", "values": ["true"]],
                    ]]])
                }
            }
            XCTAssertEqual(pods, expectedPods[file], file)
            // The head Service the seed derives from the head pod name is the one the worker command dials.
            let headPod = try XCTUnwrap(pods.first { $0.contains("-head-0") })
            XCTAssertEqual(RayNaming.seedHeadServiceName(headPodName: headPod), RayNaming.headServiceName(cluster: "raycluster-sample"))
        }
    }

    func testKustomizationListsExistingSamples() throws {
        let documents = try load("kustomization.yaml")
        let resources = try XCTUnwrap(documents.first?["resources"]?.arrayValue).compactMap(\.stringValue)
        let files = try sampleFiles()
        for resource in resources { XCTAssertTrue(files.contains(resource), resource) }
        XCTAssertEqual(Set(resources).count, resources.count)
        // Every v1 sample is listed (the seed samples share one name; only mini is listed).
        for file in files where !Self.seedSamples.contains(file) { XCTAssertTrue(resources.contains(file), file) }
        XCTAssertTrue(resources.contains("ray_v1_raycluster.mini.yaml"))
    }
}
