import XCTest

final class EndToEndPlaceholder: XCTestCase {
    func testPlaceholder() { XCTAssertTrue(true) }
}
