import XCTest
import TestSupport
import Foundation
import JSON
import RayAPI
@testable import Admission
@testable import Conversion

/// `ray-operator validate` as a user runs it: the built binary as a subprocess, real files.
final class ValidateCommandTests: CLITestCase {

    func testValidFileExits0() throws {
        let path = try write("ok.yaml", ManifestFixtures.validYAML + "---\n" + ManifestFixtures.configMapYAML)
        let result = try run(["validate", "-f", path])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(result.stdout.contains("raycluster.ray.io/raycluster-complete valid\n"), result.stdout)
        XCTAssertTrue(result.stdout.contains("configmap/ray-config skipped"), result.stdout)
    }

    func testInvalidObjectExits1WithFieldPaths() throws {
        let good = try write("good.yaml", ManifestFixtures.validYAML)
        let bad = try write("bad.yaml", ManifestFixtures.invalidYAML)
        let result = try run(["validate", "-f", good, "-f", bad])
        XCTAssertEqual(result.status, 1, result.stdout + result.stderr)
        XCTAssertTrue(result.stdout.contains("raycluster.ray.io/raycluster-complete valid"), result.stdout)
        XCTAssertTrue(result.stdout.contains("The RayCluster \"\(ManifestFixtures.invalidName)\" is invalid: "), result.stdout)
        XCTAssertTrue(result.stdout.contains("metadata.name: "), result.stdout)
    }

    func testStdinAndJSONOutput() throws {
        let result = try run(["validate", "-f", "-", "--output", "json"], stdin: ManifestFixtures.invalidYAML)
        XCTAssertEqual(result.status, 1, result.stderr)
        let report = try JSONValue.parse(result.stdout)
        XCTAssertEqual(report["exitCode"], 1)
        XCTAssertEqual(report["results"]?[0]?["source"], "-")
        XCTAssertEqual(report["results"]?[0]?["result"], "invalid")
        let fields = report["results"]?[0]?["errors"]?.arrayValue?.compactMap { $0["field"]?.stringValue } ?? []
        XCTAssertTrue(fields.contains("metadata.name"), "\(fields)")
    }

    func testUnreadableInputAndUsageErrorsExit2() throws {
        let missing = try run(["validate", "-f", directory.appendingPathComponent("nope.yaml").path])
        XCTAssertEqual(missing.status, 2)
        XCTAssertTrue(missing.stderr.contains("nope.yaml"), missing.stderr)
        let broken = try run(["validate", "-f", try write("broken.yaml", "a: [1, 2\nb: }\n")])
        XCTAssertEqual(broken.status, 2, broken.stdout)
        XCTAssertEqual(try run(["validate"]).status, 2)
        XCTAssertEqual(try run(["validate", "-f", try write("x.yaml", ManifestFixtures.validYAML), "--output", "xml"]).status, 2)
        XCTAssertEqual(try run(["validate", "-f", try write("y.yaml", ManifestFixtures.validYAML), "--feature-gates", "NoSuchGate=true"]).status, 2)
    }

    func testBadByteIsReportedAtItsLineAndColumn() throws {
        let path = directory.appendingPathComponent("nul.yaml").path
        let bytes = Array("apiVersion: ray.io/v1\nkind: RayCluster\nmetadata:\n  name: a".utf8) + [0] + Array("b\n".utf8)
        XCTAssertTrue(FileManager.default.createFile(atPath: path, contents: Data(bytes)))
        let result = try run(["validate", "-f", path])
        XCTAssertEqual(result.status, 2, result.stdout)
        XCTAssertTrue(result.stderr.contains("line 4, column 10"), result.stderr)
    }

    func testFeatureGatesReachTheRules() throws {
        // spec.networkPolicy needs the RayClusterNetworkPolicy gate (S61).
        let yaml = ManifestFixtures.validYAML.replacingOccurrences(of: "  rayVersion: '2.46.0'\n", with: "  rayVersion: '2.46.0'\n  networkPolicy:\n    mode: DenyAll\n")
        let path = try write("np.yaml", yaml)
        XCTAssertEqual(try run(["validate", "-f", path]).status, 1)
        XCTAssertEqual(try run(["validate", "-f", path, "--feature-gates", "RayClusterNetworkPolicy=true"]).status, 0)
    }
}

extension ValidateCommandTests {
    func testUnknownOptionIsAUsageErrorExit2() throws {
        let result = try run(["validate", "--no-such-option"])
        XCTAssertEqual(result.status, 2)
        XCTAssertTrue(result.stderr.contains("no-such-option"), result.stderr)
    }
}

extension ValidateCommandTests {
    /// The original operator's samples are converted and allowed.
    func testOriginalOperatorSampleIsConvertedAndValid() throws {
        let result = try run(["validate", "-f", try write("mini.yaml", ManifestFixtures.alphaYAML)])
        XCTAssertEqual(result.status, 0, result.stdout + result.stderr)
        XCTAssertEqual(result.stdout, "raycluster.ray.io/raycluster-sample valid (converted from ray.io/v1alpha1)\n")
    }
}

extension ValidateCommandTests {
    /// `ValidateCommand.maxInputBytes` (64 MiB): a larger input is unreadable (exit 2), not loaded.
    func testInputOverTheSizeLimitExits2() throws {
        let path = directory.appendingPathComponent("huge.yaml").path
        XCTAssertTrue(FileManager.default.createFile(atPath: path, contents: nil))
        let handle = try XCTUnwrap(FileHandle(forWritingAtPath: path))
        let chunk = Data(repeating: UInt8(ascii: "#"), count: 1 << 20)
        for _ in 0..<65 { handle.write(chunk) }
        try handle.close()
        let result = try run(["validate", "-f", path])
        XCTAssertEqual(result.status, 2)
        XCTAssertTrue(result.stderr.contains("larger than 67108864 bytes"), result.stderr)
    }
}
