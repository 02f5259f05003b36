import XCTest
@testable import Admission
@testable import Conversion
import JSON
import RayAPI

enum Fixture {
    /// The single document of a YAML or JSON text.
    static func object(_ text: String, file: StaticString = #filePath, line: UInt = #line) -> JSONValue {
        do {
            let documents = try Manifest.decode(Array(text.utf8), source: "fixture")
            XCTAssertEqual(documents.count, 1, "fixture has \(documents.count) documents", file: file, line: line)
            return documents.first ?? .null
        } catch {
            XCTFail("fixture does not decode: \(error)", file: file, line: line)
            return .null
        }
    }
}

/// Converts, failing the test on error.
func converted(_ object: JSONValue, to version: String, file: StaticString = #filePath, line: UInt = #line) -> JSONValue {
    do {
        return try RayClusterConverter.convert(object, to: version)
    } catch {
        XCTFail("conversion to \(version) failed: \(error)", file: file, line: line)
        return .null
    }
}

/// X → other → X is exact: equal as JSON and in bytes, and no conversion data left on X.
func assertRoundTrip(_ object: JSONValue, via version: String, bytes: Bool = true,
                     file: StaticString = #filePath, line: UInt = #line) {
    guard let original = object.string("apiVersion") else {
        XCTFail("no apiVersion", file: file, line: line)
        return
    }
    let there = converted(object, to: version, file: file, line: line)
    XCTAssertEqual(there.string("apiVersion"), version, file: file, line: line)
    let back = converted(there, to: original, file: file, line: line)
    XCTAssertEqual(back, object, "round trip via \(version) changed the object:\n\(object.jsonString)\n→ \(there.jsonString)\n→ \(back.jsonString)", file: file, line: line)
    if bytes {
        XCTAssertEqual(back.jsonString, object.jsonString, "round trip via \(version) changed the bytes", file: file, line: line)
    }
}

func annotation(_ object: JSONValue) -> JSONValue? {
    object["metadata"]?["annotations"]?[RayAnnotation.conversionData]
}
