import XCTest
import Foundation
import RayAPI
@testable import Admission

/// `ray-operator convert` as a user runs it: the built binary as a subprocess, real files.
final class ConvertCommandTests: XCTestCase {
    var directory: URL!

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("convert-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: directory)
    }

    func binary() throws -> URL {
        let bundleDirectory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for candidate in [bundleDirectory, Bundle.main.bundleURL.deletingLastPathComponent(), Bundle(for: Self.self).bundleURL.deletingLastPathComponent()] {
            let url = candidate.appendingPathComponent("ray-operator")
            if FileManager.default.isExecutableFile(atPath: url.path) { return url }
        }
        XCTFail("ray-operator not found next to the test bundle (\(bundleDirectory.path)); build all products first")
        throw CocoaError(.fileNoSuchFile)
    }

    func write(_ name: String, _ text: String) throws -> String {
        let url = directory.appendingPathComponent(name)
        try text.write(to: url, atomically: true, encoding: .utf8)
        return url.path
    }

    struct Run { var status: Int32; var stdout: String; var stderr: String }

    func run(_ arguments: [String], stdin: String = "") throws -> Run {
        let process = Process()
        process.executableURL = try binary()
        process.arguments = arguments
        let input = Pipe(), output = Pipe(), errors = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        input.fileHandleForWriting.write(Data(stdin.utf8))
        try input.fileHandleForWriting.close()
        let out = output.fileHandleForReading.readDataToEndOfFile()
        let err = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Run(status: process.terminationStatus, stdout: String(decoding: out, as: UTF8.self), stderr: String(decoding: err, as: UTF8.self))
    }

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
