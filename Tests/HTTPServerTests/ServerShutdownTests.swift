import Foundation
import XCTest
@testable import HTTPServer
@testable import TLS
@testable import Threads

/// The shutdown sequence in-process: drain with `Connection: close`, in-flight requests finish,
/// idle connections close, the hard cap cuts what is left.
final class ServerShutdownTests: XCTestCase {
    /// A server whose `/gated` handler blocks until the test opens the gate.
    private func gatedServer() throws -> (ServerUnderTest, HandlerGate) {
        let gate = HandlerGate()
        var router = ServerTestRoutes.router
        router.add(gate.route())
        return (try ServerUnderTest(router: router), gate)
    }

    func testDrainServesWithConnectionCloseAndInFlightRequestsFinish() throws {
        let (test, gate) = try gatedServer()
        defer { gate.open(); test.stop() }
        let url = test.url
        let slow = ServerLockedData()
        let slowDone = DispatchSemaphore(value: 0)
        DispatchQueue.global().async {
            slow.set(Data(runProcess(["curl", "-sk", "-D", "-", "\(url)/gated"]).stdout.utf8))
            slowDone.signal()
        }
        // An idle keep-alive connection and the in-flight request exist when shutdown starts; the
        // idle one sends its second request once the test says the drain has begun.
        let idle = ServerLockedData()
        let idleDone = DispatchSemaphore(value: 0)
        let port = test.port
        let served = test.directory + "/first-served", draining = test.directory + "/draining"
        DispatchQueue.global().async {
            let result = runPython(serverPythonPrelude + """
            s = connect(timeout=60)
            s.sendall(b"GET /hello HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n")
            first = read_response(s)
            open(os.environ["SERVED"], "w").close()
            deadline = time.time() + 60
            while not os.path.exists(os.environ["DRAINING"]) and time.time() < deadline:
                time.sleep(0.01)
            s.sendall(b"GET /hello HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n")
            second = read_response(s)
            print(b"Connection: close" in first, status_of(second), b"Connection: close" in second, s.recv(10) == b"")
            """, environment: ["SERVER_PORT": "\(port)", "SERVED": served, "DRAINING": draining], timeout: 120)
            idle.set(Data((result.stdout + result.stderr).utf8))
            idleDone.signal()
        }
        XCTAssertTrue(gate.waitUntilEntered(1), "the in-flight request never reached its handler")
        XCTAssertTrue(pollUntil(timeout: 30) { FileManager.default.fileExists(atPath: served) }, "the idle connection was never served")
        XCTAssertTrue(test.server.isReady)

        // Drain long enough for the idle client to be answered within it however loaded the machine.
        let shutdownReport = LockedBox<Server.ShutdownReport?>(nil)
        let shutdownDone = DispatchSemaphore(value: 0)
        let server = test.server
        DispatchQueue.global().async {
            shutdownReport.set(server.shutdown(drainSeconds: 5, graceSeconds: 30))
            shutdownDone.signal()
        }
        XCTAssertTrue(pollUntil(timeout: 30) { server.isDraining }, "shutdown did not start draining")
        XCTAssertFalse(server.isReady)
        XCTAssertTrue(FileManager.default.createFile(atPath: draining, contents: nil))
        idleDone.wait()
        XCTAssertEqual(String(decoding: idle.get(), as: UTF8.self), "False 200 True True\n")

        // The in-flight request is still held once idle connections are being closed; it finishes
        // within the grace period when let go.
        XCTAssertTrue(pollUntil(timeout: 30) { server.core.closingIdle.load(ordering: .acquiring) }, "shutdown never got past the drain")
        XCTAssertEqual(gate.holding, 1)
        gate.open()
        slowDone.wait()
        shutdownDone.wait()
        XCTAssertEqual(shutdownReport.get()?.abandonedConnections, 0)
        let slowText = String(decoding: slow.get(), as: UTF8.self)
        XCTAssertTrue(slowText.hasPrefix("HTTP/1.1 200"), slowText)
        XCTAssertTrue(slowText.contains("Connection: close"), slowText)
        XCTAssertTrue(slowText.contains("gate open"), slowText)
        // Stopped: no more connections.
        let after = runProcess(["curl", "-sk", "-o", "/dev/null", "-w", "%{http_code}", "\(url)/hello"])
        XCTAssertEqual(after.stdout, "000")
    }

    func testHardCapAbandonsRequestsThatDoNotFinish() throws {
        let (test, gate) = try gatedServer()
        defer { gate.open(); test.stop() }
        let url = test.url
        let done = DispatchSemaphore(value: 0)
        DispatchQueue.global().async {
            _ = runProcess(["curl", "-sk", "\(url)/gated"])
            done.signal()
        }
        XCTAssertTrue(gate.waitUntilEntered(1), "the request never reached its handler")
        // The handler never finishes by itself: only the hard cap can end the shutdown. The bound
        // is far above the 0.5 s cap and far below the handler's own give-up time.
        let report = test.server.shutdown(drainSeconds: 0, graceSeconds: 0.5)
        XCTAssertEqual(report.abandonedConnections, 1)
        XCTAssertLessThan(report.seconds, 30)
        XCTAssertEqual(gate.holding, 1, "the handler was still running when the cap cut its connection")
        done.wait()
    }
}
