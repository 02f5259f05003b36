import XCTest
import TestSupport
import Foundation
import JSON
import RayAPI
@testable import Admission
@testable import Conversion

/// `ray-operator convert` as a user runs it: the built binary as a subprocess, real files.
final class ConvertCommandTests: CLITestCase {

    static let configMap = """
    apiVersion: v1
    kind: ConfigMap
    metadata:
      name: ray-example
    data:
      detached_actor.py: |
        print("hi")
    """

    func documents(_ text: String) throws -> [JSONValue] {
        try Manifest.decode(Array(text.utf8), source: "output")
    }

    func testMultiDocumentFileRoundTripsAndPassesOtherKinds() throws {
        let input = KubeRayManifests.autoscaler + "\n---\n" + Self.configMap + "\n---\n" + SeedSamples.complete
        let path = try write("in.yaml", input)
        let alpha = try run(["convert", "-f", path, "--output-version", "ray.io/v1alpha1"])
        XCTAssertEqual(alpha.status, 0, alpha.stderr)
        XCTAssertTrue(alpha.stdout.contains("\n---\n"), "documents separated by ---")
        let alphaDocs = try documents(alpha.stdout)
        XCTAssertEqual(alphaDocs.map { $0.string("apiVersion") }, ["ray.io/v1alpha1", "v1", "ray.io/v1alpha1"])
        XCTAssertEqual(alphaDocs[1], try documents(Self.configMap + "\n")[0], "other kinds pass through unchanged")

        // Back to v1 through stdin: the very objects we started from.
        let back = try run(["convert", "-f", "-", "--output-version", "ray.io/v1"], stdin: alpha.stdout)
        XCTAssertEqual(back.status, 0, back.stderr)
        let backDocs = try documents(back.stdout)
        let originals = try documents(input)
        XCTAssertEqual(backDocs.count, 3)
        XCTAssertEqual(backDocs[0], originals[0])
        XCTAssertEqual(backDocs[0].jsonString, originals[0].jsonString)
        XCTAssertEqual(backDocs[2].string("apiVersion"), "ray.io/v1")
        // And the v1alpha1 sample back from v1 is the sample.
        let again = try run(["convert", "-f", "-", "--output-version", "ray.io/v1alpha1", "-o", "json"], stdin: back.stdout)
        XCTAssertEqual(again.status, 0, again.stderr)
        let list = try JSONValue.parse(again.stdout)
        XCTAssertEqual(list["kind"], "List")
        XCTAssertEqual(list["items"]?[2], originals[2])
    }

    func testJSONOutputOfOneObject() throws {
        let path = try write("mini.yaml", SeedSamples.mini)
        let result = try run(["convert", "--filename", path, "--output-version", "ray.io/v1", "-o", "json"])
        XCTAssertEqual(result.status, 0, result.stderr)
        let object = try JSONValue.parse(result.stdout)
        XCTAssertEqual(object["apiVersion"], "ray.io/v1")
        XCTAssertEqual(object["spec"]?["headGroupSpec"]?["template"]?["spec"]?["containers"]?[0]?["name"], "head")
        XCTAssertEqual(object, try RayClusterConverter.convert(Fixture.object(SeedSamples.mini), to: "ray.io/v1"),
                       "exactly the webhook's conversion")
    }

    func testBadInputExits2() throws {
        let broken = try write("broken.yaml", "apiVersion: ray.io/v1\nkind: RayCluster\nspec: [unclosed\n")
        let result = try run(["convert", "-f", broken, "--output-version", "ray.io/v1alpha1"])
        XCTAssertEqual(result.status, 2)
        XCTAssertTrue(result.stderr.contains("broken.yaml"), result.stderr)
        XCTAssertEqual(result.stdout, "")

        let missing = try run(["convert", "-f", directory.appendingPathComponent("nope.yaml").path, "--output-version", "ray.io/v1"])
        XCTAssertEqual(missing.status, 2)

        let unserved = try run(["convert", "-f", "-", "--output-version", "ray.io/v2"], stdin: SeedSamples.mini)
        XCTAssertEqual(unserved.status, 2)
        XCTAssertTrue(unserved.stderr.contains("ray.io/v2"), unserved.stderr)

        let badVersion = try run(["convert", "-f", "-", "--output-version", "ray.io/v1"], stdin: "apiVersion: ray.io/v9\nkind: RayCluster\nmetadata: {name: x, namespace: team-b}\n")
        XCTAssertEqual(badVersion.status, 2)
        XCTAssertTrue(badVersion.stderr.contains("RayCluster team-b/x"), badVersion.stderr)

        let noFile = try run(["convert", "--output-version", "ray.io/v1"])
        XCTAssertEqual(noFile.status, 2)
        let badFormat = try run(["convert", "-f", "-", "--output-version", "ray.io/v1", "-o", "xml"], stdin: SeedSamples.mini)
        XCTAssertEqual(badFormat.status, 2)
    }
}
