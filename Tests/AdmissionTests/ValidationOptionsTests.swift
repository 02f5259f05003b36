import XCTest
import JSON
import RayAPI
@testable import Admission
@testable import Conversion

/// S55–S60 auth, S61–S65 network policy, S66–S67 TLS, U1–U2 upgrade strategy (KubeRay's
/// TestValidateRayClusterSpecRayVersionForAuth, _Auth, TestValidateNetworkPolicy,
/// TestValidateTLSOptions, TestValidateRayClusterUpgradeOptions and the gate tests).
final class ValidationAuthTests: XCTestCase {
    func token(_ version: String?, k8s: Bool = false, secret: String? = nil) -> JSONValue {
        var auth: JSONValue = ["mode": "token"]
        if k8s { auth["enableK8sTokenAuth"] = true }
        if let secret { auth["secretName"] = .string(secret) }
        return RC.cluster().with("spec", "rayVersion", version.map(JSONValue.string)).with("spec", "authOptions", auth)
    }

    func testTokenAuthVersions() {
        assertValid(token("2.52.0"))
        assertValid(token("2.55.0", k8s: true))
        assertValid(token("3.0.0"))
        assertValid(token("3.0.0", k8s: true))
        assertErrors(token("2.52.0", k8s: true),
                     ["spec.rayVersion: Invalid value: \"2.52.0\": authOptions.enableK8sTokenAuth is enabled but minimum Ray version is 2.55.0, got 2.52.0"])
        assertErrors(token("2.50.0"),
                     ["spec.rayVersion: Invalid value: \"2.50.0\": authOptions.mode is 'token' but minimum Ray version is 2.52.0, got 2.50.0"])
        assertErrors(token("invalid-version"),
                     ["spec.rayVersion: Invalid value: \"invalid-version\": authOptions.mode is 'token' but RayVersion format is invalid: invalid-version, could not parse \"invalid-version\" as version"])
        assertErrors(token(""),
                     ["spec.rayVersion: Required value: authOptions.mode is 'token' but RayVersion was not specified. Ray version 2.52.0 or later is required"])
        assertErrors(token(nil),
                     ["spec.rayVersion: Required value: authOptions.mode is 'token' but RayVersion was not specified. Ray version 2.52.0 or later is required"])
    }

    func testS59K8sAuthWithSecretName() {
        assertErrors(token("2.55.0", k8s: true, secret: "s"),
                     ["spec.authOptions.secretName: Forbidden: authOptions.enableK8sTokenAuth is enabled and authOptions.secretName is also set"])
        assertValid(token("2.55.0", secret: "s"))
    }

    func testS60K8sAuthWithoutTokenMode() {
        let object = RC.cluster().with("spec", "authOptions", ["mode": "disabled", "enableK8sTokenAuth": true])
        assertErrors(object, ["spec.authOptions.enableK8sTokenAuth: Forbidden: authOptions.enableK8sTokenAuth is enabled but authOptions.mode not set to 'token'"])
        assertValid(RC.cluster().with("spec", "authOptions", ["mode": "disabled"]))
    }
}

final class ValidationNetworkPolicyTests: XCTestCase {
    let gate = FeatureGates().with(.rayClusterNetworkPolicy, true)
    let rule: JSONValue = [["from": [["podSelector": [:]]]]]

    func policy(_ value: JSONValue, groups: [String] = ["small-group"]) -> JSONValue {
        RC.cluster(workers: groups.map { RC.worker($0) }).with("spec", "networkPolicy", value)
    }

    func testS61GateOff() {
        assertErrors(policy(["mode": "DenyAll"]),
                     ["spec.networkPolicy: Forbidden: spec.networkPolicy requires the RayClusterNetworkPolicy feature gate to be enabled"])
    }

    func testS62S63ModeConflicts() {
        assertErrors(policy(["mode": "DenyAllEgress", "head": ["ingressRules": rule]]), gates: gate,
                     ["spec.networkPolicy.head.ingressRules: Forbidden: networkPolicy.head.ingressRules cannot be set when mode is \"DenyAllEgress\" (ingress is not restricted)"])
        assertErrors(policy(["mode": "DenyAllEgress", "worker": ["ingressRules": rule]]), gates: gate,
                     ["spec.networkPolicy.worker.ingressRules: Forbidden: networkPolicy.worker.ingressRules cannot be set when mode is \"DenyAllEgress\" (ingress is not restricted)"])
        assertErrors(policy(["mode": "DenyAllIngress", "head": ["egressRules": rule]]), gates: gate,
                     ["spec.networkPolicy.head.egressRules: Forbidden: networkPolicy.head.egressRules cannot be set when mode is \"DenyAllIngress\" (egress is not restricted)"])
        assertErrors(policy(["mode": "DenyAllIngress", "worker": ["egressRules": rule]]), gates: gate,
                     ["spec.networkPolicy.worker.egressRules: Forbidden: networkPolicy.worker.egressRules cannot be set when mode is \"DenyAllIngress\" (egress is not restricted)"])
        assertValid(policy(["mode": "DenyAll", "head": ["ingressRules": rule, "egressRules": rule],
                            "worker": ["ingressRules": rule, "egressRules": rule]]), gates: gate)
        // No mode means the CRD default DenyAll.
        assertValid(policy(["head": ["ingressRules": rule, "egressRules": rule]]), gates: gate)
    }

    func testS65WorkerGroupEntries() {
        assertErrors(policy(["mode": "DenyAllEgress", "workerGroups": [["groupName": "small-group", "ingressRules": rule]]]), gates: gate,
                     ["spec.networkPolicy.workerGroups[0].ingressRules: Forbidden: networkPolicy.workerGroups[\"small-group\"].ingressRules cannot be set when mode is \"DenyAllEgress\" (ingress is not restricted)"])
        assertErrors(policy(["mode": "DenyAllIngress", "workerGroups": [["groupName": "small-group", "egressRules": rule]]]), gates: gate,
                     ["spec.networkPolicy.workerGroups[0].egressRules: Forbidden: networkPolicy.workerGroups[\"small-group\"].egressRules cannot be set when mode is \"DenyAllIngress\" (egress is not restricted)"])
        assertErrors(policy(["workerGroups": [["groupName": "samll-group", "ingressRules": rule]]]), gates: gate,
                     ["spec.networkPolicy.workerGroups[0].groupName: Invalid value: \"samll-group\": networkPolicy.workerGroups[\"samll-group\"] does not match any group name in workerGroupSpecs"])
        assertValid(policy(["workerGroups": [["groupName": "small-group", "ingressRules": rule]]]), gates: gate)
    }

    func testS64GroupNameMustBeADNS1123Label() {
        assertErrors(policy(["mode": "DenyAll"], groups: ["GPU-Group"]), gates: gate,
                     ["spec.workerGroupSpecs[0].groupName: Invalid value: \"GPU-Group\": worker group name \"GPU-Group\" must be a valid DNS1123 label when networkPolicy is enabled (it is embedded in the NetworkPolicy name): [\(ValidationMetadataTests.dns1123)]"])
    }

    func testDuplicateWorkerGroupEntries() {
        assertErrors(policy(["workerGroups": [["groupName": "small-group"], ["groupName": "small-group"]]]), gates: gate,
                     ["spec.networkPolicy.workerGroups[1]: Duplicate value: {\"groupName\":\"small-group\"}"])
    }
}

final class ValidationTLSTests: XCTestCase {
    let gate = FeatureGates().with(.rayClusterMTLS, true)
    let suffix = "when tlsOptions is set - the operator manages TLS configuration automatically"

    var tls: JSONValue { RC.cluster().with("spec", "tlsOptions", ["enabled": true]) }

    func testS66GateOff() {
        let expected = ["spec.tlsOptions: Forbidden: spec.tlsOptions requires the RayClusterMTLS feature gate to be enabled"]
        assertErrors(tls, expected)
        assertErrors(RC.cluster().with("spec", "tlsOptions", ["enabled": false]), expected)
    }

    func testTLSAcceptedCases() {
        assertValid(tls, gates: gate)
        assertValid(RC.cluster().with("spec", "tlsOptions", ["enabled": false]), gates: gate)
        assertValid(RC.cluster(), gates: gate)
        assertValid(tls.with(At.headContainer, "volumeMounts", value: [RC.mount("data", "/data")]), gates: gate)
        // Disabled TLS leaves the variables to the user.
        assertValid(RC.cluster().with("spec", "tlsOptions", ["enabled": false])
            .with(At.headContainer, "env", value: [RC.env("RAY_USE_TLS", "1")]), gates: gate)
    }

    func testS67ManagedEnv() {
        assertErrors(tls.with(At.headContainer, "env", value: [RC.env("RAY_USE_TLS", "1")]), gates: gate,
                     ["spec.headGroupSpec.template.spec.containers[0].env[0]: Forbidden: cannot set RAY_USE_TLS environment variable in head Pod \(suffix)"])
        assertErrors(tls.with(At.headContainer, "env", value: [RC.env("A", "1"), RC.env("RAY_TLS_SERVER_CERT", "c")]), gates: gate,
                     ["spec.headGroupSpec.template.spec.containers[0].env[1]: Forbidden: cannot set RAY_TLS_SERVER_CERT environment variable in head Pod \(suffix)"])
        assertErrors(tls.with(At.workerContainer(0), "env", value: [RC.env("RAY_TLS_SERVER_KEY", "k")]), gates: gate,
                     ["spec.workerGroupSpecs[0].template.spec.containers[0].env[0]: Forbidden: cannot set RAY_TLS_SERVER_KEY environment variable in worker group \"workergroup\" \(suffix)"])
        assertErrors(tls.with(At.workerContainer(0), "env", value: [RC.env("RAY_TLS_CA_CERT", "k")]), gates: gate,
                     ["spec.workerGroupSpecs[0].template.spec.containers[0].env[0]: Forbidden: cannot set RAY_TLS_CA_CERT environment variable in worker group \"workergroup\" \(suffix)"])
        assertErrors(tls.with("spec", "autoscalerOptions", ["env": [RC.env("RAY_USE_TLS", "1")]]), gates: gate,
                     ["spec.autoscalerOptions.env[0]: Forbidden: cannot set RAY_USE_TLS environment variable in autoscalerOptions.env when tlsOptions is set - the operator manages TLS configuration for the autoscaler automatically"])
    }

    func testS67ManagedMounts() {
        assertErrors(tls.with(At.headContainer, "volumeMounts", value: [RC.mount("ray-tls", "/x")]), gates: gate,
                     ["spec.headGroupSpec.template.spec.containers[0].volumeMounts[0]: Forbidden: cannot use volume mount named \"ray-tls\" in head Pod \(suffix)"])
        assertErrors(tls.with(At.workerContainer(0), "volumeMounts", value: [RC.mount("ray-tls", "/x")]), gates: gate,
                     ["spec.workerGroupSpecs[0].template.spec.containers[0].volumeMounts[0]: Forbidden: cannot use volume mount named \"ray-tls\" in worker group \"workergroup\" \(suffix)"])
        assertErrors(tls.with(At.headContainer, "volumeMounts", value: [RC.mount("certs", "/etc/ray/tls")]), gates: gate,
                     ["spec.headGroupSpec.template.spec.containers[0].volumeMounts[0]: Forbidden: cannot use volume mount at path \"/etc/ray/tls\" in head Pod \(suffix)"])
        assertErrors(tls.with("spec", "autoscalerOptions", ["volumeMounts": [RC.mount("ray-tls", "/x")]]), gates: gate,
                     ["spec.autoscalerOptions.volumeMounts[0]: Forbidden: cannot use volume mount named \"ray-tls\" in autoscalerOptions.volumeMounts \(suffix)"])
        assertErrors(tls.with("spec", "autoscalerOptions", ["volumeMounts": [RC.mount("certs", "/etc/ray/tls")]]), gates: gate,
                     ["spec.autoscalerOptions.volumeMounts[0]: Forbidden: cannot use volume mount at path \"/etc/ray/tls\" in autoscalerOptions.volumeMounts \(suffix)"])
    }
}

final class ValidationUpgradeStrategyTests: XCTestCase {
    func strategy(_ type: String) -> JSONValue {
        RC.cluster().with("spec", "upgradeStrategy", ["type": .string(type)])
    }

    func testAcceptedStrategies() {
        assertValid(strategy("None"))
        assertValid(strategy("Recreate"))
        assertValid(RC.cluster().with("spec", "upgradeStrategy", [:]))
    }

    func testU1UnknownType() {
        assertErrors(strategy("InvalidStrategy"),
                     ["spec.upgradeStrategy.type: Invalid value: \"InvalidStrategy\": Spec.UpgradeStrategy.Type value InvalidStrategy is invalid, valid options are Recreate or None"])
    }

    func testU2CreatedByAnotherResource() {
        for origin in ["RayJob", "RayService"] {
            let object = strategy("Recreate").with(["metadata", "labels", "ray.io/originated-from-crd"], value: .string(origin))
            assertErrors(object, ["spec.upgradeStrategy.type: Forbidden: upgradeStrategy cannot be set when RayCluster is created by \(origin)"])
        }
        assertValid(RC.cluster().with(["metadata", "labels", "ray.io/originated-from-crd"], value: "RayJob"))
    }
}

/// ST1 (KubeRay's TestValidateRayClusterStatus).
final class ValidationStatusTests: XCTestCase {
    func conditions(suspending: String, suspended: String) -> JSONValue {
        RC.cluster().with("status", ["conditions": [
            ["type": "RayClusterSuspending", "status": .string(suspending)],
            ["type": "RayClusterSuspended", "status": .string(suspended)],
        ]])
    }

    func testSuspendingAndSuspendedBothTrue() {
        assertErrors(conditions(suspending: "True", suspended: "True"),
                     ["status.conditions: Forbidden: invalid RayCluster State: rayv1.RayClusterSuspending and rayv1.RayClusterSuspended conditions should not be both true"])
        assertValid(conditions(suspending: "True", suspended: "False"))
        assertValid(conditions(suspending: "False", suspended: "True"))
        assertValid(conditions(suspending: "False", suspended: "False"))
    }
}
