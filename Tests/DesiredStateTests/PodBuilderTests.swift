import DesiredState
import JSON
import RayAPI
import XCTest

final class PodBuilderTests: XCTestCase {
    private let kuberayEnv = ["RAY_CLUSTER_NAME", "RAY_CLUSTER_NAMESPACE", "RAY_CLOUD_INSTANCE_ID", "RAY_NODE_TYPE_NAME",
                              "KUBERAY_GEN_RAY_START_CMD", "RAY_PORT", "RAY_ADDRESS", "RAY_USAGE_STATS_KUBERAY_IN_USE",
                              "RAY_DASHBOARD_ENABLE_K8S_DISK_USAGE", "CLUSTER_NAME", "NAMESPACE", "MY_POD_IP"]

    /// The original operator's mini sample, field by field: its names, its labels plus KubeRay's,
    /// its own command, env for its command, /dev/shm, no probes and no init container.
    func testMiniSampleWorkerFieldByField() throws {
        let cluster = try Fixtures.storedSample("ray_v1_raycluster.mini.yaml")
        let pod = try PodBuilder.workerPod(cluster: cluster, group: "small-group", index: 0)
        XCTAssertEqual(pod["apiVersion"], "v1")
        XCTAssertEqual(pod["kind"], "Pod")
        let metadata = try XCTUnwrap(pod["metadata"])
        XCTAssertEqual(metadata["name"], "raycluster-sample-small-group-worker-0")
        XCTAssertEqual(metadata["namespace"], "default")
        XCTAssertEqual(metadata["labels"], [
            "app.kubernetes.io/created-by": "kuberay-operator",
            "app.kubernetes.io/name": "kuberay",
            "ray.io/cluster": "raycluster-sample",
            "ray.io/group": "small-group",
            "ray.io/identifier": "raycluster-sample-worker",
            "ray.io/is-ray-node": "yes",
            "ray.io/node-type": "worker",
            "ray.io/worker-group-replica-index": "0",
            "raycluster.component": "raycluster-sample-small-group-worker-0",
            "raycluster.group.name": "small-group",
            "raycluster.instance.name": "raycluster-sample",
            "raycluster.pod.type": "worker",
            "rayclusters.ray.io/component-name": "ray-operator",
        ])
        XCTAssertEqual(metadata["labels"]?.objectValue?.keys, metadata["labels"]?.objectValue?.keys.sorted(), "labels sorted")
        XCTAssertNil(metadata["annotations"], "no empty annotations map")
        XCTAssertEqual(metadata["ownerReferences"], [[
            "apiVersion": "ray.io/v1", "kind": "RayCluster", "name": "raycluster-sample",
            "uid": .string(Fixtures.uid), "controller": true, "blockOwnerDeletion": true,
        ]])

        let spec = try XCTUnwrap(pod["spec"])
        XCTAssertNil(spec["initContainers"], "no wait-gcs-ready for the original operator's clusters")
        XCTAssertEqual(spec["containers"]?.arrayValue?.count, 1)
        let container = try XCTUnwrap(spec["containers"]?[0])
        XCTAssertEqual(container["name"], "worker")
        XCTAssertEqual(container["image"], "rayproject/autoscaler")
        XCTAssertEqual(container["imagePullPolicy"], "Always")
        XCTAssertEqual(container["command"], ["/bin/bash", "-c", "--"])
        XCTAssertEqual(container["args"], ["ray start --block --node-ip-address=$MY_POD_IP --address=$CLUSTER_NAME-head:6379 --object-manager-port=12345 --node-manager-port=12346 --object-store-memory=100000000 --num-cpus=1"])
        XCTAssertEqual(Fixtures.envNames(container), ["FQ_RAY_IP", "RAY_IP"] + kuberayEnv)
        XCTAssertEqual(Fixtures.env(container, "FQ_RAY_IP")?["value"], "raycluster-sample-head.default.svc.cluster.local")
        XCTAssertEqual(Fixtures.env(container, "RAY_IP")?["value"], "raycluster-sample-head")
        XCTAssertEqual(Fixtures.env(container, "CLUSTER_NAME")?["value"], "raycluster-sample")
        XCTAssertEqual(Fixtures.env(container, "NAMESPACE")?["value"], "default")
        XCTAssertEqual(Fixtures.env(container, "MY_POD_IP")?["valueFrom"], ["fieldRef": ["fieldPath": "status.podIP"]])
        XCTAssertEqual(Fixtures.env(container, "RAY_CLUSTER_NAME")?["valueFrom"], ["fieldRef": ["fieldPath": "metadata.labels['ray.io/cluster']"]])
        XCTAssertEqual(Fixtures.env(container, "RAY_NODE_TYPE_NAME")?["valueFrom"], ["fieldRef": ["fieldPath": "metadata.labels['ray.io/group']"]])
        XCTAssertEqual(container["ports"], [["name": "metrics", "containerPort": 8080]])
        XCTAssertNil(container["livenessProbe"])
        XCTAssertNil(container["readinessProbe"])
        XCTAssertEqual(container["volumeMounts"], [["name": "shared-mem", "mountPath": "/dev/shm"]])
        XCTAssertEqual(spec["volumes"], [["name": "shared-mem", "emptyDir": ["medium": "Memory", "sizeLimit": "2Gi"]]])

        let head = try PodBuilder.headPod(cluster: cluster)
        XCTAssertEqual(head["metadata"]?["name"], "raycluster-sample-head-group-head-0")
        XCTAssertEqual(head["metadata"]?["labels"]?["ray.io/group"], "head-group")
        XCTAssertEqual(head["metadata"]?["labels"]?["raycluster.pod.type"], "head")
        XCTAssertEqual(head["metadata"]?["annotations"], ["ray.io/ft-enabled": "false"])
        XCTAssertEqual(Fixtures.envNames(head["spec"]?["containers"]?[0]), kuberayEnv)
        XCTAssertEqual(Fixtures.env(head["spec"]?["containers"]?[0], "RAY_ADDRESS")?["value"], "127.0.0.1:6379")
    }

    /// The heterogeneous and complete samples set MY_POD_IP and CLUSTER_NAME themselves: the user's
    /// entries stay, ours are not added twice.
    func testEnvNeverDuplicatesAUserName() throws {
        for file in ["ray_v1_raycluster.heterogeneous.yaml", "ray_v1_raycluster.complete.yaml", "ray-cluster.complete.yaml"] {
            let cluster = try Fixtures.storedSample(file)
            let plan = ReconcilePlan.make(cluster: cluster, pods: [], services: [])
            for case .createPod(let creation) in plan.actions {
                for container in (creation.object["spec"]?["containers"]?.arrayValue ?? []) + (creation.object["spec"]?["initContainers"]?.arrayValue ?? []) {
                    let names = Fixtures.envNames(container)
                    XCTAssertEqual(names.count, Set(names).count, "\(file) \(creation.name): \(names)")
                }
            }
        }
        let cluster = try Fixtures.storedSample("ray_v1_raycluster.heterogeneous.yaml")
        let pod = try PodBuilder.workerPod(cluster: cluster, group: "small-group", index: 0)
        let container = pod["spec"]?["containers"]?[0]
        XCTAssertEqual(Array(Fixtures.envNames(container).prefix(3)), ["CLUSTER_NAME", "MY_POD_NAME", "MY_POD_IP"], "the user's entries first")
        XCTAssertEqual(Fixtures.env(container, "CLUSTER_NAME")?["value"], "raycluster-sample")
        XCTAssertTrue(Fixtures.envNames(container).contains("NAMESPACE"))
    }

    /// A v1 sample's worker: generated command, probes, init container, /dev/shm.
    func testV1SampleWorker() throws {
        let cluster = try Fixtures.storedSample("ray-cluster.sample.yaml")
        let pod = try PodBuilder.workerPod(cluster: cluster, group: "small-group", index: 0)
        XCTAssertEqual(pod["metadata"]?["labels"]?["raycluster.instance.name"], nil, "v1 clusters get only KubeRay's labels")
        let spec = try XCTUnwrap(pod["spec"])
        let container = try XCTUnwrap(spec["containers"]?[0])
        XCTAssertEqual(container["command"], ["/bin/bash", "-c", "--"])
        // Ray 2.52.0 is before 2.53.0: exec probes, worker timeouts.
        XCTAssertEqual(container["livenessProbe"], [
            "exec": ["command": ["bash", "-c", "wget --tries 1 -T 2 -q -O- http://localhost:52365/api/local_raylet_healthz | grep success"]],
            "initialDelaySeconds": 30, "timeoutSeconds": 2, "periodSeconds": 5, "successThreshold": 1, "failureThreshold": 120,
        ])
        XCTAssertEqual(container["readinessProbe"]?["initialDelaySeconds"], 10)
        XCTAssertEqual(container["readinessProbe"]?["failureThreshold"], 10)
        XCTAssertEqual(spec["volumes"], [["name": "shared-mem", "emptyDir": ["medium": "Memory", "sizeLimit": "1G"]]])

        let initContainer = try XCTUnwrap(spec["initContainers"]?[0])
        XCTAssertEqual(spec["initContainers"]?.arrayValue?.count, 1)
        XCTAssertEqual(initContainer["name"], "wait-gcs-ready")
        XCTAssertEqual(initContainer["image"], "rayproject/ray:2.52.0")
        XCTAssertEqual(initContainer["command"], ["/bin/bash", "-c", "--"])
        XCTAssertTrue(initContainer["args"]?[0]?.stringValue?.contains("ray health-check --address raycluster-kuberay-head.default.svc.cluster.local:6379") ?? false)
        XCTAssertEqual(initContainer["resources"], ["limits": ["cpu": "200m", "memory": "256Mi"], "requests": ["cpu": "200m", "memory": "256Mi"]])
        XCTAssertEqual(Fixtures.envNames(initContainer), ["FQ_RAY_IP", "RAY_IP"])

        let without = try PodBuilder.workerPod(cluster: cluster, group: "small-group", index: 0,
                                               options: DesiredStateOptions(injectProbes: false, injectWaitGCSReady: false))
        XCTAssertNil(without["spec"]?["initContainers"])
        XCTAssertNil(without["spec"]?["containers"]?[0]?["livenessProbe"])
    }

    func testHTTPProbesFromRay253AndHeadTimeouts() throws {
        var cluster = Fixtures.cluster()
        cluster.set(["spec", "rayVersion"], "2.53.0")
        let head = try PodBuilder.headPod(cluster: cluster)
        XCTAssertEqual(head["spec"]?["containers"]?[0]?["livenessProbe"], [
            "httpGet": ["path": "/api/healthz", "port": 52365],
            "initialDelaySeconds": 30, "timeoutSeconds": 5, "periodSeconds": 5, "successThreshold": 1, "failureThreshold": 120,
        ])
        cluster.set(["spec", "rayVersion"], "2.52.1")
        let old = try PodBuilder.headPod(cluster: cluster)
        XCTAssertEqual(old["spec"]?["containers"]?[0]?["livenessProbe"]?["exec"]?["command"]?[2],
                       "wget --tries 1 -T 2 -q -O- http://localhost:52365/api/local_raylet_healthz | grep success && wget --tries 1 -T 10 -q -O- http://localhost:8265/api/gcs_healthz | grep success")
        // The user's probe stays.
        cluster.set(["spec", "headGroupSpec", "template", "spec", "containers", 0, "readinessProbe"], ["tcpSocket": ["port": 6379]])
        let user = try PodBuilder.headPod(cluster: cluster)
        XCTAssertEqual(user["spec"]?["containers"]?[0]?["readinessProbe"], ["tcpSocket": ["port": 6379]])
        XCTAssertNotNil(user["spec"]?["containers"]?[0]?["livenessProbe"])
    }

    func testSharedMemoryNotAddedTwice() throws {
        var cluster = Fixtures.cluster()
        cluster.set(["spec", "headGroupSpec", "template", "spec", "containers", 0, "volumeMounts"], [["name": "shm", "mountPath": "/dev/shm"]])
        cluster.set(["spec", "headGroupSpec", "template", "spec", "volumes"], [["name": "shm", "emptyDir": ["medium": "Memory"]]])
        let head = try PodBuilder.headPod(cluster: cluster)
        XCTAssertEqual(head["spec"]?["volumes"], [["name": "shm", "emptyDir": ["medium": "Memory"]]])
        XCTAssertEqual(head["spec"]?["containers"]?[0]?["volumeMounts"], [["name": "shm", "mountPath": "/dev/shm"]])
        cluster.set(["spec", "workerGroupSpecs", 0, "rayStartParams"], ["plasma-directory": "/data"])
        let worker = try PodBuilder.workerPod(cluster: cluster, group: "workers", index: 0)
        XCTAssertNil(worker["spec"]?["volumes"], "plasma-directory moves the object store off /dev/shm")
    }

    func testLabelsTheUserCannotOverrideAndTheOnesTheyCan() throws {
        var cluster = Fixtures.cluster()
        cluster.set(["spec", "workerGroupSpecs", 0, "template", "metadata"], ["labels": [
            "ray.io/cluster": "other", "ray.io/group": "x", "ray.io/node-type": "head", "ray.io/identifier": "x",
            "app.kubernetes.io/name": "mine", "team": "a",
        ], "annotations": ["note": "kept"], "finalizers": ["example.com/hold"]])
        cluster.set(["spec", "workerGroupSpecs", 0, "labels"], ["team": "b"])
        let pod = try PodBuilder.workerPod(cluster: cluster, group: "workers", index: 4)
        let labels = pod["metadata"]?["labels"]
        XCTAssertEqual(labels?["ray.io/cluster"], "demo")
        XCTAssertEqual(labels?["ray.io/group"], "workers")
        XCTAssertEqual(labels?["ray.io/node-type"], "worker")
        XCTAssertEqual(labels?["ray.io/identifier"], "demo-worker")
        XCTAssertEqual(labels?["app.kubernetes.io/name"], "mine")
        XCTAssertEqual(labels?["team"], "b", "the group's labels win over the template's")
        XCTAssertEqual(labels?["ray.io/worker-group-replica-index"], "4")
        XCTAssertEqual(pod["metadata"]?["annotations"], ["note": "kept"])
        XCTAssertEqual(pod["metadata"]?["finalizers"], ["example.com/hold"])
    }

    func testMultiHostLabels() throws {
        let pod = try PodBuilder.workerPod(cluster: Fixtures.cluster(replicas: 2, numOfHosts: 4), group: "workers", index: 6)
        XCTAssertEqual(pod["metadata"]?["labels"]?["ray.io/worker-group-replica-index"], "1")
        XCTAssertEqual(pod["metadata"]?["labels"]?["ray.io/worker-group-replica-name"], "workers-1")
        XCTAssertEqual(pod["metadata"]?["labels"]?["ray.io/replica-host-index"], "2")
    }

    func testAutoscalerSidecar() throws {
        let cluster = try Fixtures.storedSample("ray-cluster.autoscaler.yaml")
        let head = try PodBuilder.headPod(cluster: cluster)
        let containers = head["spec"]?["containers"]?.arrayValue ?? []
        XCTAssertEqual(containers.count, 2)
        let sidecar = containers[1]
        XCTAssertEqual(sidecar["name"], "autoscaler")
        XCTAssertEqual(sidecar["image"], containers[0]["image"])
        XCTAssertEqual(sidecar["imagePullPolicy"], "IfNotPresent")
        XCTAssertEqual(sidecar["args"], ["ray kuberay-autoscaler --cluster-name $(RAY_CLUSTER_NAME) --cluster-namespace $(RAY_CLUSTER_NAMESPACE)"])
        XCTAssertEqual(Fixtures.envNames(sidecar), ["RAY_CLUSTER_NAME", "RAY_CLUSTER_NAMESPACE", "RAY_HEAD_POD_NAME", "KUBERAY_CRD_VER", "KUBERAY_GEN_AUTOSCALER_START_CMD"])
        XCTAssertEqual(sidecar["resources"], ["limits": ["cpu": "500m", "memory": "512Mi"], "requests": ["cpu": "500m", "memory": "512Mi"]])
        let logsVolume = containers[0]["volumeMounts"]?.arrayValue?.first { $0["mountPath"] == "/tmp/ray" }?["name"]
        XCTAssertNotNil(logsVolume)
        XCTAssertEqual(sidecar["volumeMounts"]?[0]?["name"], logsVolume)
        XCTAssertEqual(sidecar["volumeMounts"]?[0]?["mountPath"], "/tmp/ray")
        // The Ray container starts without the monitor; workers get no sidecar.
        XCTAssertTrue(Fixtures.env(containers[0], "KUBERAY_GEN_RAY_START_CMD")?["value"]?.stringValue?.contains("--no-monitor") ?? false)
    }

    func testAutoscalerV2SetsRestartPolicyNeverAndTheSwitch() throws {
        let cluster = try Fixtures.storedSample("ray-cluster.autoscaler-v2.yaml")
        let head = try PodBuilder.headPod(cluster: cluster)
        XCTAssertEqual(head["spec"]?["restartPolicy"], "Never")
        XCTAssertEqual(Fixtures.env(head["spec"]?["containers"]?[0], "RAY_enable_autoscaler_v2")?["value"], "true")
    }

    /// Equal inputs give byte-equal objects.
    func testOutputIsDeterministic() throws {
        for file in ["ray-cluster.complete.yaml", "ray_v1_raycluster.complete.yaml", "ray-cluster.autoscaler.yaml"] {
            let a = ReconcilePlan.make(cluster: try Fixtures.storedSample(file), pods: [], services: [])
            let b = ReconcilePlan.make(cluster: try Fixtures.storedSample(file), pods: [], services: [])
            XCTAssertFalse(a.actions.isEmpty)
            for (x, y) in zip(a.actions, b.actions) {
                switch (x, y) {
                case (.createPod(let p), .createPod(let q)): XCTAssertEqual(p.object.serialized(), q.object.serialized(), file)
                case (.createService(_, let p), .createService(_, let q)): XCTAssertEqual(p.serialized(), q.serialized(), file)
                case (.createAutoscalerObject(let p), .createAutoscalerObject(let q)):
                    XCTAssertEqual(p.object.serialized(), q.object.serialized(), file)
                default: XCTFail(file)
                }
            }
        }
    }

    func testBrokenTemplatesAreClearErrors() {
        var cluster = Fixtures.cluster()
        cluster.set(["spec", "workerGroupSpecs", 0, "template", "spec", "containers"], [])
        XCTAssertThrowsError(try PodBuilder.workerPod(cluster: cluster, group: "workers", index: 0)) { error in
            XCTAssertEqual((error as? DesiredStateError)?.message, "worker group workers of RayCluster default/demo has no containers")
        }
        XCTAssertThrowsError(try PodBuilder.workerPod(cluster: cluster, group: "nope", index: 0))
        let plan = ReconcilePlan.make(cluster: cluster, pods: [], services: [])
        XCTAssertEqual(plan.phase, .invalid)
        XCTAssertEqual(plan.error?.message, "worker group workers of RayCluster default/demo has no containers")
        var noUID = Fixtures.cluster()
        noUID.set(["metadata", "uid"], nil)
        XCTAssertThrowsError(try PodBuilder.headPod(cluster: noUID))
        XCTAssertThrowsError(try PodBuilder.headPod(cluster: .string("not an object")))
    }
}
