import XCTest
@testable import Admission
@testable import Conversion

/// `--feature-gates` parsing and KubeRay's defaults.
final class FeatureGatesTests: XCTestCase {
    func testDefaultsMatchKubeRay() {
        let gates = FeatureGates()
        XCTAssertTrue(gates.isEnabled(.rayClusterStatusConditions))
        XCTAssertTrue(gates.isEnabled(.rayJobDeletionPolicy))
        XCTAssertTrue(gates.isEnabled(.rayMultiHostIndexing))
        XCTAssertFalse(gates.isEnabled(.rayClusterNetworkPolicy))
        XCTAssertFalse(gates.isEnabled(.gcsFaultToleranceEmbeddedStorage))
        XCTAssertFalse(gates.isEnabled(.rayClusterMTLS))
        XCTAssertFalse(gates.isEnabled(.rayClusterHistoryServer))
    }

    func testParsingSetsGates() throws {
        let gates = try FeatureGates(parsing: "RayClusterMTLS=true, RayJobDeletionPolicy=false,GCSFaultToleranceEmbeddedStorage=True")
        XCTAssertTrue(gates.isEnabled(.rayClusterMTLS))
        XCTAssertFalse(gates.isEnabled(.rayJobDeletionPolicy))
        XCTAssertTrue(gates.isEnabled(.gcsFaultToleranceEmbeddedStorage))
        XCTAssertFalse(gates.isEnabled(.rayClusterHistoryServer))
    }

    func testEmptyTextAndEmptyEntries() throws {
        XCTAssertEqual(try FeatureGates(parsing: ""), FeatureGates())
        XCTAssertEqual(try FeatureGates(parsing: " , ,"), FeatureGates())
        XCTAssertTrue(try FeatureGates(parsing: ",RayClusterMTLS=1,").isEnabled(.rayClusterMTLS))
    }

    func testLaterEntryWins() throws {
        XCTAssertFalse(try FeatureGates(parsing: "RayClusterMTLS=true,RayClusterMTLS=false").isEnabled(.rayClusterMTLS))
    }

    func testUnknownGateIsAnError() {
        XCTAssertThrowsError(try FeatureGates(parsing: "RayClusterMTLS=true,NoSuchGate=true")) { error in
            let text = String(describing: error)
            XCTAssertTrue(text.contains("unrecognized feature gate \"NoSuchGate\""), text)
            XCTAssertTrue(text.contains("RayClusterMTLS"), text)
        }
    }

    func testBadValueIsAnError() {
        XCTAssertThrowsError(try FeatureGates(parsing: "RayClusterMTLS=yes")) { error in
            XCTAssertEqual(String(describing: error), "invalid value \"yes\" for feature gate RayClusterMTLS: expected true or false")
        }
        XCTAssertThrowsError(try FeatureGates(parsing: "RayClusterMTLS")) { error in
            XCTAssertTrue(String(describing: error).contains("missing bool value"))
        }
        XCTAssertThrowsError(try FeatureGates(parsing: "RayClusterMTLS="))
    }

    func testGatesChangeValidation() throws {
        let object = RC.cluster().with("spec", "tlsOptions", ["enabled": true])
        XCTAssertFalse(RayClusterValidator.validate(object).isValid)
        XCTAssertTrue(RayClusterValidator.validate(object, gates: try FeatureGates(parsing: "RayClusterMTLS=true")).isValid)
    }
}
