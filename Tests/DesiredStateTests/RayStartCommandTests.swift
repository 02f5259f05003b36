import DesiredState
import JSON
import RayAPI
import XCTest

final class RayStartCommandTests: XCTestCase {
    /// KubeRay's rendering: sorted keys, ` --key=value ` with spaces on both sides, true → flag,
    /// false → dropped.
    func testRenderingMatchesKubeRays() {
        XCTAssertEqual(RayStartCommand.render(type: .worker, params: ["num-gpus": "1"]), "ray start  --num-gpus=1 ")
        XCTAssertEqual(RayStartCommand.render(type: .head, params: ["resources": #"'{"neuron_cores":4}'"#]),
                       #"ray start --head  --resources='{"neuron_cores":4}' "#)
        XCTAssertEqual(RayStartCommand.render(type: .head, params: ["include-log-monitor": "false"]),
                       "ray start --head  --include-log-monitor=false ")
        XCTAssertEqual(RayStartCommand.render(type: .worker, params: ["b": "true", "a": "2", "c": "False", "d": " TRUE "]),
                       "ray start  --a=2  --b  --d ")
    }

    func testTheThreeAlwaysKeyValueKeys() {
        let params = ["log-color": "true", "include-dashboard": "false", "include-log-monitor": "TRUE", "block": "true"]
        XCTAssertEqual(RayStartCommand.render(type: .head, params: params),
                       "ray start --head  --block  --include-dashboard=false  --include-log-monitor=TRUE  --log-color=true ")
    }

    func testWorkerDefaultsGiveKubeRaysExampleCommand() throws {
        let pod = try PodBuilder.workerPod(cluster: Fixtures.cluster(), group: "workers", index: 0)
        let container = pod["spec"]?["containers"]?[0]
        let command = Fixtures.env(container, "KUBERAY_GEN_RAY_START_CMD")?["value"]?.stringValue
        XCTAssertEqual(command, "ray start  --address=demo-head.default.svc.cluster.local:6379  --block  --dashboard-agent-listen-port=52365  --memory=1073741824  --metrics-export-port=8080  --num-cpus=1 ")
        XCTAssertEqual(container?["command"], ["/bin/bash", "-c", "--"])
        XCTAssertEqual(container?["args"], .array([.string("ulimit -n ${RAY_START_ULIMIT_OPEN_FILES:-65536}; " + (command ?? ""))]))
    }

    func testHeadDefaultsAndUserParamsWin() throws {
        var cluster = Fixtures.cluster()
        cluster.set(["spec", "headGroupSpec", "rayStartParams"], ["dashboard-host": "127.0.0.1", "num-cpus": "0", "port": "6380", "block": "false"])
        let pod = try PodBuilder.headPod(cluster: cluster)
        let container = pod["spec"]?["containers"]?[0]
        XCTAssertEqual(Fixtures.env(container, "KUBERAY_GEN_RAY_START_CMD")?["value"]?.stringValue,
                       "ray start --head  --block  --dashboard-agent-listen-port=52365  --dashboard-host=127.0.0.1  --memory=4294967296  --metrics-export-port=8080  --num-cpus=0  --port=6380 ")
        XCTAssertEqual(Fixtures.env(container, "RAY_PORT")?["value"], "6380")
        XCTAssertEqual(Fixtures.env(container, "RAY_ADDRESS")?["value"], "127.0.0.1:6380")
        // Workers dial the head's port.
        let worker = try PodBuilder.workerPod(cluster: cluster, group: "workers", index: 0)
        XCTAssertEqual(Fixtures.env(worker["spec"]?["containers"]?[0], "RAY_ADDRESS")?["value"], "demo-head.default.svc.cluster.local:6380")
    }

    func testResourcesFromTheContainer() throws {
        var cluster = Fixtures.cluster()
        cluster.set(["spec", "workerGroupSpecs", 0, "template", "spec", "containers", 0, "resources"], [
            "limits": ["cpu": "500m", "nvidia.com/gpu": "2", "google.com/tpu": "4"],
            "requests": ["cpu": "250m", "memory": "1Gi"],
        ])
        cluster.set(["spec", "workerGroupSpecs", 0, "rayStartParams"], ["resources": #"'{"Custom": 1.0}'"#])
        let pod = try PodBuilder.workerPod(cluster: cluster, group: "workers", index: 0)
        let command = Fixtures.env(pod["spec"]?["containers"]?[0], "KUBERAY_GEN_RAY_START_CMD")?["value"]?.stringValue ?? ""
        XCTAssertTrue(command.contains(" --num-cpus=1 "), command)  // limit 500m, rounded up
        XCTAssertFalse(command.contains("--memory="), "memory comes from the limit only: \(command)")
        XCTAssertTrue(command.contains(" --num-gpus=2 "), command)
        XCTAssertTrue(command.contains(#" --resources='{"Custom":1,"TPU":4}' "#), command)
    }

    func testGroupResourcesAndLabelsOverride() throws {
        let cluster = try Fixtures.storedSample("ray-cluster.complete.yaml")
        let pod = try PodBuilder.workerPod(cluster: cluster, group: "small-group", index: 0)
        let command = Fixtures.env(pod["spec"]?["containers"]?[0], "KUBERAY_GEN_RAY_START_CMD")?["value"]?.stringValue ?? ""
        XCTAssertEqual(command, #"ray start  --address=raycluster-complete-head.default.svc.cluster.local:6379  --block  --dashboard-agent-listen-port=52365  --labels=ray.io/accelerator-type=none,workload=batch  --memory=1073741824  --metrics-export-port=8080  --num-cpus=1  --resources='{"small-group-slot":1}' "#)
        let head = try PodBuilder.headPod(cluster: cluster)
        let headCommand = Fixtures.env(head["spec"]?["containers"]?[0], "KUBERAY_GEN_RAY_START_CMD")?["value"]?.stringValue ?? ""
        XCTAssertEqual(headCommand, "ray start --head  --block  --dashboard-agent-listen-port=52365  --dashboard-host=0.0.0.0  --labels=ray.io/market-type=on-demand  --memory=2147483648  --metrics-export-port=8080  --num-cpus=1 ")
    }

    func testAutoscalingHeadRunsWithoutMonitor() throws {
        let pod = try PodBuilder.headPod(cluster: Fixtures.cluster(autoscaling: true))
        let command = Fixtures.env(pod["spec"]?["containers"]?[0], "KUBERAY_GEN_RAY_START_CMD")?["value"]?.stringValue ?? ""
        XCTAssertTrue(command.contains(" --no-monitor "), command)
    }

    /// A container that already runs `ray start`, the overwrite annotation, and clusters written
    /// through v1alpha1 keep their command; another command is kept as a prefix.
    func testCommandKeptOrPrefixed() throws {
        var cluster = Fixtures.cluster()
        cluster.set(["spec", "headGroupSpec", "template", "spec", "containers", 0, "command"], ["/bin/sh", "-c"])
        cluster.set(["spec", "headGroupSpec", "template", "spec", "containers", 0, "args"], ["ray start --head --block"])
        var head = try PodBuilder.headPod(cluster: cluster)
        XCTAssertEqual(head["spec"]?["containers"]?[0]?["command"], ["/bin/sh", "-c"])
        XCTAssertEqual(head["spec"]?["containers"]?[0]?["args"], ["ray start --head --block"])

        cluster.set(["spec", "headGroupSpec", "template", "spec", "containers", 0, "args"], ["echo hi"])
        head = try PodBuilder.headPod(cluster: cluster)
        let args = head["spec"]?["containers"]?[0]?["args"]?[0]?.stringValue ?? ""
        XCTAssertTrue(args.hasPrefix(" /bin/sh  -c  echo hi  && ulimit -n ${RAY_START_ULIMIT_OPEN_FILES:-65536}; ray start --head "), args)
        XCTAssertEqual(head["spec"]?["containers"]?[0]?["command"], ["/bin/bash", "-c", "--"])

        cluster.set(["metadata", "annotations"], [RayAnnotation.overwriteContainerCmd: "True"])
        head = try PodBuilder.headPod(cluster: cluster)
        XCTAssertEqual(head["spec"]?["containers"]?[0]?["args"], ["echo hi"])
        XCTAssertEqual(head["metadata"]?["annotations"]?[RayAnnotation.overwriteContainerCmd], "True")

        let seed = try Fixtures.storedSample("ray_v1_raycluster.mini.yaml")
        let worker = try PodBuilder.workerPod(cluster: seed, group: "small-group", index: 0)
        let container = worker["spec"]?["containers"]?[0]
        XCTAssertEqual(container?["command"], ["/bin/bash", "-c", "--"])
        XCTAssertEqual(container?["args"]?[0]?.stringValue?.hasPrefix("ray start --block --node-ip-address=$MY_POD_IP --address=$CLUSTER_NAME-head:6379"), true)
    }
}
