import JSON
import KubeClient
import XCTest

final class KubeAPIContractTests: XCTestCase {
    func testErrorClassification() {
        XCTAssertTrue(KubeError.api(APIStatus(code: 404, reason: "NotFound", message: "x")).isNotFound)
        XCTAssertTrue(KubeError.api(APIStatus(code: 409, reason: "AlreadyExists", message: "x")).isAlreadyExists)
        XCTAssertFalse(KubeError.api(APIStatus(code: 409, reason: "AlreadyExists", message: "x")).isConflict)
        XCTAssertTrue(KubeError.api(APIStatus(code: 409, reason: "Conflict", message: "x")).isConflict)
        XCTAssertTrue(KubeError.api(APIStatus(code: 410, reason: "Expired", message: "x")).isGone)
        XCTAssertFalse(KubeError.transport("reset").isNotFound)
    }

    func testResourcePaths() {
        XCTAssertEqual(KubeResource.pods.apiVersion, "v1")
        XCTAssertEqual(KubeResource.leases.apiVersion, "coordination.k8s.io/v1")
    }
}
