import XCTest
@testable import Admission

final class AdmissionTestsPlaceholder: XCTestCase {
    func testModuleLoads() { XCTAssertTrue(true) }
}
