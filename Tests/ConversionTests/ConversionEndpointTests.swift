import XCTest
@testable import Admission
@testable import Conversion
import JSON
import RayAPI

/// `/convert` as the API server calls it.
final class ConversionEndpointTests: XCTestCase {
    func review(_ objects: [JSONValue], to version: String, uid: String = "705ab4f5-6393-11e8-b7cc-42010a800002") -> [UInt8] {
        JSONValue.object(JSONObject([
            ("apiVersion", "apiextensions.k8s.io/v1"), ("kind", "ConversionReview"),
            ("request", .object(JSONObject([("uid", .string(uid)), ("desiredAPIVersion", .string(version)), ("objects", .array(objects))]))),
        ])).serialized()
    }

    func namespaced(_ object: JSONValue, _ namespace: String = "ray") -> JSONValue {
        var object = object
        object["metadata"]?["namespace"] = .string(namespace)
        object["metadata"]?["uid"] = "0e7bd8a1-0000-4000-8000-00000000000a"
        object["metadata"]?["resourceVersion"] = "4711"
        object["metadata"]?["creationTimestamp"] = "2026-11-27T04:00:00Z"
        return object
    }

    func testConvertsEveryObjectInOrderAndEchoesTheUID() throws {
        let alpha = namespaced(Fixture.object(SeedSamples.complete))
        let v1 = namespaced(Fixture.object(KubeRayManifests.autoscaler))
        let alreadyAlpha = namespaced(Fixture.object(SeedSamples.mini))
        let reply = ConversionEndpoint.convert(body: review([v1, alpha, alreadyAlpha], to: "ray.io/v1alpha1", uid: "u-1"),
                                               contentType: "application/json")
        XCTAssertEqual(reply.status, 200)
        let body = try JSONValue.parse(reply.body)
        XCTAssertEqual(body["apiVersion"], "apiextensions.k8s.io/v1")
        XCTAssertEqual(body["kind"], "ConversionReview")
        XCTAssertEqual(body["response"]?["uid"], "u-1")
        XCTAssertEqual(body["response"]?["result"]?["status"], "Success")
        let objects = try XCTUnwrap(body["response"]?["convertedObjects"]?.arrayValue)
        XCTAssertEqual(objects.count, 3)
        for object in objects { XCTAssertEqual(object["apiVersion"], "ray.io/v1alpha1") }
        XCTAssertEqual(objects[1], alpha, "already at the desired version: returned as is")
        XCTAssertEqual(objects[2], alreadyAlpha)
        // Metadata other than annotations is untouched.
        var metadata = try XCTUnwrap(objects[0]["metadata"])
        XCTAssertNotNil(metadata["annotations"]?[RayAnnotation.conversionData])
        metadata["annotations"] = nil
        XCTAssertEqual(metadata, v1["metadata"])
        // And it converts back exactly through the endpoint too.
        let back = ConversionEndpoint.convert(body: review([objects[0]], to: "ray.io/v1"), contentType: "application/json")
        let backObjects = try JSONValue.parse(back.body)["response"]?["convertedObjects"]
        XCTAssertEqual(backObjects?[0], v1)
        XCTAssertEqual(backObjects?[0]?.jsonString, v1.jsonString)
    }

    func testFailureIsHTTP200NamingTheObject() throws {
        var broken = namespaced(Fixture.object(KubeRayManifests.minimal), "team-a")
        broken["apiVersion"] = "ray.io/v2"
        let good = namespaced(Fixture.object(KubeRayManifests.minimal))
        let reply = ConversionEndpoint.convert(body: review([good, broken], to: "ray.io/v1alpha1"), contentType: "application/json")
        XCTAssertEqual(reply.status, 200)
        let response = try XCTUnwrap(JSONValue.parse(reply.body)["response"])
        XCTAssertEqual(response["uid"], "705ab4f5-6393-11e8-b7cc-42010a800002")
        XCTAssertEqual(response["result"]?["status"], "Failure")
        let message = try XCTUnwrap(response["result"]?["message"]?.stringValue)
        XCTAssertTrue(message.contains("RayCluster team-a/raycluster-kuberay"), message)
        XCTAssertTrue(message.contains("objects[1]"), message)
        XCTAssertTrue(message.contains("\"ray.io/v2\""), message)
    }

    func testUnservedDesiredVersionFails() throws {
        let reply = ConversionEndpoint.convert(body: review([Fixture.object(KubeRayManifests.minimal)], to: "ray.io/v2"), contentType: "application/json")
        XCTAssertEqual(reply.status, 200)
        let result = try JSONValue.parse(reply.body)["response"]?["result"]
        XCTAssertEqual(result?["status"], "Failure")
        XCTAssertTrue(result?["message"]?.stringValue?.contains("ray.io/v2") ?? false)
    }

    func testEmptyObjectListSucceeds() throws {
        let reply = ConversionEndpoint.convert(body: review([], to: "ray.io/v1"), contentType: "application/json; charset=utf-8")
        XCTAssertEqual(reply.status, 200)
        XCTAssertEqual(try JSONValue.parse(reply.body)["response"]?["convertedObjects"], .array([]))
    }

    func testNotAConversionReviewIs400() {
        let bodies = [
            "not json",
            "[]",
            #"{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"x"}}"#,
            #"{"apiVersion":"apiextensions.k8s.io/v1","kind":"ConversionReview"}"#,
            #"{"apiVersion":"apiextensions.k8s.io/v1","kind":"ConversionReview","request":{"uid":"x","desiredAPIVersion":"ray.io/v1"}}"#,
            #"{"apiVersion":"apiextensions.k8s.io/v1","kind":"ConversionReview","request":{"desiredAPIVersion":"ray.io/v1","objects":[]}}"#,
        ]
        for body in bodies {
            let reply = ConversionEndpoint.convert(body: Array(body.utf8), contentType: "application/json")
            XCTAssertEqual(reply.status, 400, body)
            XCTAssertNotNil(try? JSONValue.parse(reply.body)["message"]?.stringValue, body)
        }
    }

    func testWrongContentTypeIs415() {
        let body = review([], to: "ray.io/v1")
        for contentType in [nil, "text/plain", "application/yaml", "application/jsonx"] as [String?] {
            XCTAssertEqual(ConversionEndpoint.convert(body: body, contentType: contentType).status, 415, contentType ?? "nil")
        }
        XCTAssertEqual(ConversionEndpoint.convert(body: body, contentType: "Application/JSON ; charset=utf-8").status, 200)
    }

    /// The media-type rule every webhook endpoint shares: parameters, case and spaces aside.
    func testMediaTypeRule() {
        for accepted in ["application/json", "APPLICATION/JSON", "\tapplication/json ", "application/json;charset=utf-8",
                         "application/json ; charset=utf-8", "application/json;"] {
            XCTAssertTrue(WebhookMediaType.isJSON(accepted), accepted)
        }
        for refused in [nil, "", ";", "application/jso", "application/jsonx", "application/json-patch+json", "text/json",
                        "application /json", "application/json\u{0}", "äpplication/json", "application/yaml; x=application/json"] as [String?] {
            XCTAssertFalse(WebhookMediaType.isJSON(refused), refused ?? "nil")
        }
    }

    func testLargeReviewConvertsEveryObject() throws {
        let objects = (0..<2000).map { i -> JSONValue in
            var object = Fixture.object(SeedSamples.mini)
            object["metadata"]?["name"] = .string("c-\(i)")
            return object
        }
        let reply = ConversionEndpoint.convert(body: review(objects, to: "ray.io/v1"), contentType: "application/json")
        let converted = try XCTUnwrap(JSONValue.parse(reply.body)["response"]?["convertedObjects"]?.arrayValue)
        XCTAssertEqual(converted.count, 2000)
        XCTAssertEqual(converted[1999]["metadata"]?["name"], "c-1999")
        XCTAssertEqual(converted[1999]["apiVersion"], "ray.io/v1")
    }
}
