import DesiredState
import XCTest

final class ClusterNamesTests: XCTestCase {
}
