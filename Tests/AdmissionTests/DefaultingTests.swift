import XCTest
import TestSupport
import JSON
import RayAPI
@testable import Admission
@testable import Conversion

final class DefaultingTests: XCTestCase {
    func testBareObjectGetsEveryDefault() {
        let object = AdmissionFixtures.bare(groups: ["small-group", "big-group"])
        let patch = RayClusterDefaulter.patch(for: object)
        XCTAssertEqual(patch, [
            JSONPatchOperation(path: "/spec/rayVersion", value: "2.9.0"),
            JSONPatchOperation(path: "/spec/headGroupSpec/rayStartParams", value: [:]),
            JSONPatchOperation(path: "/spec/workerGroupSpecs/0/replicas", value: 0),
            JSONPatchOperation(path: "/spec/workerGroupSpecs/0/minReplicas", value: 0),
            JSONPatchOperation(path: "/spec/workerGroupSpecs/0/maxReplicas", value: 2_147_483_647),
            JSONPatchOperation(path: "/spec/workerGroupSpecs/0/numOfHosts", value: 1),
            JSONPatchOperation(path: "/spec/workerGroupSpecs/0/rayStartParams", value: [:]),
            JSONPatchOperation(path: "/spec/workerGroupSpecs/1/replicas", value: 0),
            JSONPatchOperation(path: "/spec/workerGroupSpecs/1/minReplicas", value: 0),
            JSONPatchOperation(path: "/spec/workerGroupSpecs/1/maxReplicas", value: 2_147_483_647),
            JSONPatchOperation(path: "/spec/workerGroupSpecs/1/numOfHosts", value: 1),
            JSONPatchOperation(path: "/spec/workerGroupSpecs/1/rayStartParams", value: [:]),
        ])
        XCTAssertTrue(patch.allSatisfy { $0.op == "add" })
    }

    func testCompleteSampleNeedsNoDefaults() {
        XCTAssertEqual(RayClusterDefaulter.patch(for: AdmissionFixtures.complete()), [])
    }

    func testDefaultingIsIdempotent() throws {
        let object = AdmissionFixtures.bare(groups: ["a", "b", "c"])
        let once = try JSONPatch.apply(RayClusterDefaulter.patch(for: object), to: object)
        XCTAssertNotEqual(once, object)
        XCTAssertEqual(RayClusterDefaulter.patch(for: once), [])
        XCTAssertEqual(once["spec"]?["workerGroupSpecs"]?[2]?["maxReplicas"], .integer(2_147_483_647))
    }

    func testPresentValuesAreNeverTouchedAndNullCountsAsAbsent() {
        var object = AdmissionFixtures.bare()
        object["spec"]?["rayVersion"] = ""  // present, even if empty: not ours to change
        var group = object["spec"]?["workerGroupSpecs"]?[0] ?? .null
        group["replicas"] = 3
        group["minReplicas"] = .null
        group["maxReplicas"] = -1  // invalid, but the validator says so; defaulting never replaces
        group["numOfHosts"] = 4
        group["rayStartParams"] = ["num-cpus": "1"]
        object["spec"]?["workerGroupSpecs"] = [group]
        XCTAssertEqual(RayClusterDefaulter.patch(for: object), [
            JSONPatchOperation(path: "/spec/headGroupSpec/rayStartParams", value: [:]),
            JSONPatchOperation(path: "/spec/workerGroupSpecs/0/minReplicas", value: 0),
        ])
    }

    func testMissingParentsGetNothing() {
        XCTAssertEqual(RayClusterDefaulter.patch(for: ["apiVersion": "ray.io/v1", "kind": "RayCluster"]), [])
        XCTAssertEqual(RayClusterDefaulter.patch(for: ["spec": "nonsense"]), [])
        XCTAssertEqual(RayClusterDefaulter.patch(for: ["spec": ["workerGroupSpecs": [7, .null, ["groupName": "x", "replicas": 1, "minReplicas": 0, "maxReplicas": 3, "numOfHosts": 1, "rayStartParams": [:]]]]]), [])
        XCTAssertEqual(RayClusterDefaulter.patch(for: .array([])), [])
    }

    func testRayVersionComesOnlyFromPlainRayImages() {
        let cases: [(String, String?)] = [
            ("rayproject/ray:2.9.0", "2.9.0"),
            ("rayproject/ray:2.9.0-py310-gpu", "2.9.0"),
            ("rayproject/ray-ml:2.46.0-py311-cu121", "2.46.0"),
            ("docker.io/rayproject/ray:2.10.0-aarch64", "2.10.0"),
            ("registry.example.com:5000/mirror/ray:2.52.1-extra-py312-cpu", "2.52.1"),
            ("rayproject/ray:latest", nil),
            ("rayproject/ray:nightly", nil),
            ("rayproject/ray:nightly-py310", nil),
            ("rayproject/ray", nil),
            ("rayproject/ray:2.9.0@sha256:0123456789abcdef", nil),
            ("rayproject/ray@sha256:0123456789abcdef", nil),
            ("rayproject/ray:2.9.0rc1", nil),
            ("rayproject/ray:2.9.0.abc123", nil),
            ("rayproject/ray:2.9", nil),
            ("rayproject/ray:02.9.0", nil),
            ("rayproject/ray:2.9.0-custom", nil),
            ("rayproject/ray:2.9.0-", nil),
            ("mycompany/ray-app:2.9.0", nil),
            ("mycompany/trainer:2.9.0", nil),
            ("registry:5000/ray", nil),
        ]
        for (image, expected) in cases {
            XCTAssertEqual(RayImageVersion.rayVersion(ofImage: image), expected, image)
            let patch = RayClusterDefaulter.patch(for: AdmissionFixtures.bare(image: image))
            XCTAssertEqual(patch.first { $0.path == "/spec/rayVersion" }?.value.stringValue, expected, image)
        }
    }

    func testWorkersOnAnotherRayVersionMakeTheVersionAmbiguous() {
        var object = AdmissionFixtures.bare(image: "rayproject/ray:2.9.0", groups: ["a", "b"])
        object["spec"]?["workerGroupSpecs"] = [
            ["groupName": "a", "template": AdmissionFixtures.template("w", image: "rayproject/ray:2.9.0-gpu")],
            ["groupName": "b", "template": AdmissionFixtures.template("w", image: "rayproject/ray:2.10.0")],
        ]
        XCTAssertNil(RayClusterDefaulter.patch(for: object).first { $0.path == "/spec/rayVersion" })
        // A custom worker image says nothing about the version: the head's counts.
        object["spec"]?["workerGroupSpecs"] = [["groupName": "a", "template": AdmissionFixtures.template("w", image: "me/app:7.0.0")]]
        XCTAssertEqual(RayClusterDefaulter.patch(for: object).first?.value, "2.9.0")
    }

    /// The no-remove property over many generated objects: every operation is an `add` whose
    /// parent exists in the object as sent and whose target is absent (or null); applying keeps
    /// every member of the original; a second pass is empty. Python's `jsonpatch` agrees.
    func testGeneratedObjectsPatchesOnlyAddAndApplyEverywhere() throws {
        var random = SeededGenerator(seed: 0x5eed_4a11)
        var cases: [(object: JSONValue, patch: [JSONPatchOperation], patched: JSONValue)] = []
        for _ in 0..<400 {
            let object = GeneratedRayCluster.make(&random)
            let patch = RayClusterDefaulter.patch(for: object)
            for operation in patch {
                XCTAssertEqual(operation.op, "add")
                let tokens = try XCTUnwrap(JSONPointer.tokens(of: operation.path))
                XCTAssertNotNil(JSONPatch.lookup(object, tokens.dropLast()[...]), "parent of \(operation.path)")
                let target = JSONPatch.lookup(object, tokens[...])
                XCTAssertTrue(target == nil || target == .null, "\(operation.path) already set")
            }
            let patched = try JSONPatch.apply(patch, to: object)
            XCTAssertTrue(GeneratedRayCluster.keepsEverything(original: object, patched: patched), "\(object.jsonString)")
            XCTAssertEqual(RayClusterDefaulter.patch(for: patched), [], "not idempotent: \(object.jsonString)")
            cases.append((object, patch, patched))
        }
        XCTAssertGreaterThan(cases.filter { !$0.patch.isEmpty }.count, 100, "the generator should exercise defaults")

        // Python's jsonpatch applies every patch to the object as sent, with the same result.
        let lines = cases.map { #"{"doc":"# + $0.object.jsonString + #","patch":"# + JSONPatch.jsonValue($0.patch).jsonString + "}" }
        let script = """
        import sys, json, jsonpatch
        for line in sys.stdin:
            case = json.loads(line)
            print(json.dumps(jsonpatch.apply_patch(case["doc"], case["patch"]), separators=(",", ":")))
        """
        let output = try runTool("/usr/bin/env", ["python3", "-c", script], input: Array((lines.joined(separator: "\n") + "\n").utf8))
        let results = String(decoding: output, as: UTF8.self).split(separator: "\n")
        XCTAssertEqual(results.count, cases.count)
        for (result, testCase) in zip(results, cases) {
            XCTAssertEqual(try JSONValue.parse(String(result)), testCase.patched)
        }
    }
}

/// A small deterministic PRNG so generated cases reproduce.

/// Random RayCluster-shaped objects: fields present, absent or null at random, unknown fields
/// (with `~` and `/` in their keys), odd types where objects belong.
enum GeneratedRayCluster {
    static let images = ["rayproject/ray:2.9.0", "rayproject/ray:2.46.0-py310-gpu", "rayproject/ray:latest", "me/app:1.0.0", "rayproject/ray-ml:2.10.0"]

    static func make(_ random: inout SeededGenerator) -> JSONValue {
        var root: JSONObject = ["apiVersion": "ray.io/v1", "kind": "RayCluster", "metadata": ["name": "gen", "annotations": ["a/b~c": "x"]]]
        if chance(&random, 1, 20) { return .object(root) }
        var spec = JSONObject()
        maybe(&random, &spec, "rayVersion", .string("2.\(Int.random(in: 0...60, using: &random)).0"))
        maybe(&random, &spec, "x-unknown/field~1", ["nested": [1, 2, 3]])
        let image = images[Int.random(in: 0..<images.count, using: &random)]
        var head: JSONObject = ["template": AdmissionFixtures.template("ray-head", image: image)]
        maybe(&random, &head, "rayStartParams", ["dashboard-host": "0.0.0.0"])
        maybe(&random, &head, "serviceType", "ClusterIP")
        if chance(&random, 1, 15) { spec["headGroupSpec"] = "not-an-object" } else if !chance(&random, 1, 15) { spec["headGroupSpec"] = .object(head) }
        if !chance(&random, 1, 10) {
            var groups: [JSONValue] = []
            for index in 0..<Int.random(in: 0...5, using: &random) {
                if chance(&random, 1, 12) { groups.append(.integer(Int64(index))); continue }
                var group: JSONObject = ["groupName": .string("g\(index)")]
                maybe(&random, &group, "replicas", .integer(Int64.random(in: 0...4, using: &random)))
                maybe(&random, &group, "minReplicas", 0)
                maybe(&random, &group, "maxReplicas", 5)
                maybe(&random, &group, "numOfHosts", 2)
                maybe(&random, &group, "rayStartParams", [:])
                maybe(&random, &group, "weird~/key", true)
                let workerImage = chance(&random, 1, 2) ? image : images[Int.random(in: 0..<images.count, using: &random)]
                group["template"] = AdmissionFixtures.template("ray-worker", image: workerImage)
                groups.append(.object(group))
            }
            spec["workerGroupSpecs"] = .array(groups)
        }
        root["spec"] = .object(spec)
        if chance(&random, 1, 3) { root["status"] = ["state": "ready"] }
        return .object(root)
    }

    static func chance(_ random: inout SeededGenerator, _ numerator: Int, _ denominator: Int) -> Bool {
        Int.random(in: 0..<denominator, using: &random) < numerator
    }

    /// Present (40%), null (20%) or absent (40%).
    static func maybe(_ random: inout SeededGenerator, _ object: inout JSONObject, _ key: String, _ value: JSONValue) {
        switch Int.random(in: 0..<5, using: &random) {
        case 0, 1: object[key] = value
        case 2: object[key] = .null
        default: break
        }
    }

    /// Every member of `original` is in `patched` with the same value (nulls may be filled in).
    static func keepsEverything(original: JSONValue, patched: JSONValue) -> Bool {
        switch (original, patched) {
        case (.null, _): return true
        case (.object(let a), .object(let b)):
            for member in a {
                guard let other = b[member.key], keepsEverything(original: member.value, patched: other) else { return false }
            }
            return true
        case (.array(let a), .array(let b)):
            return a.count == b.count && zip(a, b).allSatisfy { keepsEverything(original: $0, patched: $1) }
        default:
            return original == patched
        }
    }
}

extension DefaultingTests {
    /// `RayImageVersion.maxImageLength` and `maxComponentDigits`.
    func testImageVersionLimits() {
        let longPrefix = String(repeating: "a", count: RayImageVersion.maxImageLength) + "/ray:2.9.0"
        XCTAssertNil(RayImageVersion.rayVersion(ofImage: longPrefix))
        XCTAssertEqual(RayImageVersion.rayVersion(ofImage: "r/ray:123456.0.0"), "123456.0.0")
        XCTAssertNil(RayImageVersion.rayVersion(ofImage: "r/ray:1234567.0.0"))
        XCTAssertNil(RayImageVersion.rayVersion(ofImage: "r/ray:99999999999999999999.0.0"))
    }
}

extension DefaultingTests {
    /// The defaulter writes its constant keys into paths unescaped: they must need no escaping.
    func testDefaultKeysNeedNoPointerEscaping() {
        for key in RayClusterDefaulter.workerGroupDefaults.map(\.key) + ["rayStartParams", "rayVersion", "headGroupSpec", "workerGroupSpecs", "spec"] {
            XCTAssertEqual(JSONPointer.escape(key), key)
        }
    }
}
