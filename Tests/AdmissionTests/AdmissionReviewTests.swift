import XCTest
import JSON
import RayAPI
@testable import Admission
@testable import Conversion

final class AdmissionReviewTests: XCTestCase {
    func testParsesV1AndV1beta1Requests() throws {
        for version in AdmissionReviewVersion.allCases {
            let document = AdmissionFixtures.review(version: version.rawValue, uid: "u-\(version)", operation: "UPDATE",
                                                    object: AdmissionFixtures.complete(), oldObject: AdmissionFixtures.complete(), dryRun: true)
            let review = try AdmissionReview.parse(document.serialized())
            XCTAssertEqual(review.version, version)
            XCTAssertEqual(review.request.uid, "u-\(version)")
            XCTAssertEqual(review.request.operation, .update)
            XCTAssertEqual(review.request.kind, GroupVersionKind(group: "ray.io", version: "v1", kind: "RayCluster"))
            XCTAssertTrue(review.request.kind.isRayCluster)
            XCTAssertEqual(review.request.name, "raycluster-complete")
            XCTAssertEqual(review.request.namespace, "default")
            XCTAssertTrue(review.request.dryRun)
            XCTAssertEqual(review.request.object, AdmissionFixtures.complete())
            XCTAssertEqual(review.request.oldObject, AdmissionFixtures.complete())
        }
    }

    func testDeleteCarriesNullObject() throws {
        let review = try AdmissionReview.parse(AdmissionFixtures.review(operation: "DELETE", object: nil, oldObject: AdmissionFixtures.complete()).serialized())
        XCTAssertEqual(review.request.operation, .delete)
        XCTAssertNil(review.request.object)
        XCTAssertNotNil(review.request.oldObject)
    }

    /// kube-rs's captured Pod CREATE request, trimmed: a real apiserver body.
    func testParsesARealApiserverBody() throws {
        let body = #"""
        {"kind":"AdmissionReview","apiVersion":"admission.k8s.io/v1","request":{"uid":"0df28fbd-5f5f-11e8-bc74-36e6bb280816","kind":{"group":"","version":"v1","kind":"Pod"},"resource":{"group":"","version":"v1","resource":"pods"},"requestKind":{"group":"","version":"v1","kind":"Pod"},"requestResource":{"group":"","version":"v1","resource":"pods"},"namespace":"dmitry","operation":"CREATE","userInfo":{"username":"system:serviceaccount:kube-system:replicaset-controller","uid":"a7e0ab33-5f29-11e8-8a3c-36e6bb280816","groups":["system:serviceaccounts","system:serviceaccounts:kube-system","system:authenticated"]},"object":{"metadata":{"generateName":"nginx-deployment-6c54bd5869-","creationTimestamp":null},"spec":{"containers":[{"name":"nginx","image":"nginx:1.7.9"}]},"status":{}},"oldObject":null,"dryRun":false,"options":{"kind":"CreateOptions","apiVersion":"meta.k8s.io/v1"}}}
        """#
        let review = try AdmissionReview.parse(Array(body.utf8))
        XCTAssertEqual(review.request.kind.description, "v1, Kind=Pod")
        XCTAssertFalse(review.request.kind.isRayCluster)
        XCTAssertEqual(review.request.name, "")
        XCTAssertFalse(review.request.dryRun)
    }

    func testRejectsBodiesThatAreNotReviews() {
        let good = AdmissionFixtures.review(object: AdmissionFixtures.complete())
        func without(_ key: String) -> JSONValue { var r = good; r["request"]?[key] = nil; return r }
        func with(_ key: String, _ value: JSONValue) -> JSONValue { var r = good; r["request"]?[key] = value; return r }
        let cases: [(String, [UInt8], String)] = [
            ("empty", [], "empty"),
            ("bad JSON", Array(#"{"kind":"AdmissionReview","#.utf8), "not valid JSON"),
            ("array", Array("[]".utf8), "got a JSON array"),
            ("wrong apiVersion", { var r = good; r["apiVersion"] = "admission.k8s.io/v2"; return r.serialized() }(), "unsupported apiVersion \"admission.k8s.io/v2\""),
            ("no apiVersion", { var r = good; r["apiVersion"] = nil; return r.serialized() }(), "apiVersion is missing"),
            ("wrong kind", { var r = good; r["kind"] = "ConversionReview"; return r.serialized() }(), "unexpected kind \"ConversionReview\""),
            ("no request", { var r = good; r["request"] = nil; return r.serialized() }(), "request is missing"),
            ("null request", { var r = good; r["request"] = .null; return r.serialized() }(), "request is missing"),
            ("no uid", without("uid").serialized(), "request.uid"),
            ("empty uid", with("uid", "").serialized(), "request.uid"),
            ("no kind", without("kind").serialized(), "request.kind"),
            ("no operation", without("operation").serialized(), "request.operation is missing"),
            ("bad operation", with("operation", "PATCH").serialized(), "\"PATCH\" is not one of"),
            ("create without object", with("object", .null).serialized(), "request.object must be an object for CREATE"),
            ("dryRun not bool", with("dryRun", "yes").serialized(), "dryRun must be a boolean"),
        ]
        for (name, body, expected) in cases {
            XCTAssertThrowsError(try AdmissionReview.parse(body), name) { error in
                let message = (error as? AdmissionReviewError)?.message ?? ""
                XCTAssertTrue(message.contains(expected), "\(name): \(message)")
            }
        }
    }

    func testDeeplyNestedBodyIsRefusedNotCrashed() {
        let depth = 100_000
        let body = Array(String(repeating: "[", count: depth).utf8) + Array(String(repeating: "]", count: depth).utf8)
        XCTAssertThrowsError(try AdmissionReview.parse(body))
    }

    func testResponseShapeFollowsGoFieldOrder() {
        let response = AdmissionResponse(uid: "abc", allowed: true, patch: Array("[]".utf8), warnings: ["w1"])
        XCTAssertEqual(response.review(.v1).jsonString,
                       #"{"kind":"AdmissionReview","apiVersion":"admission.k8s.io/v1","response":{"uid":"abc","allowed":true,"patch":"W10=","patchType":"JSONPatch","warnings":["w1"]}}"#)
        XCTAssertEqual(AdmissionResponse(uid: "x", allowed: true).review(.v1beta1).jsonString,
                       #"{"kind":"AdmissionReview","apiVersion":"admission.k8s.io/v1beta1","response":{"uid":"x","allowed":true}}"#)
    }

    func testInvalidStatusMatchesApimachinery() {
        let one = [FieldError(.invalid, field: "metadata.name", value: "Bad_Name", detail: "RayCluster name should be no more than 53 characters")]
        let status = InvalidStatus.status(name: "Bad_Name", errors: one)
        XCTAssertEqual(status["status"], "Failure")
        XCTAssertEqual(status["code"], 422)
        XCTAssertEqual(status["reason"], "Invalid")
        XCTAssertEqual(status["metadata"], [:])
        XCTAssertEqual(status["details"]?["name"], "Bad_Name")
        XCTAssertEqual(status["details"]?["group"], "ray.io")
        XCTAssertEqual(status["details"]?["kind"], "RayCluster")
        XCTAssertEqual(status["details"]?["causes"], [["reason": "FieldValueInvalid", "message": .string(one[0].body), "field": "metadata.name"]])
        XCTAssertEqual(status["message"], .string("RayCluster.ray.io \"Bad_Name\" is invalid: \(one[0].message)"))
        XCTAssertEqual(status.objectValue?.keys, ["metadata", "status", "message", "reason", "details", "code"])

        let two = one + [FieldError(.required, field: "spec.headGroupSpec", detail: "")]
        XCTAssertEqual(InvalidStatus.message(name: "n", errors: two),
                       "RayCluster.ray.io \"n\" is invalid: [\(two[0].message), \(two[1].message)]")
        // The same message twice is listed once (field.ErrorList.ToAggregate), causes keep both.
        XCTAssertEqual(InvalidStatus.message(name: "n", errors: one + one), "RayCluster.ray.io \"n\" is invalid: \(one[0].message)")
        XCTAssertEqual(InvalidStatus.status(name: "n", errors: one + one)["details"]?["causes"]?.arrayValue?.count, 2)
        // generateName without a name: no details.name, as Go's omitempty.
        XCTAssertNil(InvalidStatus.status(name: "", errors: one)["details"]?["name"])
    }
}

extension AdmissionReviewTests {
    /// `AdmissionReview.parseLimits`: a body past 7 MiB (two 3 MiB objects and the envelope) is refused.
    func testBodyOverTheByteLimitIsRefused() {
        let limit = AdmissionReview.parseLimits.maxBytes
        XCTAssertEqual(limit, 7 << 20)
        let padding = String(repeating: "x", count: limit)
        let body = Array(#"{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","pad":""#.utf8) + Array(padding.utf8) + Array(#""}"#.utf8)
        XCTAssertThrowsError(try AdmissionReview.parse(body)) { error in
            XCTAssertTrue((error as? AdmissionReviewError)?.message.contains("not valid JSON") == true, "\(error)")
        }
        // Just under the depth limit still parses as JSON (and then fails as a review, not as JSON).
        let depth = AdmissionReview.parseLimits.maxDepth - 2
        let nested = #"{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","x":"# + String(repeating: "[", count: depth) + String(repeating: "]", count: depth) + "}"
        XCTAssertThrowsError(try AdmissionReview.parse(Array(nested.utf8))) { error in
            XCTAssertEqual((error as? AdmissionReviewError)?.message.contains("request is missing"), true, "\(error)")
        }
    }
}
