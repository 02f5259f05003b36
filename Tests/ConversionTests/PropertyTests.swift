import XCTest
@testable import Admission
@testable import Conversion
import JSON
import RayAPI

/// Randomised round trips over generated objects of both versions (seeded, replayable).
final class PropertyTests: XCTestCase {
    static let cases = 3000

    func check(_ object: JSONValue, via version: String, seed: UInt64) -> Bool {
        guard let original = object.string("apiVersion") else { return false }
        let there: JSONValue
        let back: JSONValue
        do {
            there = try RayClusterConverter.convert(object, to: version)
            back = try RayClusterConverter.convert(there, to: original)
        } catch {
            XCTFail("seed \(seed): \(error)\n\(object.jsonString)")
            return false
        }
        guard back == object else {
            XCTFail("seed \(seed): round trip via \(version) changed the object\n\(object.jsonString)\n→ \(there.jsonString)\n→ \(back.jsonString)")
            return false
        }
        // Bytes too, whenever the order could travel: the data stores it, and our annotation was
        // not there before (re-adding it puts it last).
        if annotation(object) == nil, annotation(there) != nil, back.jsonString != object.jsonString {
            XCTFail("seed \(seed): round trip via \(version) changed the bytes\n\(object.jsonString)\n→ \(back.jsonString)")
            return false
        }
        // The other side is a well-formed object of its version.
        guard there.string("apiVersion") == version, there["kind"] == "RayCluster" else {
            XCTFail("seed \(seed): bad converted header")
            return false
        }
        return true
    }

    func testV1AlphaRoundTripsThroughV1() {
        for seed in 0..<UInt64(Self.cases) {
            var random = RandomObjects(seed: seed)
            let alpha = random.cluster(version: RayAPIGroup.v1alpha1)
            if !check(alpha, via: RayAPIGroup.v1, seed: seed) { return }
        }
    }

    func testV1RoundTripsThroughV1Alpha1() {
        for seed in 0..<UInt64(Self.cases) {
            var random = RandomObjects(seed: seed &+ 1_000_000)
            let v1 = random.cluster(version: RayAPIGroup.v1)
            if !check(v1, via: RayAPIGroup.v1alpha1, seed: seed &+ 1_000_000) { return }
        }
    }

    /// Objects that already carry conversion data (written through the other version) round-trip too.
    func testSecondGenerationRoundTrips() {
        for seed in 0..<UInt64(Self.cases / 2) {
            var random = RandomObjects(seed: seed &+ 2_000_000)
            let alpha = random.cluster(version: RayAPIGroup.v1alpha1)
            let v1 = converted(alpha, to: RayAPIGroup.v1)
            if !check(v1, via: RayAPIGroup.v1alpha1, seed: seed &+ 2_000_000) { return }
            let v1b = random.cluster(version: RayAPIGroup.v1)
            let alphaB = converted(v1b, to: RayAPIGroup.v1alpha1)
            if !check(alphaB, via: RayAPIGroup.v1, seed: seed &+ 2_000_000) { return }
        }
    }

    /// The generator really produces the hard cases (otherwise the tests above prove little).
    func testGeneratorCoversTheHardCases() {
        var withData = 0, withoutData = 0, sidecars = 0, customCommands = 0, extraHeads = 0
        for seed in 0..<UInt64(500) {
            var random = RandomObjects(seed: seed)
            let v1 = random.cluster(version: RayAPIGroup.v1)
            let alpha = converted(v1, to: RayAPIGroup.v1alpha1)
            if annotation(alpha) != nil { withData += 1 } else { withoutData += 1 }
            if (v1["spec"]?["headGroupSpec"]?["template"]?["spec"]?["containers"]?.arrayValue?.count ?? 0) > 1 { sidecars += 1 }
            if v1["spec"]?["headGroupSpec"]?["template"]?["spec"]?["containers"]?[0]?["command"]?[0] == "sh" { customCommands += 1 }
            var r2 = RandomObjects(seed: seed)
            let a = r2.cluster(version: RayAPIGroup.v1alpha1)
            if (a["spec"]?["extensions"]?.arrayValue?.filter { $0["type"]?.stringValue.map(V1Alpha1.isHeadType) ?? false }.count ?? 0) > 1 { extraHeads += 1 }
        }
        XCTAssertGreaterThan(withData, 50)
        XCTAssertGreaterThan(withoutData, 5)
        XCTAssertGreaterThan(sidecars, 20)
        XCTAssertGreaterThan(customCommands, 10)
        XCTAssertGreaterThan(extraHeads, 10)
    }
}

/// Objects edited on one side after a conversion (so the data they carry is partly stale) still
/// round-trip exactly, including their annotation.
final class EditedObjectPropertyTests: XCTestCase {
    func editV1(_ object: JSONValue, _ random: inout RandomObjects) -> JSONValue {
        var object = object
        guard case .array(var workers)? = object["spec"]?["workerGroupSpecs"], !workers.isEmpty,
              case .object = workers[0] else {
            object["spec"]?["rayVersion"] = "2.9.0"
            return object
        }
        let i = random.int(0...(workers.count - 1))
        switch random.int(0...3) {
        case 0: workers[i]["replicas"] = .integer(Int64(random.int(0...9)))
        case 1: workers[i]["groupName"] = .string(random.word())
        case 2:
            if case .array(var containers)? = workers[i]["template"]?["spec"]?["containers"], !containers.isEmpty {
                containers[0]["image"] = random.image()
                workers[i]["template"]?["spec"]?["containers"] = .array(containers)
            }
        default: workers.remove(at: i)
        }
        object["spec"]?["workerGroupSpecs"] = .array(workers)
        return object
    }

    func editAlpha(_ object: JSONValue, _ random: inout RandomObjects) -> JSONValue {
        var object = object
        guard case .array(var extensions)? = object["spec"]?["extensions"], !extensions.isEmpty,
              case .object = extensions[0] else {
            object["spec"]?["imagePullPolicy"] = "Never"
            return object
        }
        let i = random.int(0...(extensions.count - 1))
        switch random.int(0...4) {
        case 0: extensions[i]["command"] = random.command()
        case 1: extensions[i]["image"] = random.image()
        case 2: extensions[i]["type"] = .string(random.pick(["head", "worker"]))
        case 3: object["spec"]?["images"] = .object(JSONObject([("defaultImage", random.image())]))
        default: extensions.insert(random.alphaExtension(), at: random.int(0...extensions.count))
        }
        if case .array = object["spec"]?["extensions"] { object["spec"]?["extensions"] = .array(extensions) }
        return object
    }

    func roundTrip(_ object: JSONValue, via version: String, seed: UInt64) -> Bool {
        guard let original = object.string("apiVersion") else { return false }
        do {
            let there = try RayClusterConverter.convert(object, to: version)
            let back = try RayClusterConverter.convert(there, to: original)
            if back != object {
                XCTFail("seed \(seed): edited object changed via \(version)\n\(object.jsonString)\n→ \(there.jsonString)\n→ \(back.jsonString)")
                return false
            }
        } catch {
            XCTFail("seed \(seed): \(error)")
            return false
        }
        return true
    }

    /// Without a foreign conversion-data value from the start (see the README, "Nothing is lost": a foreign
    /// value is kept exactly only while the other side is not edited).
    func withoutForeignData(_ object: JSONValue) -> JSONValue {
        var object = object
        if object["metadata"]?["annotations"]?[RayAnnotation.conversionData] != nil {
            object["metadata"]?["annotations"]?[RayAnnotation.conversionData] = nil
        }
        return object
    }

    func testEditedObjectsRoundTrip() {
        for seed in 0..<UInt64(1500) {
            var random = RandomObjects(seed: seed &+ 3_000_000)
            // Written as v1alpha1, stored as v1, edited as v1, read as v1alpha1 and back.
            let alpha = withoutForeignData(random.cluster(version: RayAPIGroup.v1alpha1))
            let v1 = editV1(converted(alpha, to: RayAPIGroup.v1), &random)
            if !roundTrip(v1, via: RayAPIGroup.v1alpha1, seed: seed) { return }
            // Written as v1, read as v1alpha1, edited there, and back.
            let source = withoutForeignData(random.cluster(version: RayAPIGroup.v1))
            let edited = editAlpha(converted(source, to: RayAPIGroup.v1alpha1), &random)
            if !roundTrip(edited, via: RayAPIGroup.v1, seed: seed) { return }
        }
    }
}
