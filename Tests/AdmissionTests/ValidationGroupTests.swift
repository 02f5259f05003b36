import XCTest
import JSON
import RayAPI
@testable import Admission
@testable import Conversion

/// S1–S18: head group and worker groups (KubeRay's TestValidateRayClusterSpecEmptyContainers,
/// _Resources, _Labels, _WorkerGroupReplicaValidation, _IdleTimeoutSeconds, _Priority).
final class ValidationGroupTests: XCTestCase {
    static let labelKeyError = "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"
    static let labelValueError = "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"

    var v2: JSONValue {
        RC.cluster().with("spec", "autoscalerOptions", ["version": "v2"])
    }

    // MARK: S1, S5

    func testS1HeadWithoutContainers() {
        assertErrors(RC.cluster().with(At.head + ["template", "spec", "containers"], value: []),
                     ["spec.headGroupSpec.template.spec.containers: Required value: headGroupSpec should have at least one container"])
    }

    func testS1HeadTemplateWithoutSpec() {
        assertErrors(RC.cluster().with(At.head + ["template"], value: [:]),
                     ["spec.headGroupSpec.template.spec.containers: Required value: headGroupSpec should have at least one container"])
    }

    func testS5WorkerWithoutContainers() {
        assertErrors(RC.cluster().with(At.worker(0) + ["template", "spec", "containers"], value: []),
                     ["spec.workerGroupSpecs[0].template.spec.containers: Required value: workerGroupSpec should have at least one container"])
    }

    func testMissingHeadGroupAndTemplatesAreRequired() {
        assertErrors(RC.cluster().with("spec", "headGroupSpec", nil), ["spec.headGroupSpec: Required value"])
        assertErrors(RC.cluster().with(At.head, "template", value: nil), ["spec.headGroupSpec.template: Required value"])
        assertErrors(RC.cluster().with(At.worker(0), "template", value: nil), ["spec.workerGroupSpecs[0].template: Required value"])
    }

    func testObjectWithoutSpecNeedsAHeadGroup() {
        assertErrors(RC.cluster().with("spec", nil), ["spec.headGroupSpec: Required value"])
    }

    // MARK: S2, S10

    func testS2HeadResourcesInBothPlaces() {
        let object = RC.cluster()
            .with(At.head, "rayStartParams", value: ["num-cpus": "1"])
            .with(At.head, "resources", value: ["CPU": "1"])
        assertErrors(object, ["spec.headGroupSpec.resources: Forbidden: resource fields should not be set in both rayStartParams and Resources for Head group; please use only one"])
    }

    func testS10WorkerResourcesInBothPlaces() {
        for key in ["num-cpus", "num-gpus", "memory", "resources"] {
            let object = RC.cluster(workers: [RC.worker("worker-group")])
                .with(At.worker(0), "rayStartParams", value: .object(JSONObject([(key, "1")])))
                .with(At.worker(0), "resources", value: ["GPU": "1"])
            assertErrors(object, ["spec.workerGroupSpecs[0].resources: Forbidden: resource fields should not be set in both rayStartParams and Resources for worker-group group; please use only one"])
        }
    }

    func testResourcesInOnePlaceAreAccepted() {
        assertValid(RC.cluster().with(At.head, "rayStartParams", value: ["num-cpus": "1"]))
        assertValid(RC.cluster().with(At.head, "resources", value: ["CPU": "1"]))
        // An empty value in rayStartParams does not count (Go: non-empty).
        assertValid(RC.cluster().with(At.head, "rayStartParams", value: ["num-cpus": ""]).with(At.head, "resources", value: ["CPU": "1"]))
    }

    // MARK: S3, S11

    func testS3LabelsInHeadRayStartParams() {
        assertErrors(RC.cluster().with(At.head, "rayStartParams", value: ["labels": ""]),
                     ["spec.headGroupSpec.rayStartParams[labels]: Forbidden: rayStartParams['labels'] is not supported for Head group; please use the top-level Labels field instead"])
    }

    func testS11LabelsInWorkerRayStartParams() {
        assertErrors(RC.cluster().with(At.worker(0), "rayStartParams", value: ["labels": "a=b"]),
                     ["spec.workerGroupSpecs[0].rayStartParams[labels]: Forbidden: rayStartParams['labels'] is not supported for workergroup group; please use the top-level Labels field instead"])
    }

    // MARK: S4, S12

    func testS12InvalidLabelKey() {
        let object = RC.cluster(workers: [RC.worker("worker-group")]).with(At.worker(0), "labels", value: ["invalid_key!": "v"])
        assertErrors(object, ["spec.workerGroupSpecs[0].labels: Invalid value: \"invalid_key!\": invalid label key for worker-group group: 'invalid_key!', error: \(Self.labelKeyError)"])
    }

    func testS4InvalidLabelValue() {
        let object = RC.cluster().with(At.head, "labels", value: ["valid-key": "invalid/value"])
        assertErrors(object, ["spec.headGroupSpec.labels[valid-key]: Invalid value: \"invalid/value\": invalid label value for key 'valid-key' in Head group: 'invalid/value', error: \(Self.labelValueError)"])
    }

    func testValidLabelsAreAccepted() {
        assertValid(RC.cluster().with(At.head, "labels", value: ["ray.io/zone": "us-east-1a", "tier": ""]))
    }

    func testEveryLabelProblemIsReportedInDocumentOrder() {
        let object = RC.cluster().with(At.head, "labels", value: ["b!": "ok", "a": "bad value"])
        let fields = errors(object).map(\.field)
        XCTAssertEqual(fields, ["spec.headGroupSpec.labels", "spec.headGroupSpec.labels[a]"])
    }

    // MARK: S6–S9

    func testS7NegativeMinReplicas() {
        assertErrors(RC.cluster().with(At.worker(0), "minReplicas", value: -1),
                     ["spec.workerGroupSpecs[0].minReplicas: Invalid value: -1: worker group workergroup has negative minReplicas -1"])
    }

    func testS8NegativeMaxReplicasAlsoFailsS9() {
        assertErrors(RC.cluster().with(At.worker(0), "maxReplicas", value: -1), [
            "spec.workerGroupSpecs[0].maxReplicas: Invalid value: -1: worker group workergroup has negative maxReplicas -1",
            "spec.workerGroupSpecs[0].minReplicas: Invalid value: 1: worker group workergroup has minReplicas 1 greater than maxReplicas -1",
        ])
    }

    func testS9MinGreaterThanMax() {
        let object = RC.cluster(workers: [RC.worker("worker-group-3", replicas: 3, min: 5, max: 3)])
        assertErrors(object, ["spec.workerGroupSpecs[0].minReplicas: Invalid value: 5: worker group worker-group-3 has minReplicas 5 greater than maxReplicas 3"])
    }

    func testReplicasBelowMinIsAcceptedAndS6IsCoveredByCRDDefaults() {
        assertValid(RC.cluster(workers: [RC.worker("g", replicas: 1, min: 2, max: 5)]))
        // No minReplicas/maxReplicas: the API server writes 0 and 2147483647, so S6 cannot fire.
        let object = RC.cluster().with(At.worker(0), "minReplicas", value: nil).with(At.worker(0), "maxReplicas", value: nil)
        assertValid(object)
        assertValid(RC.cluster().with(At.worker(0), "minReplicas", value: .null))
    }

    // MARK: S13, S14

    func testS13NegativeIdleTimeout() {
        assertErrors(v2.with(At.worker(0), "idleTimeoutSeconds", value: -10),
                     ["spec.workerGroupSpecs[0].idleTimeoutSeconds: Invalid value: -10: worker group workergroup: idleTimeoutSeconds must be non-negative, got -10"])
    }

    func testS14IdleTimeoutWithoutAutoscalerV2() {
        let expected = "spec.workerGroupSpecs[0].idleTimeoutSeconds: Forbidden: worker group workergroup: idleTimeoutSeconds is set, but autoscaler v2 is not enabled. Please set .spec.autoscalerOptions.version to 'v2' (or set RAY_enable_autoscaler_v2 environment variable to 'true' in the head pod if using KubeRay < 1.4.0)"
        assertErrors(RC.cluster().with(At.worker(0), "idleTimeoutSeconds", value: 60), [expected])
        let notTrue = RC.cluster()
            .with("spec", "enableInTreeAutoscaling", true)
            .with(At.headContainer, "env", value: [RC.env("RAY_enable_autoscaler_v2", "false")])
            .with(At.worker(0), "idleTimeoutSeconds", value: 60)
        assertErrors(notTrue, [expected])
    }

    func testIdleTimeoutWithAutoscalerV2IsAccepted() {
        assertValid(v2.with(At.worker(0), "idleTimeoutSeconds", value: 60))
        assertValid(v2.with(At.worker(0), "idleTimeoutSeconds", value: 0))
        let viaEnv = RC.cluster()
            .with("spec", "enableInTreeAutoscaling", true)
            .with(At.headContainer, "env", value: [RC.env("RAY_enable_autoscaler_v2", "true")])
            .with(At.worker(0), "idleTimeoutSeconds", value: 60)
        assertValid(viaEnv)
    }

    // MARK: S15–S18

    func testS15PriorityWithoutRayVersion() {
        assertErrors(v2.with("spec", "rayVersion", nil).with(At.worker(0), "priority", value: 1),
                     ["spec.rayVersion: Required value: worker group workergroup: priority is set, but RayVersion was not specified. Ray version 2.56.0 or later is required"])
    }

    func testS16PriorityWithUnparsableRayVersion() {
        assertErrors(v2.with("spec", "rayVersion", "invalid").with(At.worker(0), "priority", value: 1),
                     ["spec.rayVersion: Invalid value: \"invalid\": worker group workergroup: priority is set, but RayVersion format is invalid: invalid, could not parse \"invalid\" as version"])
    }

    func testS17PriorityWithOldRayVersion() {
        assertErrors(v2.with("spec", "rayVersion", "2.55.0").with(At.worker(0), "priority", value: 1),
                     ["spec.rayVersion: Invalid value: \"2.55.0\": worker group workergroup: priority is set, but minimum Ray version is 2.56.0, got 2.55.0"])
    }

    func testS18PriorityWithoutAutoscalerV2() {
        assertErrors(RC.cluster().with("spec", "rayVersion", "2.56.0").with(At.worker(0), "priority", value: 2),
                     ["spec.workerGroupSpecs[0].priority: Forbidden: worker group workergroup: priority is set to 2, but autoscaler v2 is not enabled. Priority is only supported with autoscaler v2 enabled"])
    }

    func testPriorityAcceptedCases() {
        assertValid(v2.with("spec", "rayVersion", "2.56.0").with(At.worker(0), "priority", value: 1))
        assertValid(v2.with("spec", "rayVersion", "3.0.0").with(At.worker(0), "priority", value: 1))
        assertValid(RC.cluster().with("spec", "rayVersion", "").with(At.worker(0), "priority", value: 0))
    }
}
