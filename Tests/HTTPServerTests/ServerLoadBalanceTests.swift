import Foundation
import XCTest
@testable import HTTPServer
@testable import TLS
@testable import Threads

/// New connections are spread over the event loops by their connection counts, whichever loop the
/// kernel woke to accept them: a burst of keep-alive connections (a load tester, an apiserver
/// opening its pool) must not leave one core doing all the work.
final class ServerLoadBalanceTests: XCTestCase {
    func testBurstOfConnectionsSpreadsEvenlyAndCountsReturnToZero() throws {
        let loops = 4
        let connections = 40
        let test = try ServerUnderTest(configuration: ServerConfiguration(ioThreads: loops, workerThreads: 2))
        defer { test.stop() }
        let opened = test.directory + "/opened"
        let release = test.directory + "/release"
        let output = ServerLockedData()
        let done = DispatchSemaphore(value: 0)
        let port = test.port
        DispatchQueue.global().async {
            let result = runPython(serverPythonPrelude + """
            sockets = [connect() for _ in range(\(connections))]
            served = 0
            for s in sockets:
                s.sendall(b"GET /hello HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n")
                served += status_of(read_response(s)) == 200
            open(os.environ["MARKER"], "w").close()
            deadline = time.time() + 30
            while not os.path.exists(os.environ["RELEASE"]) and time.time() < deadline:
                time.sleep(0.02)
            # Every connection still works after the counts were read.
            for s in sockets:
                s.sendall(b"GET /hello HTTP/1.1\\r\\nHost: x\\r\\nConnection: close\\r\\n\\r\\n")
                served += status_of(read_response(s)) == 200
                s.close()
            print(served)
            """, environment: ["SERVER_PORT": "\(port)", "MARKER": opened, "RELEASE": release], timeout: 60)
            output.set(Data((result.stdout + result.stderr).utf8))
            done.signal()
        }
        let deadline = Date().addingTimeInterval(30)
        while !FileManager.default.fileExists(atPath: opened) && Date() < deadline { usleep(20_000) }
        XCTAssertTrue(FileManager.default.fileExists(atPath: opened), String(decoding: output.get(), as: UTF8.self))
        let loads = test.server.loops.map { $0.load.load(ordering: .relaxed) }
        FileManager.default.createFile(atPath: release, contents: nil)
        XCTAssertEqual(done.wait(timeout: .now() + 60), .success)
        XCTAssertEqual(String(decoding: output.get(), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines), "\(2 * connections)")

        XCTAssertEqual(loads.count, loops)
        XCTAssertEqual(loads.reduce(0, +), connections, "\(loads)")
        // Sequential connects: each goes to a least-loaded loop, so the counts differ by at most one
        // (two allowing for a count read while a hand-over is in flight).
        XCTAssertLessThanOrEqual((loads.max() ?? 0) - (loads.min() ?? 0), 2, "\(loads)")

        // Closed connections leave the counts; nothing is left counted against any loop.
        let closedBy = Date().addingTimeInterval(10)
        while test.server.loops.contains(where: { $0.load.load(ordering: .relaxed) != 0 }) && Date() < closedBy { usleep(20_000) }
        XCTAssertEqual(test.server.loops.map { $0.load.load(ordering: .relaxed) }, Array(repeating: 0, count: loops))
        XCTAssertEqual(test.server.openConnections, 0)
    }
}
