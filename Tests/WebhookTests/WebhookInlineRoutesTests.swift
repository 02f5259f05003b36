import XCTest
import Admission
import Conversion
import HTTPServer
@testable import Webhook

/// The webhook routes answer typical reviews on the I/O thread and hand large bodies to workers.
final class WebhookInlineRoutesTests: XCTestCase {
    func testReviewsUpToTheInlineLimitRunInlineAndLargerOnesOnWorkers() {
        let limits = WebhookBodyLimits()
        XCTAssertEqual(limits.inlineBytes, 256 * 1024)
        let routes = WebhookRoutes.routes(gates: FeatureGates(), limits: limits)
        XCTAssertEqual(Set(routes.map(\.path)), [WebhookPaths.validate, WebhookPaths.mutate, WebhookPaths.convert])
        for route in routes {
            XCTAssertFalse(route.runsInline, route.path)
            XCTAssertTrue(route.shouldRunInline(bodyBytes: 10 * 1024), route.path)
            XCTAssertTrue(route.shouldRunInline(bodyBytes: limits.inlineBytes), route.path)
            XCTAssertFalse(route.shouldRunInline(bodyBytes: limits.inlineBytes + 1), route.path)
        }
    }

    func testTheInlineLimitIsConfigurable() {
        let routes = WebhookRoutes.routes(gates: FeatureGates(), limits: WebhookBodyLimits(inlineBytes: 0))
        for route in routes {
            XCTAssertTrue(route.shouldRunInline(bodyBytes: 0), route.path)
            XCTAssertFalse(route.shouldRunInline(bodyBytes: 1), route.path)
        }
    }
}
