import XCTest
import Foundation
import JSON
import RayAPI
@testable import Admission
@testable import Conversion

/// Manifests the `validate` tests share.
enum ManifestFixtures {
    static let validYAML = """
        apiVersion: ray.io/v1
        kind: RayCluster
        metadata:
          name: raycluster-complete
        spec:
          rayVersion: '2.46.0'
          headGroupSpec:
            rayStartParams: {}
            template:
              spec:
                containers:
                - name: ray-head
                  image: rayproject/ray:2.46.0
          workerGroupSpecs:
          - groupName: small-group
            replicas: 1
            minReplicas: 1
            maxReplicas: 5
            rayStartParams: {}
            template:
              spec:
                containers:
                - name: ray-worker
                  image: rayproject/ray:2.46.0

        """

    /// The same cluster with a 54-character name (W1) and min > max (S9).
    static let invalidName = String(repeating: "b", count: 54)
    static let invalidYAML = validYAML
        .replacingOccurrences(of: "name: raycluster-complete", with: "name: \(invalidName)")
        .replacingOccurrences(of: "minReplicas: 1", with: "minReplicas: 9")

    static let configMapYAML = """
        apiVersion: v1
        kind: ConfigMap
        metadata:
          name: ray-config
        data:
          key: value

        """

    /// The original Ray operator's `mini` sample.
    static let alphaYAML = """
        apiVersion: ray.io/v1alpha1
        kind: RayCluster
        metadata:
          labels: {controller-tools.k8s.io: "1.0"}
          name: raycluster-sample
        spec:
          clusterName: raycluster-sample
          images: {defaultImage: rayproject/autoscaler}
          imagePullPolicy: "Always"
          extensions:
          - replicas: 1
            type: worker
            groupName: small-group
            labels: {raycluster.group.name: small-group}
            command: "ray start --block --node-ip-address=$MY_POD_IP --address=$CLUSTER_NAME-head:6379 --object-manager-port=12345 --node-manager-port=12346 --object-store-memory=100000000 --num-cpus=1"
            resources:
              limits: {cpu: 1000m, memory: 2Gi, ephemeral-storage: 2Gi}
              requests: {cpu: 1000m, memory: 2Gi, ephemeral-storage: 2Gi}
            headServiceSuffix: "ray-operator.svc"
          - replicas: 1
            type: head
            groupName: head-group
            labels: {raycluster.group.name: head-group}
            command: "ray start --head --block --redis-port=6379 --node-ip-address=$MY_POD_IP --object-manager-port=12345 --node-manager-port=12346 --object-store-memory=100000000 --num-cpus=1"
            resources:
              limits: {cpu: 2000m, memory: 4Gi, ephemeral-storage: 4Gi}
              requests: {cpu: 2000m, memory: 4Gi, ephemeral-storage: 4Gi}
            headServiceSuffix: "ray-operator.svc"

        """

    static func joined(_ documents: String...) -> [UInt8] { Array(documents.joined(separator: "---\n").utf8) }
}

final class ManifestValidationTests: XCTestCase {
    func testMultiDocumentFileIsJudgedPerObject() throws {
        let source = ManifestSource(name: "clusters.yaml", bytes: ManifestFixtures.joined(ManifestFixtures.validYAML, ManifestFixtures.configMapYAML, ManifestFixtures.invalidYAML))
        let report = ManifestValidation.validate([source])
        XCTAssertEqual(report.verdicts.map(\.result), [.valid, .skipped, .invalid])
        XCTAssertEqual(report.verdicts.map(\.document), [1, 2, 3])
        guard report.verdicts.count == 3 else { return }
        XCTAssertEqual(report.verdicts[0].reference, "raycluster.ray.io/raycluster-complete")
        XCTAssertEqual(report.verdicts[1].reference, "configmap/ray-config")
        XCTAssertTrue(report.verdicts[2].errors.contains { $0.field == "metadata.name" })
        XCTAssertEqual(report.exitCode, 1)
    }

    func testJSONInputAndTheValidatorAgree() throws {
        let object = AdmissionFixtures.complete()
        let report = ManifestValidation.validate([ManifestSource(name: "c.json", bytes: object.serialized())])
        XCTAssertEqual(report.verdicts.count, 1)
        let expected = RayClusterValidator.validate(object)
        XCTAssertEqual(report.verdicts[0].errors, expected.errors)
        XCTAssertEqual(report.verdicts[0].warnings, expected.warnings)
        XCTAssertEqual(report.exitCode, expected.isValid ? 0 : 1)
    }

    func testUnreadableSourceIsExit2AndOthersAreStillJudged() {
        let report = ManifestValidation.validate([
            ManifestSource(name: "missing.yaml", content: .failure(ManifestError("missing.yaml: cannot open: No such file or directory"))),
            ManifestSource(name: "c.json", bytes: AdmissionFixtures.complete().serialized()),
        ])
        XCTAssertEqual(report.verdicts.map(\.result).first, .error)
        XCTAssertEqual(report.verdicts.count, 2)
        XCTAssertEqual(report.exitCode, 2)
        XCTAssertTrue(report.text().stderr.contains("error: missing.yaml: cannot open"))
    }

    func testBrokenYAMLAndMissingKindAreExit2() {
        let broken = ManifestValidation.validate([ManifestSource(name: "bad.yaml", bytes: Array("a: [1, 2\nb: }\n".utf8))])
        XCTAssertEqual(broken.exitCode, 2)
        XCTAssertEqual(broken.verdicts.first?.result, .error)
        let noKind = ManifestValidation.validate([ManifestSource(name: "x.json", bytes: Array(#"{"apiVersion":"v1","metadata":{"name":"x"}}"#.utf8))])
        XCTAssertEqual(noKind.exitCode, 2)
        XCTAssertTrue(noKind.verdicts.first?.message?.contains("Object 'Kind' is missing") == true)
        XCTAssertEqual(ManifestValidation.validate([]).exitCode, 2)
        XCTAssertEqual(ManifestValidation.validate([ManifestSource(name: "empty.yaml", bytes: [])]).exitCode, 2)
    }

    func testOtherKindsAloneAreExit0() {
        let report = ManifestValidation.validate([ManifestSource(name: "cm.yaml", bytes: Array(ManifestFixtures.configMapYAML.utf8))])
        XCTAssertEqual(report.verdicts.map(\.result), [.skipped])
        XCTAssertEqual(report.exitCode, 0)
        XCTAssertEqual(report.text().stdout, "configmap/ray-config skipped: not a RayCluster (v1 ConfigMap)\n")
    }

    func testUnknownRayClusterVersionIsInvalid() {
        var object = AdmissionFixtures.complete()
        object["apiVersion"] = "ray.io/v2"
        let verdict = ManifestValidation.judge(object, source: "x", index: 1, gates: FeatureGates())
        XCTAssertEqual(verdict.result, .invalid)
        XCTAssertEqual(verdict.errors.map(\.field), ["apiVersion"])
        XCTAssertEqual(verdict.errors.first?.kind, .notSupported)
    }

    /// v1alpha1 objects are converted and judged as v1; a conversion failure says so.
    func testV1alpha1IsConvertedFirst() throws {
        let alpha = try XCTUnwrap(try Manifest.decode(Array(ManifestFixtures.alphaYAML.utf8), source: "a.yaml").first)
        let verdict = ManifestValidation.judge(alpha, source: "a.yaml", index: 1, gates: FeatureGates())
        XCTAssertEqual(verdict.convertedFrom, "ray.io/v1alpha1")
        do {
            let converted = try RayClusterConverter.convert(alpha, to: "ray.io/v1")
            let expected = RayClusterValidator.validate(converted)
            XCTAssertEqual(verdict.errors, expected.errors)
            XCTAssertEqual(verdict.result, expected.isValid ? .valid : .invalid)
            XCTAssertEqual(verdict.result, .valid, "the original operator's samples must be allowed: \(verdict.errors.map(\.message))")
        } catch {
            XCTAssertEqual(verdict.result, .invalid)
            XCTAssertEqual(verdict.errors.first?.detail, "cannot convert to ray.io/v1: \(error.message)")
        }
    }

    func testTextRenderingIsKubectlStyle() {
        let one = FieldError(.invalid, field: "metadata.name", value: "x", detail: "too long")
        let two = FieldError(.required, field: "spec.headGroupSpec", detail: "")
        let report = ManifestValidationReport(verdicts: [
            ManifestVerdict(source: "f", document: 1, apiVersion: "ray.io/v1", kind: "RayCluster", name: "ok", result: .valid, warnings: ["w1"]),
            ManifestVerdict(source: "f", document: 2, apiVersion: "ray.io/v1", kind: "RayCluster", name: "alpha", result: .valid, convertedFrom: "ray.io/v1alpha1"),
            ManifestVerdict(source: "f", document: 3, apiVersion: "ray.io/v1", kind: "RayCluster", name: "one", result: .invalid, errors: [one]),
            ManifestVerdict(source: "f", document: 4, apiVersion: "ray.io/v1", kind: "RayCluster", name: "two", result: .invalid, errors: [one, two]),
            ManifestVerdict(source: "f", document: 5, apiVersion: "apps/v1", kind: "Deployment", name: "d", result: .skipped, message: "not a RayCluster (apps/v1 Deployment)"),
        ])
        XCTAssertEqual(report.text().stdout, """
            Warning: w1
            raycluster.ray.io/ok valid
            raycluster.ray.io/alpha valid (converted from ray.io/v1alpha1)
            The RayCluster "one" is invalid: \(one.message)
            The RayCluster "two" is invalid: \("")
            * \(one.message)
            * \(two.message)
            deployment.apps/d skipped: not a RayCluster (apps/v1 Deployment)

            """)
        XCTAssertEqual(report.text().stderr, "")
        XCTAssertEqual(report.exitCode, 1)
    }

    func testJSONReportShape() throws {
        let error = FieldError(.invalid, field: "metadata.name", value: "x", detail: "too long")
        let report = ManifestValidationReport(verdicts: [
            ManifestVerdict(source: "f", document: 1, apiVersion: "ray.io/v1", kind: "RayCluster", name: "x", result: .invalid, errors: [error], warnings: ["w"]),
        ])
        let json = try JSONValue.parse(report.json().serialized())
        XCTAssertEqual(json["exitCode"], 1)
        XCTAssertEqual(json["summary"], ["valid": 0, "invalid": 1, "skipped": 0, "error": 0])
        let result = try XCTUnwrap(json["results"]?[0])
        XCTAssertEqual(result["result"], "invalid")
        XCTAssertEqual(result["errors"], [["field": "metadata.name", "reason": "FieldValueInvalid", "message": .string(error.message)]])
        XCTAssertEqual(result["warnings"], ["w"])
        XCTAssertEqual(result["status"], InvalidStatus.status(name: "x", errors: [error]))
    }
}
