import XCTest
@testable import Admission
@testable import Conversion
import JSON
import RayAPI

/// The original operator's three samples.
final class SeedSampleConversionTests: XCTestCase {
    func testSamplesRoundTripExactlyThroughV1() {
        for sample in SeedSamples.all {
            let alpha = Fixture.object(sample.yaml)
            XCTAssertEqual(alpha.string("apiVersion"), RayAPIGroup.v1alpha1, sample.name)
            assertRoundTrip(alpha, via: RayAPIGroup.v1)
        }
    }

    func testSamplesBecomeRecognisableV1Objects() throws {
        for sample in SeedSamples.all {
            let alpha = Fixture.object(sample.yaml)
            let v1 = try RayClusterConverter.convert(alpha, to: RayAPIGroup.v1)
            XCTAssertEqual(v1.string("apiVersion"), "ray.io/v1")
            XCTAssertEqual(v1["metadata"]?["name"], "raycluster-sample")
            XCTAssertEqual(v1["metadata"]?["labels"], ["controller-tools.k8s.io": "1.0"])
            let spec = try XCTUnwrap(v1["spec"])
            // Only the v1 API's fields: the rest is in the annotation.
            XCTAssertEqual(spec.objectValue?.keys, ["headGroupSpec", "workerGroupSpecs"], sample.name)
            let head = try XCTUnwrap(spec["headGroupSpec"])
            XCTAssertEqual(head["rayStartParams"], .object(JSONObject()))
            let headContainer = try XCTUnwrap(head["template"]?["spec"]?["containers"]?[0])
            XCTAssertEqual(headContainer["name"], "head")
            XCTAssertEqual(headContainer["image"], "rayproject/autoscaler")
            XCTAssertEqual(headContainer["imagePullPolicy"], "Always")
            XCTAssertEqual(headContainer["command"], ["/bin/bash", "-c", "--"])
            XCTAssertEqual(headContainer["args"], .array([.string(SeedSamples.headCommand)]))
            XCTAssertNotNil(headContainer["resources"]?["limits"]?["cpu"])
            let workers = try XCTUnwrap(spec["workerGroupSpecs"]?.arrayValue)
            XCTAssertEqual(workers.first?["groupName"], "small-group")
            for worker in workers {
                XCTAssertEqual(worker["replicas"], 1)
                XCTAssertEqual(worker["minReplicas"], 0)
                XCTAssertEqual(worker["maxReplicas"], 2_147_483_647)
                let container = try XCTUnwrap(worker["template"]?["spec"]?["containers"]?[0])
                XCTAssertEqual(container["name"], "worker")
                XCTAssertEqual(container["args"], .array([.string(SeedSamples.workerCommand)]))
                XCTAssertEqual(worker["template"]?["metadata"]?["labels"]?["raycluster.group.name"], worker["groupName"])
            }
            // The head group's name and headServiceSuffix have no v1 field: they travel.
            let data = try XCTUnwrap(annotation(v1)?.stringValue)
            XCTAssertTrue(data.contains("ray-operator.svc"), sample.name)
            XCTAssertEqual(RayClusterConversion.headGroupName(of: v1), sample.name == "complete" ? "headgroup" : "head-group")
        }
    }

    func testCompleteSampleCarriesPodLevelFields() throws {
        let v1 = try RayClusterConverter.convert(Fixture.object(SeedSamples.complete), to: RayAPIGroup.v1)
        let head = try XCTUnwrap(v1["spec"]?["headGroupSpec"]?["template"])
        XCTAssertEqual(head["metadata"]?["annotations"], ["key": "value"])
        XCTAssertNotNil(head["spec"]?["affinity"]?["nodeAffinity"])
        XCTAssertEqual(head["spec"]?["tolerations"]?[0]?["effect"], "NoSchedule")
        XCTAssertEqual(head["spec"]?["volumes"]?[0]?["name"], "log-volume")
        XCTAssertEqual(head["spec"]?["containers"]?[0]?["volumeMounts"]?[0]?["mountPath"], "/path/to/log")
        XCTAssertEqual(head["spec"]?["containers"]?[0]?["env"]?[0]?["name"], "APPNAME")
    }

    func testConvertedSamplesPassTheValidatingWebhook() throws {
        for sample in SeedSamples.all {
            let v1 = try RayClusterConverter.convert(Fixture.object(sample.yaml), to: RayAPIGroup.v1)
            let outcome = RayClusterValidator.validate(v1)
            XCTAssertTrue(outcome.isValid, "\(sample.name): \(outcome.errors.map(\.message))")
        }
    }

    /// Stored v1 objects come back from the API server with the CRD defaults applied; reading them
    /// as v1alpha1 must still give the sample exactly, with no annotation.
    func testSamplesReadBackAfterAPIServerDefaultingCarryNoAnnotation() throws {
        for sample in SeedSamples.all {
            let alpha = Fixture.object(sample.yaml)
            var v1 = try RayClusterConverter.convert(alpha, to: RayAPIGroup.v1)
            v1 = applyingV1CRDDefaults(v1)
            let back = try RayClusterConverter.convert(v1, to: RayAPIGroup.v1alpha1)
            XCTAssertNil(annotation(back), sample.name)
            XCTAssertEqual(back, alpha, sample.name)
        }
    }

    /// The worker-group defaults of the v1 CRD schema (CRDSchemaV1.swift), as the API server applies them.
    func applyingV1CRDDefaults(_ object: JSONValue) -> JSONValue {
        var object = object
        guard var spec = object["spec"], case .array(var workers)? = spec["workerGroupSpecs"] else { return object }
        for i in workers.indices {
            for (key, value) in [("replicas", JSONValue.integer(0)), ("minReplicas", 0), ("maxReplicas", 2_147_483_647), ("priority", 0), ("numOfHosts", 1)]
            where workers[i][key] == nil {
                workers[i][key] = value
            }
        }
        spec["workerGroupSpecs"] = .array(workers)
        object["spec"] = spec
        return object
    }
}
