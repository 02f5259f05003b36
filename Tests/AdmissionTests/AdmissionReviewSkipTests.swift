import XCTest
import Foundation
import JSON
import RayAPI
@testable import Admission
@testable import Conversion

/// `AdmissionReview.parse` leaves the members nobody reads (userInfo, options, managedFields, the
/// last-applied annotation) out of the objects: the answers must be exactly those of the full parse.
final class AdmissionReviewSkipTests: XCTestCase {
    let gates = FeatureGates()
    static let lastApplied = "kubectl.kubernetes.io/last-applied-configuration"

    /// `object` as the apiserver sends it after `kubectl apply` and a few controllers: the
    /// last-applied annotation (when given), other annotations, and `managers` managedFields entries.
    static func asStored(_ object: JSONValue, lastApplied: JSONValue? = nil, managers: Int = 12) -> JSONValue {
        var object = object
        var metadata = object["metadata"]?.objectValue ?? JSONObject()
        var annotations = metadata["annotations"]?.objectValue ?? JSONObject()
        annotations["note"] = "kept \"as is\" é"
        if let lastApplied { annotations[AdmissionReviewSkipTests.lastApplied] = lastApplied }
        metadata["annotations"] = .object(annotations)
        metadata["uid"] = "2c7e6c8e-5b1a-4d8e-9d55-0f4a8c1e9b21"
        metadata["resourceVersion"] = .string(String(managers &* 1000))
        metadata["generation"] = .integer(Int64(managers))
        metadata["creationTimestamp"] = "2026-11-27T04:00:00Z"
        metadata["managedFields"] = .array((0..<managers).map { n in
            [
                "manager": .string("manager-\(n) ✓"), "operation": n % 2 == 0 ? "Apply" : "Update", "apiVersion": "ray.io/v1",
                "time": "2026-11-27T04:00:00Z", "fieldsType": "FieldsV1",
                "fieldsV1": [
                    "f:metadata": ["f:annotations": [".": [:], "f:note": [:]], "f:labels": ["f:team\"x\\y": [:]]],
                    "f:spec": [".": [:], "f:headGroupSpec": ["f:template": ["f:spec": ["f:containers": ["k:{\"name\":\"ray-head\"}": [".": [:], "f:image": [:]]]]]],
                               "f:workerGroupSpecs": [:], "f:rayVersion": [:]],
                ],
            ]
        })
        object["metadata"] = .object(metadata)
        return object
    }

    /// `asStored` with kubectl's annotation: the object itself as a JSON string.
    static func applied(_ object: JSONValue, managers: Int = 12) -> JSONValue {
        asStored(object, lastApplied: .string(object.jsonString + "\n"), managers: managers)
    }

    static func body(_ review: JSONValue) -> [UInt8] { review.serialized() }

    /// The same review with a duplicate key in `request` (the same `uid` again): `parse` then reads
    /// it in full, which makes it the reference the skipping answers are compared with.
    static func fullParseBody(_ review: JSONValue) -> [UInt8] {
        let text = review.jsonString
        guard let uid = review["request"]?["uid"]?.stringValue, let range = text.range(of: #""request":{"#) else { return [] }
        return Array(text.replacingCharacters(in: range, with: #""request":{"uid":"# + JSONValue.string(uid).jsonString + ",").utf8)
    }

    /// The objects of config/samples (v1 and v1alpha1 as they are), and invalid variants.
    func sampleObjects() throws -> [(String, JSONValue)] {
        let directory = DefaultingSamplesTests.samplesDirectory
        var objects: [(String, JSONValue)] = []
        for name in try FileManager.default.contentsOfDirectory(atPath: directory.path).filter({ $0.hasSuffix(".yaml") }).sorted() {
            let bytes = Array(try Data(contentsOf: directory.appendingPathComponent(name)))
            for document in try Manifest.decode(bytes, source: name) where document["kind"] == "RayCluster" {
                objects.append((name, document))
            }
        }
        var invalid = AdmissionFixtures.complete(name: String(repeating: "n", count: 60))
        if var group = invalid["spec"]?["workerGroupSpecs"]?[0] {
            group["groupName"] = nil
            invalid["spec"]?["workerGroupSpecs"] = [group]
        }
        objects.append(("invalid name and group", invalid))
        var ft = AdmissionFixtures.bare()
        ft["metadata"]?["annotations"] = ["ray.io/ft-enabled": "true"]
        objects.append(("deprecated ft annotation", ft))
        return objects
    }

    /// The endpoint's answers to `review`, and to the same review read in full, are byte-identical.
    func assertSameAnswers(_ review: JSONValue, _ label: String, file: StaticString = #filePath, line: UInt = #line) {
        let skipping = Self.body(review)
        let full = Self.fullParseBody(review)
        // The reference really is a full parse, and the body a skipping one.
        XCTAssertEqual(try AdmissionReview.parse(full).request.object, review["request"]?["object"].flatMap { object -> JSONValue? in object.isNull ? Optional.none : object }, label, file: file, line: line)
        for call in [AdmissionEndpoint.validateReview, AdmissionEndpoint.mutateReview] {
            let a = call(skipping, "application/json", gates)
            let b = call(full, "application/json", gates)
            XCTAssertEqual(a.reply.status, b.reply.status, label, file: file, line: line)
            XCTAssertEqual(String(decoding: a.reply.body, as: UTF8.self), String(decoding: b.reply.body, as: UTF8.self), label, file: file, line: line)
            XCTAssertEqual(a.allowed, b.allowed, label, file: file, line: line)
            XCTAssertEqual(a.patchOperations, b.patchOperations, label, file: file, line: line)
            XCTAssertEqual(a.unhandledKind, b.unhandledKind, label, file: file, line: line)
        }
    }

    // MARK: - Same answers

    func testSamplesGetTheSameVerdictsAndPatches() throws {
        let objects = try sampleObjects()
        XCTAssertGreaterThanOrEqual(objects.count, 10)
        var denied = 0, patched = 0, skipped = 0
        for (name, object) in objects {
            let stored = Self.applied(object, managers: 40)
            var edited = object
            edited["spec"]?["rayVersion"] = "2.9.0"
            let reviews: [(String, JSONValue)] = [
                ("CREATE", AdmissionFixtures.review(object: stored)),
                ("UPDATE", AdmissionFixtures.review(operation: "UPDATE", object: stored, oldObject: Self.applied(edited, managers: 3))),
                ("UPDATE same", AdmissionFixtures.review(operation: "UPDATE", object: stored, oldObject: stored)),
                ("UPDATE, old without annotation", AdmissionFixtures.review(operation: "UPDATE", object: stored, oldObject: Self.asStored(object))),
                ("DELETE", AdmissionFixtures.review(operation: "DELETE", object: nil, oldObject: stored)),
            ]
            for (operation, review) in reviews {
                assertSameAnswers(review, "\(name) \(operation)")
                let outcome = AdmissionEndpoint.validateReview(body: Self.body(review), contentType: "application/json", gates: gates)
                if outcome.allowed == false { denied += 1 }
                if AdmissionEndpoint.mutateReview(body: Self.body(review), contentType: "application/json", gates: gates).patchOperations > 0 { patched += 1 }
                if let parsed = try AdmissionReview.parse(Self.body(review)).request.object, parsed["metadata"]?["managedFields"] == nil { skipped += 1 }
            }
        }
        // The comparisons covered denials, patches, and mostly skipping parses.
        XCTAssertGreaterThan(denied, 2)
        XCTAssertGreaterThan(patched, 2)
        XCTAssertGreaterThan(skipped, objects.count * 2)
    }

    /// The one reader comparing annotations across objects: an UPDATE whose spec is unchanged
    /// counts as status-only unless user metadata changed, and the last-applied annotation is
    /// user metadata. An invalid object (stored before a rule) must stay judged when only that
    /// annotation changed, as the full parse judges it.
    func testUpdateChangingOnlyTheLastAppliedAnnotationIsStillJudged() throws {
        let invalid = AdmissionFixtures.complete(name: String(repeating: "n", count: 60))
        let new = Self.asStored(invalid, lastApplied: "{\"a\":2}")
        let cases: [(String, JSONValue, Bool)] = [
            ("annotation changed", Self.asStored(invalid, lastApplied: "{\"a\":1}"), false),
            ("annotation added", Self.asStored(invalid), false),
            ("annotation the same", Self.asStored(invalid, lastApplied: "{\"a\":2}", managers: 2), true),
        ]
        for (label, old, allowed) in cases {
            let review = AdmissionFixtures.review(operation: "UPDATE", object: new, oldObject: old)
            assertSameAnswers(review, label)
            let outcome = AdmissionEndpoint.validateReview(body: Self.body(review), contentType: "application/json", gates: gates)
            XCTAssertEqual(outcome.allowed, allowed, label)
            XCTAssertEqual(RayClusterValidator.validate(new, oldObject: old, gates: gates).isValid, allowed, label)
        }
    }

    /// A last-applied annotation that is not a string is a schema error for the rules (the
    /// apiserver never sends one): still reported.
    func testNonStringLastAppliedIsStillReported() throws {
        for value: JSONValue in [42, ["x": 1], [1], true] {
            let review = AdmissionFixtures.review(object: Self.asStored(AdmissionFixtures.complete(), lastApplied: value))
            assertSameAnswers(review, "\(value)")
            let outcome = AdmissionEndpoint.validateReview(body: Self.body(review), contentType: "application/json", gates: gates)
            XCTAssertEqual(outcome.allowed, false, "\(value)")
        }
    }

    /// v1alpha1 objects are converted (which reads whole annotation maps): parsed in full.
    func testV1Alpha1ObjectsAreParsedInFull() throws {
        let objects = try sampleObjects().filter { $0.1["apiVersion"] == "ray.io/v1alpha1" }
        XCTAssertGreaterThanOrEqual(objects.count, 1)
        for (name, object) in objects {
            let stored = Self.applied(object)
            let review = AdmissionFixtures.review(object: stored, kind: ["group": "ray.io", "version": "v1alpha1", "kind": "RayCluster"])
            XCTAssertEqual(try AdmissionReview.parse(Self.body(review)).request.object, stored, name)
            assertSameAnswers(review, name)
        }
    }

    // MARK: - What is left out

    func testUnreadMembersAreLeftOutOfV1Objects() throws {
        let object = AdmissionFixtures.complete()
        let stored = Self.applied(object)
        let review = try AdmissionReview.parse(Self.body(AdmissionFixtures.review(operation: "UPDATE", object: stored, oldObject: stored)))
        var expected = stored
        expected["metadata"]?["managedFields"] = nil
        for key in ["uid", "resourceVersion", "generation", "creationTimestamp"] { expected["metadata"]?[key] = nil }
        expected["metadata"]?["annotations"]?[Self.lastApplied] = nil
        XCTAssertEqual(review.request.object, expected)
        XCTAssertEqual(review.request.oldObject, expected)
        XCTAssertEqual(review.request.object?["metadata"]?["annotations"]?["note"], "kept \"as is\" é")
        // Asked for, the full parse keeps everything.
        let full = try AdmissionReview.parse(Self.body(AdmissionFixtures.review(operation: "UPDATE", object: stored, oldObject: stored)), skippingUnreadMembers: false)
        XCTAssertEqual(full.request.object, stored)
        // Duplicate keys anywhere: read in full.
        let duplicated = try AdmissionReview.parse(Self.fullParseBody(AdmissionFixtures.review(object: stored)))
        XCTAssertEqual(duplicated.request.object, stored)
    }

    // MARK: - Bad bytes in skipped members

    /// Invalid JSON inside a skipped member is a 400, with the message of the full parse.
    func testBadBytesInsideSkippedMembersAre400AsBefore() throws {
        let stored = Self.applied(AdmissionFixtures.complete())
        let good = Self.body(AdmissionFixtures.review(object: stored))
        let text = String(decoding: good, as: UTF8.self)
        func replacing(_ needle: String, _ bytes: [UInt8]) -> [UInt8] {
            guard let range = text.range(of: needle) else { XCTFail("no \(needle)"); return [] }
            return Array(text[..<range.lowerBound].utf8) + bytes + Array(text[range.upperBound...].utf8)
        }
        let bad: [(String, [UInt8])] = [
            ("control byte in managedFields", replacing("manager-3", Array("manager".utf8) + [0x01])),
            ("invalid UTF-8 in managedFields", replacing("manager-5 ✓", [0xE2, 0x9C])),
            ("bad number in managedFields", replacing(#""fieldsType":"FieldsV1""#, Array(#""fieldsType":01"#.utf8))),
            ("missing comma in managedFields", replacing(#"{".":{},"f:note":{}}"#, Array(#"{".":{} "f:note":{}}"#.utf8))),
            ("invalid escape in last-applied", replacing(#"{\"apiVersion"#, Array(#"{\x"apiVersion"#.utf8))),
            ("lone surrogate in userInfo", replacing(#""admin""#, Array(#""\ud800admin""#.utf8))),
            ("unterminated options", replacing(#""meta.k8s.io/v1"}}}"#, Array(#""meta.k8s.io/v1"#.utf8))),
        ]
        for (label, body) in bad {
            let fullError: JSONParseError
            do {
                _ = try JSONValue.parse(body, limits: AdmissionReview.parseLimits)
                XCTFail("\(label): accepted"); continue
            } catch {
                fullError = error
            }
            let outcome = AdmissionEndpoint.validateReview(body: body, contentType: "application/json", gates: gates)
            XCTAssertEqual(outcome.reply.status, 400, label)
            XCTAssertEqual(outcome.problem, "request body is not valid JSON: \(fullError)", label)
            XCTAssertThrowsError(try AdmissionReview.parse(body), label) { error in
                XCTAssertEqual((error as? AdmissionReviewError)?.message, "request body is not valid JSON: \(fullError)", label)
            }
        }
        XCTAssertEqual(AdmissionEndpoint.validateReview(body: good, contentType: "application/json", gates: gates).reply.status, 200)
    }
}
