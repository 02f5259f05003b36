import Foundation
import XCTest
@testable import HTTPServer
@testable import TLS
@testable import Threads

/// The shutdown sequence in-process: drain with `Connection: close`, in-flight requests finish,
/// idle connections close, the hard cap cuts what is left.
final class ServerShutdownTests: XCTestCase {
    func testDrainServesWithConnectionCloseAndInFlightRequestsFinish() throws {
        let test = try ServerUnderTest()
        defer { test.stop() }
        let url = test.url
        let slow = ServerLockedData()
        let slowDone = DispatchSemaphore(value: 0)
        DispatchQueue.global().async {
            slow.set(Data(runProcess(["curl", "-sk", "-D", "-", "\(url)/slow?s=2"]).stdout.utf8))
            slowDone.signal()
        }
        // An idle keep-alive connection and the in-flight slow request exist when shutdown starts.
        let idle = ServerLockedData()
        let idleDone = DispatchSemaphore(value: 0)
        let port = test.port
        let marker = test.directory + "/first-served"
        DispatchQueue.global().async {
            let result = runPython(serverPythonPrelude + """
            s = connect()
            s.sendall(b"GET /hello HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n")
            first = read_response(s)
            open(os.environ["MARKER"], "w").close()
            time.sleep(0.6)      # shutdown begins meanwhile: still served, now with Connection: close
            s.sendall(b"GET /hello HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n")
            second = read_response(s)
            print(b"Connection: close" in first, status_of(second), b"Connection: close" in second, s.recv(10) == b"")
            """, environment: ["SERVER_PORT": "\(port)", "MARKER": marker])
            idle.set(Data((result.stdout + result.stderr).utf8))
            idleDone.signal()
        }
        let start = Date()
        while !FileManager.default.fileExists(atPath: marker) && Date().timeIntervalSince(start) < 20 { usleep(10_000) }
        usleep(100_000)
        XCTAssertTrue(test.server.isReady)
        let report = test.server.shutdown(drainSeconds: 1, graceSeconds: 5)
        XCTAssertFalse(test.server.isReady)
        slowDone.wait()
        idleDone.wait()
        XCTAssertEqual(report.abandonedConnections, 0)
        let slowText = String(decoding: slow.get(), as: UTF8.self)
        XCTAssertTrue(slowText.hasPrefix("HTTP/1.1 200"), slowText)
        XCTAssertTrue(slowText.contains("Connection: close"), slowText)
        XCTAssertTrue(slowText.contains("slow done"), slowText)
        XCTAssertEqual(String(decoding: idle.get(), as: UTF8.self), "False 200 True True\n")
        // Stopped: no more connections.
        let after = runProcess(["curl", "-sk", "-o", "/dev/null", "-w", "%{http_code}", "\(url)/hello"])
        XCTAssertEqual(after.stdout, "000")
    }

    func testHardCapAbandonsRequestsThatDoNotFinish() throws {
        let test = try ServerUnderTest()
        defer { test.stop() }
        let url = test.url
        let done = DispatchSemaphore(value: 0)
        DispatchQueue.global().async {
            _ = runProcess(["curl", "-sk", "\(url)/slow?s=4"])
            done.signal()
        }
        usleep(300_000)
        let report = test.server.shutdown(drainSeconds: 0, graceSeconds: 0.5)
        XCTAssertEqual(report.abandonedConnections, 1)
        XCTAssertLessThan(report.seconds, 3)
        done.wait()
    }
}
