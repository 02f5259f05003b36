import XCTest
import JSON
import RayAPI
@testable import Admission
@testable import Conversion

final class AdmissionEndpointTests: XCTestCase {
    let gates = FeatureGates()
    let json = "application/json"

    func response(_ reply: WebhookReply, file: StaticString = #filePath, line: UInt = #line) throws -> JSONValue {
        XCTAssertEqual(reply.status, 200, String(decoding: reply.body, as: UTF8.self), file: file, line: line)
        XCTAssertEqual(reply.contentType, "application/json", file: file, line: line)
        let review = try JSONValue.parse(reply.body)
        XCTAssertEqual(review["kind"], "AdmissionReview", file: file, line: line)
        return try XCTUnwrap(review["response"], file: file, line: line)
    }

    func testAnswersInTheVersionReceivedAndEchoesUid() throws {
        // Distinct uids per review, so an answer cannot pass by echoing another review's uid.
        var serial = 0
        for version in AdmissionReviewVersion.allCases {
            for endpoint in [AdmissionEndpoint.validate, AdmissionEndpoint.mutate] {
                serial += 1
                let uid = "uid-\(version.rawValue)-\(serial)"
                let body = AdmissionFixtures.review(version: version.rawValue, uid: uid, object: AdmissionFixtures.complete()).serialized()
                let reply = endpoint(body, json, gates)
                let review = try JSONValue.parse(reply.body)
                XCTAssertEqual(review["apiVersion"], .string(version.rawValue))
                XCTAssertEqual(review["response"]?["uid"], .string(uid))
                XCTAssertEqual(review["response"]?["allowed"], true)
            }
        }
    }

    func testValidAnswerCarriesNoPatchEvenWhenDefaultsApply() throws {
        let body = AdmissionFixtures.review(object: AdmissionFixtures.bare()).serialized()
        let answer = try response(AdmissionEndpoint.validate(body: body, contentType: json, gates: gates))
        XCTAssertNil(answer["patch"])
        XCTAssertNil(answer["patchType"])
    }

    func testDeleteAndConnectAreAllowed() throws {
        let invalid = AdmissionFixtures.complete(name: String(repeating: "x", count: 80))
        for (operation, object, old) in [("DELETE", nil, invalid), ("CONNECT", invalid, nil)] as [(String, JSONValue?, JSONValue?)] {
            for endpoint in [AdmissionEndpoint.validateReview, AdmissionEndpoint.mutateReview] {
                let body = AdmissionFixtures.review(operation: operation, object: object, oldObject: old).serialized()
                let outcome = endpoint(body, json, gates)
                let answer = try response(outcome.reply)
                XCTAssertEqual(answer["allowed"], true, operation)
                XCTAssertNil(answer["patch"], operation)
                XCTAssertNil(answer["status"], operation)
                XCTAssertEqual(outcome.operation?.rawValue, operation)
            }
        }
    }

    func testOtherKindsAreAllowedAndFlagged() throws {
        let pod: JSONValue = ["apiVersion": "v1", "kind": "Pod", "metadata": ["name": .string(String(repeating: "Q", count: 90))]]
        let body = AdmissionFixtures.review(object: pod, kind: ["group": "", "version": "v1", "kind": "Pod"]).serialized()
        for endpoint in [AdmissionEndpoint.validateReview, AdmissionEndpoint.mutateReview] {
            let outcome = endpoint(body, json, gates)
            XCTAssertEqual(try response(outcome.reply)["allowed"], true)
            XCTAssertNil(try response(outcome.reply)["patch"])
            XCTAssertEqual(outcome.unhandledKind, "v1, Kind=Pod")
        }
    }

    func testDryRunChangesNothing() throws {
        for object in [AdmissionFixtures.bare(), AdmissionFixtures.complete(name: String(repeating: "n", count: 60))] {
            for endpoint in [AdmissionEndpoint.validate, AdmissionEndpoint.mutate] {
                let real = endpoint(AdmissionFixtures.review(object: object, dryRun: false).serialized(), json, gates)
                let dry = endpoint(AdmissionFixtures.review(object: object, dryRun: true).serialized(), json, gates)
                XCTAssertEqual(real, dry)
            }
        }
    }

    func testContentTypeOtherThanJSONIs415() throws {
        let body = AdmissionFixtures.review(object: AdmissionFixtures.complete()).serialized()
        for contentType in [nil, "text/plain", "application/x-www-form-urlencoded", "application/jsonx", "application/yaml"] as [String?] {
            for endpoint in [AdmissionEndpoint.validate, AdmissionEndpoint.mutate] {
                let reply = endpoint(body, contentType, gates)
                XCTAssertEqual(reply.status, 415, contentType ?? "nil")
                let status = try JSONValue.parse(reply.body)
                XCTAssertEqual(status["kind"], "Status")
                XCTAssertEqual(status["code"], 415)
                XCTAssertEqual(status["reason"], "UnsupportedMediaType")
                XCTAssertTrue(status["message"]?.stringValue?.contains("application/json") == true)
            }
        }
        for contentType in ["application/json", "application/json; charset=utf-8", "Application/JSON", " application/json ;charset=UTF-8"] {
            XCTAssertEqual(AdmissionEndpoint.validate(body: body, contentType: contentType, gates: gates).status, 200, contentType)
        }
    }

    func testNonReviewBodiesAre400WithAReason() throws {
        let cases: [(String, String)] = [
            ("", "empty"),
            ("{not json", "not valid JSON"),
            (#"{"apiVersion":"v1","kind":"Pod"}"#, "unsupported apiVersion \"v1\""),
            (#"{"apiVersion":"admission.k8s.io/v1","kind":"ConversionReview","request":{}}"#, "unexpected kind"),
            (#"{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview"}"#, "request is missing"),
            (#"{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"kind":{"kind":"RayCluster"},"operation":"CREATE","object":{}}}"#, "uid"),
        ]
        for (body, expected) in cases {
            for endpoint in [AdmissionEndpoint.validateReview, AdmissionEndpoint.mutateReview] {
                let outcome = endpoint(Array(body.utf8), json, gates)
                XCTAssertEqual(outcome.reply.status, 400, body)
                XCTAssertNil(outcome.allowed)
                let status = try JSONValue.parse(outcome.reply.body)
                XCTAssertEqual(status["code"], 400)
                XCTAssertEqual(status["reason"], "BadRequest")
                let message = status["message"]?.stringValue ?? ""
                XCTAssertTrue(message.contains(expected), "\(body): \(message)")
                XCTAssertEqual(outcome.problem, message)
            }
        }
    }

    func testMutatingAnswerCarriesABase64PatchThatApplies() throws {
        for version in AdmissionReviewVersion.allCases {
            let object = AdmissionFixtures.bare(groups: ["a", "b"])
            let body = AdmissionFixtures.review(version: version.rawValue, object: object).serialized()
            let outcome = AdmissionEndpoint.mutateReview(body: body, contentType: json, gates: gates)
            let answer = try response(outcome.reply)
            XCTAssertEqual(answer["allowed"], true)
            XCTAssertEqual(answer["patchType"], "JSONPatch")
            let patchBytes = try XCTUnwrap(Base64.decode(try XCTUnwrap(answer["patch"]?.stringValue)))
            let operations = try JSONPatch.operations(from: JSONValue.parse(patchBytes))
            XCTAssertEqual(operations, RayClusterDefaulter.patch(for: object))
            XCTAssertEqual(outcome.patchOperations, operations.count)
            let patched = try JSONPatch.apply(operations, to: object)
            XCTAssertEqual(patched["spec"]?["rayVersion"], "2.9.0")

            // Sending the defaulted object again gives no patch and no patchType at all.
            let again = try response(AdmissionEndpoint.mutate(
                body: AdmissionFixtures.review(version: version.rawValue, object: patched).serialized(), contentType: json, gates: gates))
            XCTAssertEqual(again.objectValue?.keys, ["uid", "allowed"])
        }
    }

    func testMutatingLeavesStatusWritesAndOtherVersionsAlone() throws {
        let status = AdmissionFixtures.review(operation: "UPDATE", object: AdmissionFixtures.bare(), oldObject: AdmissionFixtures.bare(), subResource: "status")
        XCTAssertNil(try response(AdmissionEndpoint.mutate(body: status.serialized(), contentType: json, gates: gates))["patch"])
        var alpha = AdmissionFixtures.bare()
        alpha["apiVersion"] = "ray.io/v1alpha1"
        let outcome = AdmissionEndpoint.mutateReview(body: AdmissionFixtures.review(object: alpha).serialized(), contentType: json, gates: gates)
        XCTAssertNil(try response(outcome.reply)["patch"])
        XCTAssertEqual(outcome.unhandledKind, "ray.io/v1alpha1, Kind=RayCluster")
    }

    func testRequestsThroughV1alpha1GetTheDeprecationWarning() throws {
        let body = AdmissionFixtures.review(object: AdmissionFixtures.complete(),
                                            requestKind: ["group": "ray.io", "version": "v1alpha1", "kind": "RayCluster"]).serialized()
        let answer = try response(AdmissionEndpoint.validate(body: body, contentType: json, gates: gates))
        let warnings = answer["warnings"]?.arrayValue?.compactMap(\.stringValue) ?? []
        XCTAssertEqual(warnings.first, AdmissionEndpoint.deprecationWarning)
        XCTAssertLessThanOrEqual(AdmissionEndpoint.deprecationWarning.count, 120)
        let plain = try response(AdmissionEndpoint.validate(
            body: AdmissionFixtures.review(object: AdmissionFixtures.complete()).serialized(), contentType: json, gates: gates))
        XCTAssertFalse((plain["warnings"]?.arrayValue ?? []).contains(.string(AdmissionEndpoint.deprecationWarning)))
    }

    /// A denial: HTTP 200, allowed false, the validator's errors as the NewInvalid Status, and its
    /// warnings passed through.
    func testDenialCarriesTheInvalidStatusAndWarnings() throws {
        var object = AdmissionFixtures.complete(name: String(repeating: "a", count: 54))
        var group = object["spec"]?["workerGroupSpecs"]?[0] ?? .null
        group["replicas"] = 50  // above maxReplicas: a warning
        object["spec"]?["workerGroupSpecs"] = [group]
        let verdict = RayClusterValidator.validate(object, gates: gates)
        XCTAssertFalse(verdict.errors.isEmpty, "a 54-character name must be rejected (W1)")
        XCTAssertTrue(verdict.errors.contains { $0.field == "metadata.name" })

        for operation in ["CREATE", "UPDATE"] {
            let body = AdmissionFixtures.review(operation: operation, object: object,
                                                oldObject: operation == "UPDATE" ? AdmissionFixtures.complete(name: String(repeating: "a", count: 54), image: "rayproject/ray:2.45.0") : nil).serialized()
            let reply = AdmissionEndpoint.validate(body: body, contentType: json, gates: gates)
            let answer = try response(reply)
            XCTAssertEqual(answer["allowed"], false)
            XCTAssertNil(answer["patch"])
            XCTAssertEqual(answer["status"], InvalidStatus.status(name: String(repeating: "a", count: 54), errors: verdict.errors))
            XCTAssertEqual(answer["status"]?["code"], 422)
            XCTAssertTrue(answer["status"]?["message"]?.stringValue?.hasPrefix("RayCluster.ray.io \"\(String(repeating: "a", count: 54))\" is invalid: ") == true)
            let warnings = answer["warnings"]?.arrayValue?.compactMap(\.stringValue) ?? []
            XCTAssertEqual(warnings, verdict.warnings)
        }
    }
}

extension AdmissionEndpointTests {
    /// A webhook registered for v1alpha1 too gets the original operator's objects: they are
    /// converted to v1 and judged; the original samples are allowed.
    func testV1alpha1ObjectsAreConvertedAndJudged() throws {
        let alpha = try XCTUnwrap(try Manifest.decode(Array(ManifestFixtures.alphaYAML.utf8), source: "mini.yaml").first)
        let alphaKind: JSONValue = ["group": "ray.io", "version": "v1alpha1", "kind": "RayCluster"]
        let body = AdmissionFixtures.review(object: alpha, kind: alphaKind, requestKind: alphaKind).serialized()
        let outcome = AdmissionEndpoint.validateReview(body: body, contentType: json, gates: gates)
        let answer = try response(outcome.reply)
        XCTAssertEqual(answer["allowed"], true, "\(answer)")
        XCTAssertNil(outcome.unhandledKind)
        XCTAssertEqual(answer["warnings"]?[0], .string(AdmissionEndpoint.deprecationWarning))

        // The same object with a name KubeRay refuses is denied, with v1 field paths.
        var bad = alpha
        bad["metadata"]?["name"] = "Not_A_DNS_Label"
        let denied = try response(AdmissionEndpoint.validate(
            body: AdmissionFixtures.review(object: bad, kind: alphaKind).serialized(), contentType: json, gates: gates))
        XCTAssertEqual(denied["allowed"], false)
        XCTAssertEqual(denied["status"]?["details"]?["causes"]?[0]?["field"], "metadata.name")

        // An unknown version of the kind is let through and flagged.
        var future = alpha
        future["apiVersion"] = "ray.io/v9"
        let unknown = AdmissionEndpoint.validateReview(body: AdmissionFixtures.review(object: future).serialized(), contentType: json, gates: gates)
        XCTAssertEqual(try response(unknown.reply)["allowed"], true)
        XCTAssertEqual(unknown.unhandledKind, "ray.io/v9, Kind=RayCluster")
    }
}
