import XCTest
import JSON
import RayAPI
@testable import Admission
@testable import Conversion

/// S36–S43 and S44–S54 (KubeRay's TestValidateRayClusterSpecSuspendingWorkerGroup,
/// _Autoscaler, TestValidateCollectorOptions, _HistoryServerRequiresFeatureGate).
final class ValidationAutoscalerTests: XCTestCase {
    let env0 = "spec.headGroupSpec.template.spec.containers[0].env[0]"

    var autoscaling: JSONValue { RC.cluster().with("spec", "enableInTreeAutoscaling", true) }

    func autoscaling(version: String) -> JSONValue {
        autoscaling.with("spec", "autoscalerOptions", ["version": .string(version)])
    }

    // MARK: S36, S38

    func testS36SuspendNeedsRayJobDeletionPolicy() {
        let object = RC.cluster().with(At.worker(0), "suspend", value: true)
        assertErrors(object, gates: FeatureGates().with(.rayJobDeletionPolicy, false),
                     ["spec.workerGroupSpecs[0].suspend: Forbidden: worker group workergroup can be suspended only when the RayJobDeletionPolicy feature gate is enabled"])
        assertValid(object)  // the gate is on by default
    }

    func testS38SuspendWithAutoscaler() {
        assertErrors(autoscaling.with(At.worker(0), "suspend", value: true),
                     ["spec.workerGroupSpecs[0].suspend: Forbidden: worker group workergroup cannot be suspended with Autoscaler enabled"])
        assertValid(autoscaling.with(At.worker(0), "suspend", value: false))
    }

    // MARK: S37, S39

    func testS37AutoscalerV2EnvWithoutAutoscaling() {
        for value in ["1", "true"] {
            let object = RC.cluster().with(At.headContainer, "env", value: [RC.env("RAY_enable_autoscaler_v2", value)])
            assertErrors(object, ["\(env0).value: Invalid value: \"\(value)\": environment variable RAY_enable_autoscaler_v2 cannot be set to '\(value)' when enableInTreeAutoscaling is false. Please set enableInTreeAutoscaling: true to use autoscaler v2"])
        }
        assertValid(RC.cluster().with(At.headContainer, "env", value: [RC.env("RAY_enable_autoscaler_v2", "false")]))
    }

    func testS39VersionAndEnvTogether() {
        let object = autoscaling(version: "v2").with(At.headContainer, "env", value: [RC.env("RAY_enable_autoscaler_v2", "true")])
        assertErrors(object, ["\(env0): Forbidden: both .spec.autoscalerOptions.version and head Pod env var RAY_enable_autoscaler_v2 are set, please only use the former"])
    }

    // MARK: S40, S41

    func testS40HeadRestartPolicyWithV2() {
        assertErrors(autoscaling(version: "v2").with(At.head + ["template", "spec", "restartPolicy"], value: "Always"),
                     ["spec.headGroupSpec.template.spec.restartPolicy: Invalid value: \"Always\": restartPolicy for head Pod should be Never or unset when using autoscaler V2"])
    }

    func testS41WorkerRestartPolicyWithV2() {
        let object = RC.cluster(workers: [RC.worker("worker-group-1"), RC.worker("worker-group-2")])
            .with("spec", "enableInTreeAutoscaling", true)
            .with("spec", "autoscalerOptions", ["version": "v2"])
            .with(At.worker(1) + ["template", "spec", "restartPolicy"], value: "Always")
        assertErrors(object, ["spec.workerGroupSpecs[1].template.spec.restartPolicy: Invalid value: \"Always\": restartPolicy for worker group worker-group-2 should be Never or unset when using autoscaler V2"])
    }

    func testValidV2AndV1ConfigurationsAreAccepted() {
        let v2 = autoscaling(version: "v2")
            .with(At.head + ["template", "spec", "restartPolicy"], value: "Never")
            .with(At.worker(0) + ["template", "spec", "restartPolicy"], value: "Never")
        assertValid(v2)
        // v1 with Always on a worker: accepted, with KubeRay's warning only.
        let v1 = autoscaling(version: "v1").with(At.worker(0) + ["template", "spec", "restartPolicy"], value: "Always")
        let outcome = RayClusterValidator.validate(v1)
        XCTAssertEqual(outcome.errors, [])
        XCTAssertEqual(outcome.warnings, ["restartPolicy for worker groups [workergroup] should be Never or unset when using autoscaler V1"])
    }

    // MARK: S42, S43

    func testS42NegativeAutoscalerIdleTimeout() {
        for version in ["v1", "v2"] {
            let object = autoscaling.with("spec", "autoscalerOptions", ["version": .string(version), "idleTimeoutSeconds": -10])
            assertErrors(object, ["spec.autoscalerOptions.idleTimeoutSeconds: Invalid value: -10: autoscalerOptions.idleTimeoutSeconds must be non-negative, got -10"])
        }
        assertValid(autoscaling.with("spec", "autoscalerOptions", ["idleTimeoutSeconds": 0]))
    }

    func testS43GeneratedStartCommandEnv() {
        let object = autoscaling.with("spec", "autoscalerOptions", [
            "env": [RC.env("FOO", "bar"), RC.env("KUBERAY_GEN_AUTOSCALER_START_CMD", "x")], "args": ["--foo"],
        ])
        assertErrors(object, ["spec.autoscalerOptions.env[1]: Forbidden: autoscalerOptions.env must not contain KUBERAY_GEN_AUTOSCALER_START_CMD: it is managed by KubeRay and injected automatically into the autoscaler container"])
    }
}

final class ValidationHistoryServerTests: XCTestCase {
    let gate = FeatureGates().with(.rayClusterHistoryServer, true)
    let collector = "spec.historyServerOptions.collectorOptions"

    func history(_ env: [JSONValue], image: JSONValue? = "collector:1") -> JSONValue {
        var options: JSONValue = ["env": .array(env)]
        if let image { options["image"] = image }
        return RC.cluster().with("spec", "historyServerOptions", ["collectorOptions": options])
    }

    func testS44GateOff() {
        assertErrors(history([RC.env("STORAGE_BACKEND", "GCS"), RC.env("GCS_BUCKET", "b")]),
                     ["spec.historyServerOptions: Forbidden: RayClusterHistoryServer feature gate is not enabled"])
    }

    func testS45S46MissingCollectorAndImage() {
        assertErrors(RC.cluster().with("spec", "historyServerOptions", [:]), gates: gate,
                     ["\(collector): Required value: historyServerOptions.collectorOptions must be set"])
        assertErrors(history([RC.env("STORAGE_BACKEND", "GCS"), RC.env("GCS_BUCKET", "b")], image: nil), gates: gate,
                     ["\(collector).image: Required value: historyServerOptions.collectorOptions.image must be set"])
    }

    func testS47ReservedEnv() {
        for name in ["POD_IP", "EVENTS_PORT"] {
            assertErrors(history([RC.env("STORAGE_BACKEND", "GCS"), RC.env("GCS_BUCKET", "b"), RC.env(name, "x")]), gates: gate,
                         ["\(collector).env[2]: Forbidden: historyServerOptions.collectorOptions.env must not contain \(name): it is managed by KubeRay and injected automatically into the collector container"])
        }
    }

    func testS48ToS52StorageBackends() {
        assertErrors(history([]), gates: gate,
                     ["\(collector).env: Required value: STORAGE_BACKEND environment variable must be set with a literal string value in historyServerOptions.collectorOptions.env"])
        assertValid(history([RC.env("STORAGE_BACKEND", "GCS"), RC.env("GCS_BUCKET", "b")]), gates: gate)
        assertValid(history([RC.env("STORAGE_BACKEND", "gcs"), ["name": "GCS_BUCKET", "valueFrom": ["secretKeyRef": ["name": "s", "key": "k"]]]]), gates: gate)
        assertErrors(history([RC.env("STORAGE_BACKEND", "GCS")]), gates: gate,
                     ["\(collector).env: Required value: GCS_BUCKET environment variable must be set when STORAGE_BACKEND is GCS"])
        assertValid(history([RC.env("STORAGE_BACKEND", "S3"), RC.env("S3_REGION", "us-east-1")]), gates: gate)
        assertErrors(history([RC.env("STORAGE_BACKEND", "S3")]), gates: gate,
                     ["\(collector).env: Required value: S3_REGION environment variable must be set when STORAGE_BACKEND is S3"])
        assertValid(history([RC.env("STORAGE_BACKEND", "AZUREBLOB"), RC.env("AZURE_STORAGE_AUTH_MODE", "connection_string"),
                             RC.env("AZURE_STORAGE_CONNECTION_STRING", "c")]), gates: gate)
        assertValid(history([RC.env("STORAGE_BACKEND", "AZUREBLOB"), RC.env("AZURE_STORAGE_AUTH_MODE", " Workload_Identity "),
                             RC.env("AZURE_STORAGE_ACCOUNT_URL", "u")]), gates: gate)
        assertErrors(history([RC.env("STORAGE_BACKEND", "AZUREBLOB"), RC.env("AZURE_STORAGE_AUTH_MODE", "connection_string")]), gates: gate,
                     ["\(collector).env: Required value: AZURE_STORAGE_CONNECTION_STRING environment variable must be set when STORAGE_BACKEND is AZUREBLOB and AZURE_STORAGE_AUTH_MODE is connection_string"])
        assertErrors(history([RC.env("STORAGE_BACKEND", "AZUREBLOB"), RC.env("AZURE_STORAGE_AUTH_MODE", "default")]), gates: gate,
                     ["\(collector).env: Required value: AZURE_STORAGE_ACCOUNT_URL environment variable must be set when STORAGE_BACKEND is AZUREBLOB and AZURE_STORAGE_AUTH_MODE is default"])
        assertErrors(history([RC.env("STORAGE_BACKEND", "AZUREBLOB")]), gates: gate,
                     ["\(collector).env: Required value: either AZURE_STORAGE_CONNECTION_STRING or AZURE_STORAGE_ACCOUNT_URL environment variable must be set when STORAGE_BACKEND is AZUREBLOB"])
        assertValid(history([RC.env("STORAGE_BACKEND", "ALIYUNOSS"), RC.env("OSS_BUCKET", "b"), RC.env("OSS_ENDPOINT", "e"),
                             RC.env("OSS_REGION", "r")]), gates: gate)
        assertErrors(history([RC.env("STORAGE_BACKEND", "ALIYUNOSS"), RC.env("OSS_BUCKET", "b"), RC.env("OSS_ENDPOINT", "e")]), gates: gate,
                     ["\(collector).env: Required value: OSS_REGION environment variable must be set when STORAGE_BACKEND is ALIYUNOSS"])
        assertValid(history([RC.env("STORAGE_BACKEND", "somethingelse")]), gates: gate)
    }

    func testS53S54CollectorContainerName() {
        let base = history([RC.env("STORAGE_BACKEND", "GCS"), RC.env("GCS_BUCKET", "b")])
        let head = base.with(At.head + ["template", "spec", "containers", 1], value: RC.container("ray-history-collector"))
        assertErrors(head, gates: gate,
                     ["spec.headGroupSpec.template.spec.containers[1].name: Forbidden: head pod template must not define a container with name 'ray-history-collector' when history server collector options are enabled"])
        let worker = base.with(At.worker(0), "groupName", value: "group-1")
            .with(At.worker(0) + ["template", "spec", "containers", 1], value: RC.container("ray-history-collector"))
        assertErrors(worker, gates: gate,
                     ["spec.workerGroupSpecs[0].template.spec.containers[1].name: Forbidden: worker group group-1 pod template must not define a container with name 'ray-history-collector' when history server collector options are enabled"])
    }
}
