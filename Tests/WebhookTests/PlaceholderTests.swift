import XCTest
@testable import Webhook

final class WebhookTestsPlaceholder: XCTestCase {
    func testModuleLoads() { XCTAssertTrue(true) }
}
