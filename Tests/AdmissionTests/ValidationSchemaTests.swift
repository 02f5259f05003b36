import XCTest
import JSON
import RayAPI
@testable import Admission
@testable import Conversion

/// What the CRD schema would reject before the webhook (wrong JSON types, enums, CEL, int32),
/// which only an offline run ever sees: reported, never ignored.
final class ValidationSchemaTests: XCTestCase {
    func typeError(_ path: String, _ expected: String, _ found: String) -> String {
        "\(path): Invalid value: \"\(found)\": \(path) in body must be of type \(expected): \"\(found)\""
    }

    func testWrongTypesOnWorkerFields() {
        assertErrors(RC.cluster().with(At.worker(0), "minReplicas", value: "1"),
                     [typeError("spec.workerGroupSpecs[0].minReplicas", "integer", "string")])
        assertErrors(RC.cluster().with(At.worker(0), "replicas", value: .number("1.5")),
                     [typeError("spec.workerGroupSpecs[0].replicas", "integer", "number")])
        assertErrors(RC.cluster().with(At.worker(0), "groupName", value: 7),
                     [typeError("spec.workerGroupSpecs[0].groupName", "string", "integer")])
        assertErrors(RC.cluster().with(At.worker(0), "suspend", value: "true"),
                     [typeError("spec.workerGroupSpecs[0].suspend", "boolean", "string")])
    }

    func testIntegralNumberLiteralIsAnInteger() {
        assertValid(RC.cluster().with(At.worker(0), "minReplicas", value: .number("1.0")))
    }

    func testInt32Range() {
        assertErrors(RC.cluster().with(At.worker(0), "maxReplicas", value: 3_000_000_000),
                     ["spec.workerGroupSpecs[0].maxReplicas: Invalid value: 3000000000: spec.workerGroupSpecs[0].maxReplicas in body must be a 32-bit integer (between -2147483648 and 2147483647)"])
    }

    func testWrongTypesOnSpecAndMaps() {
        assertErrors(RC.cluster().with("spec", "workerGroupSpecs", [:]), [typeError("spec.workerGroupSpecs", "array", "object")])
        assertErrors(RC.cluster().with("spec", "enableInTreeAutoscaling", "true"), [typeError("spec.enableInTreeAutoscaling", "boolean", "string")])
        assertErrors(RC.cluster().with(At.head, "rayStartParams", value: ["num-cpus": 1]),
                     [typeError("spec.headGroupSpec.rayStartParams[num-cpus]", "string", "integer")])
        assertErrors(RC.cluster().with("metadata", "annotations", ["a": true]), [typeError("metadata.annotations[a]", "string", "boolean")])
        assertErrors(RC.cluster().with("spec", "rayVersion", 2), [typeError("spec.rayVersion", "string", "integer")])
    }

    func testWrongTypesInsidePodTemplate() {
        assertErrors(RC.cluster().with(At.head + ["template", "spec", "containers"], value: "ray-head"),
                     [typeError("spec.headGroupSpec.template.spec.containers", "array", "string"),
                      "spec.headGroupSpec.template.spec.containers: Required value: headGroupSpec should have at least one container"])
        assertErrors(RC.cluster().with(At.headContainer, "env", value: ["FOO"]),
                     [typeError("spec.headGroupSpec.template.spec.containers[0].env[0]", "object", "string")])
        assertErrors(RC.cluster().with(At.headContainer, "env", value: [["name": "A", "value": 1]]),
                     [typeError("spec.headGroupSpec.template.spec.containers[0].env[0].value", "string", "integer")])
    }

    func testSpecThatIsNotAnObject() {
        assertErrors(RC.cluster().with("spec", "x"), [typeError("spec", "object", "string"), "spec.headGroupSpec: Required value"])
    }

    func testExplicitNullIsAbsent() {
        assertValid(RC.cluster().with("spec", "autoscalerOptions", .null).with(At.worker(0), "replicas", value: .null))
    }

    func testEnums() {
        assertErrors(RC.cluster().with("spec", "autoscalerOptions", ["version": "v3"]),
                     [#"spec.autoscalerOptions.version: Unsupported value: "v3": supported values: "v1", "v2""#])
        assertErrors(RC.cluster().with("spec", "autoscalerOptions", ["upscalingMode": "Fast"]),
                     [#"spec.autoscalerOptions.upscalingMode: Unsupported value: "Fast": supported values: "Default", "Aggressive", "Conservative""#])
        assertErrors(RC.cluster().with("spec", "gcsFaultToleranceOptions", ["backend": "etcd"]),
                     [#"spec.gcsFaultToleranceOptions.backend: Unsupported value: "etcd": supported values: "redis", "rocksdb""#])
        assertErrors(RC.cluster().with("spec", "authOptions", ["mode": "password"]),
                     [#"spec.authOptions.mode: Unsupported value: "password": supported values: "disabled", "token""#])
    }

    func testManagedByValue() {
        assertValid(RC.cluster().with("spec", "managedBy", "ray.io/kuberay-operator"))
        assertValid(RC.cluster().with("spec", "managedBy", "kueue.x-k8s.io/multikueue"))
        assertErrors(RC.cluster().with("spec", "managedBy", "controller.com/invalid"),
                     [#"spec.managedBy: Invalid value: "controller.com/invalid": the managedBy field value must be either 'ray.io/kuberay-operator' or 'kueue.x-k8s.io/multikueue'"#])
    }
}
