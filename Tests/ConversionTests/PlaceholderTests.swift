import XCTest
@testable import Admission

final class ConversionTestsPlaceholder: XCTestCase {
    func testModuleLoads() { XCTAssertTrue(true) }
}
