import XCTest
@testable import RayAPI

final class QuantityArithmeticTests: XCTestCase {
    private func q(_ text: String) throws -> Quantity { try Quantity(parsing: text) }

    func testSumsPrintInTheLeftFormat() throws {
        XCTAssertEqual((try q("1") + q("500m")).canonical, "1500m")
        XCTAssertEqual((try q("4Gi") + q("1Gi")).canonical, "5Gi")
        XCTAssertEqual((try q("1Gi") + q("1G")).canonical, "2073741824")
        XCTAssertEqual((try q("1G") + q("1Gi")).canonical, "2073741824")
        XCTAssertEqual((try Quantity.zero + q("2Gi")).canonical, "2Gi", "zero takes the right format")
        XCTAssertEqual((try q("2Gi") + .zero).canonical, "2Gi")
        XCTAssertEqual((try q("1n") + q("1")).canonical, "1000000001n")
        XCTAssertEqual((try q("-1") + q("250m")).canonical, "-750m")
        XCTAssertEqual((try q("1") + q("-1")).canonical, "0")
        XCTAssertEqual((try q("999m") + q("1m")).canonical, "1")
    }

    func testMultiples() throws {
        XCTAssertEqual(try q("1Gi").multiplied(by: 3).canonical, "3Gi")
        XCTAssertEqual(try q("500m").multiplied(by: 3).canonical, "1500m")
        XCTAssertEqual(try q("1").multiplied(by: 2_147_483_647).multiplied(by: 4).canonical, "8589934588")
        XCTAssertEqual(try q("2").multiplied(by: 0).canonical, "0")
        XCTAssertEqual(try q("3").multiplied(by: -2).canonical, "-6")
        XCTAssertEqual(try q("1").multiplied(by: Int64.max).multiplied(by: Int64.max).canonical,
                       "85070591730234615847396907784232501249", "(2^63-1)^2, exact beyond Int64")
    }

    /// Absurd exponents do not allocate: the result saturates at 2^63-1.
    func testHugeExponentsSaturate() throws {
        let huge = try q("1e2000000000")
        XCTAssertEqual((try huge + q("1")).canonical, "9223372036854775807")
        XCTAssertEqual(try q("1").multiplied(by: 7).canonical, "7")
    }
}
