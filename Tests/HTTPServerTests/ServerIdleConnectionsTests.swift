import Foundation
import XCTest
@testable import HTTPServer
@testable import TLS
@testable import Threads

/// Many idle keep-alive TLS connections cost no threads and do not slow a normal request.
final class ServerIdleConnectionsTests: XCTestCase {
    func testThousandIdleConnectionsDoNotSlowANormalRequest() throws {
        var limit = rlimit()
        getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
        if limit.rlim_cur < 4096 {
            limit.rlim_cur = min(limit.rlim_max, 4096)
            setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
        }
        let test = try ServerUnderTest()
        defer { test.stop() }
        let threadsBefore = threadCount()
        let result = runPython(serverPythonPrelude + """
        import resource
        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 4096), hard))
        def timed_request():
            t = time.time()
            s = connect()
            s.sendall(b"GET /hello HTTP/1.1\\r\\nHost: x\\r\\nConnection: close\\r\\n\\r\\n")
            r = read_response(s)
            assert status_of(r) == 200, r
            return time.time() - t
        baseline = min(timed_request() for _ in range(5))
        idle = []
        for i in range(1000):
            s = connect()
            if i % 2 == 0:   # half of them served one request first, half never sent one
                s.sendall(b"GET /hello HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n")
                assert status_of(read_response(s)) == 200
            idle.append(s)
        open(os.environ["MARKER"], "w").close()
        time.sleep(0.5)
        loaded = min(timed_request() for _ in range(5))
        # Idle connections are still usable.
        for s in idle[:10] + idle[-10:]:
            s.sendall(b"GET /hello HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n")
            assert status_of(read_response(s)) == 200
        print(len(idle), loaded < max(0.25, baseline * 20), round(baseline * 1000, 2), round(loaded * 1000, 2), file=sys.stderr)
        print(len(idle), loaded < max(0.25, baseline * 20))
        time.sleep(1.5)
        """, environment: ["SERVER_PORT": "\(test.port)", "MARKER": test.directory + "/opened"], timeout: 180)
        XCTAssertEqual(result.stdout, "1000 True\n", result.stderr)
        // The server held them with its fixed threads (no thread per connection).
        XCTAssertLessThan(threadCount(), threadsBefore + 10)
        XCTAssertGreaterThanOrEqual(test.server.stats.connectionsAccepted.load(ordering: .relaxed), 1010)
    }

    private func threadCount() -> Int {
        (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/task").count) ?? 0
    }
}
