import XCTest
@testable import RayAPI

final class RayAPITestsPlaceholder: XCTestCase {
    func testModuleLoads() { XCTAssertTrue(true) }
}
