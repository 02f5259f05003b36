import XCTest
@testable import Admission
@testable import Conversion

/// spec.rayVersion read like apimachinery's `version.ParseGeneric` (S16, S56 embed its errors).
final class ValidationRayVersionTests: XCTestCase {
    func parse(_ s: String) -> [UInt64]? {
        if case .success(let v) = RayVersionGate.parse(s) { return v.components }
        return nil
    }

    func error(_ s: String) -> String? {
        if case .failure(let e) = RayVersionGate.parse(s) { return e.message }
        return nil
    }

    func testAcceptedForms() {
        XCTAssertEqual(parse("2.56.0"), [2, 56, 0])
        XCTAssertEqual(parse("v2.9"), [2, 9])
        XCTAssertEqual(parse("  2.9.0rc1"), [2, 9, 0])
        XCTAssertEqual(parse("2.9.0-py310"), [2, 9, 0])
        XCTAssertEqual(parse("2.9."), [2, 9])
        XCTAssertEqual(parse("0.1.0"), [0, 1, 0])
        XCTAssertEqual(parse("2.09.1"), [2, 9, 1])  // only the first component may not be zero-prefixed
    }

    func testErrorsAreApimachinerys() {
        XCTAssertEqual(error("invalid"), #"could not parse "invalid" as version"#)
        XCTAssertEqual(error(""), #"could not parse "" as version"#)
        XCTAssertEqual(error("2"), #"illegal version string "2""#)
        XCTAssertEqual(error("2.x"), #"illegal version string "2.x""#)
        XCTAssertEqual(error("02.1"), #"illegal zero-prefixed version component "02" in "02.1""#)
        XCTAssertEqual(error("2.99999999999999999999999"),
                       #"illegal non-numeric version component "99999999999999999999999" in "2.99999999999999999999999": strconv.ParseUint: parsing "99999999999999999999999": value out of range"#)
    }

    func testComparison() {
        func v(_ s: String) -> RayVersionGate { RayVersionGate(components: parse(s) ?? []) }
        XCTAssertTrue(v("2.56").isAtLeast(.priorityMinimum))
        XCTAssertTrue(v("2.56.0.1").isAtLeast(.priorityMinimum))
        XCTAssertFalse(v("2.55.99").isAtLeast(.priorityMinimum))
        XCTAssertTrue(v("10.0.0").isAtLeast(.priorityMinimum))
        XCTAssertEqual(v("2.9").compare(v("2.9.0")), 0)
    }
}
