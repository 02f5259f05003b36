import XCTest
@testable import HTTPServer
@testable import TLS
@testable import Threads

/// The address forms of --metrics-bind-address / --health-probe-bind-address.
final class ServerListenAddressTests: XCTestCase {
    func testAcceptedForms() throws {
        XCTAssertEqual(try ListenAddress.parse(":8080"), ListenAddress(host: "", port: 8080))
        XCTAssertEqual(try ListenAddress.parse("0.0.0.0:8080"), ListenAddress(host: "0.0.0.0", port: 8080))
        XCTAssertEqual(try ListenAddress.parse("127.0.0.1:0"), ListenAddress(host: "127.0.0.1", port: 0))
        XCTAssertEqual(try ListenAddress.parse("[::1]:8081"), ListenAddress(host: "::1", port: 8081))
        XCTAssertEqual(try ListenAddress.parse("[::]:8081"), ListenAddress(host: "::", port: 8081))
        XCTAssertEqual(try ListenAddress.parse("localhost:9"), ListenAddress(host: "127.0.0.1", port: 9))
        XCTAssertNil(try ListenAddress.parse("0"))
        XCTAssertNil(try ListenAddress.parse(""))
    }

    func testRejectedForms() {
        for text in ["8080", "::1:8080", "[::1:8080", "host.example:80", ":65536", ":-1", ":http", "1.2.3.4:", "[]:80"] {
            XCTAssertThrowsError(try ListenAddress.parse(text), text)
        }
    }

    func testPortInUseIsAnErrorNotACrash() throws {
        let first = try ServerUnderTest()
        defer { first.stop() }
        let server = Server(configuration: ServerConfiguration(ioThreads: 1, workerThreads: 1))
        XCTAssertThrowsError(try server.addListener(ListenAddress(host: "127.0.0.1", port: first.port), tls: false, router: Router(), name: "dup"))
    }
}
