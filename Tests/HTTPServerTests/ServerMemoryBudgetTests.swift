import Foundation
import XCTest
import COpenSSL
@testable import HTTPServer
@testable import TLS

/// The memory budget: read from the cgroup, split into a connection cap and an in-flight byte
/// budget; requests over the budget wait or get 503; bare connections hold no TLS session and are
/// evicted first; memory is given back after a burst.
final class ServerMemoryBudgetTests: XCTestCase {
    var test: ServerUnderTest?
    var scratch: String = ""

    override func setUp() {
        scratch = makeServerTempDirectory("budget-test")
    }

    override func tearDown() {
        test?.stop()
        try? FileManager.default.removeItem(atPath: scratch)
    }

    private func py(_ body: String, port: Int) -> ServerProcessResult {
        runPython(serverPythonPrelude + body, environment: ["SERVER_PORT": "\(port)"])
    }

    private func write(_ text: String, to path: String) throws {
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try text.write(toFile: path, atomically: true, encoding: .utf8)
    }

    private func waitUntil(_ seconds: Double = 20, _ condition: () -> Bool) -> Bool {
        pollUntil(seconds, condition)
    }

    // MARK: - Reading the limit

    func testCgroupV2LimitIsTheLowestOnThePath() throws {
        let proc = scratch + "/proc", root = scratch + "/cgroup"
        try write("0::/kubepods/pod1/container\n", to: proc + "/self/cgroup")
        try write("max\n", to: root + "/memory.max")
        try write("536870912\n", to: root + "/kubepods/pod1/memory.max")
        try write("268435456\n", to: root + "/kubepods/pod1/container/memory.max")
        let budget = try XCTUnwrap(MemoryBudget.cgroupLimit(procRoot: proc, cgroupRoot: root))
        XCTAssertEqual(budget.limitBytes, 256 << 20)
        XCTAssertTrue(budget.source.hasPrefix("cgroup v2 "), budget.source)
        XCTAssertTrue(budget.source.hasSuffix("/kubepods/pod1/container/memory.max"), budget.source)
    }

    func testCgroupV2WithNoLimitAnywhereIsNone() throws {
        let proc = scratch + "/proc", root = scratch + "/cgroup"
        try write("0::/a\n", to: proc + "/self/cgroup")
        try write("max\n", to: root + "/a/memory.max")
        XCTAssertNil(MemoryBudget.cgroupLimit(procRoot: proc, cgroupRoot: root))
    }

    /// A container sees its own cgroup at the mount's root: the path from /proc does not exist
    /// there, and the root's file is the one that counts.
    func testCgroupV1ControllerListAndNamespacedRoot() throws {
        let proc = scratch + "/proc", root = scratch + "/cgroup"
        try write("12:pids:/x\n5:cpu,memory:/docker/abc\n0::/\n", to: proc + "/self/cgroup")
        try write("268435456\n", to: root + "/memory/memory.limit_in_bytes")
        let budget = try XCTUnwrap(MemoryBudget.cgroupLimit(procRoot: proc, cgroupRoot: root))
        XCTAssertEqual(budget.limitBytes, 256 << 20)
        XCTAssertTrue(budget.source.hasPrefix("cgroup v1 "), budget.source)
        // v1's "no limit" is a huge page-rounded number.
        try write("9223372036854771712\n", to: root + "/memory/memory.limit_in_bytes")
        XCTAssertNil(MemoryBudget.cgroupLimit(procRoot: proc, cgroupRoot: root))
    }

    func testMembershipParsing() {
        let parsed = CgroupMembership.parse("4:memory:/process_api/x\n0::/\n3:cpuset:/\n")
        XCTAssertEqual(parsed, CgroupMembership(unified: "/", memoryV1: "/process_api/x"))
        XCTAssertEqual(CgroupMembership.parse("garbage\n\n"), CgroupMembership())
        XCTAssertNil(MemoryBudget.parseLimit("max"))
        XCTAssertNil(MemoryBudget.parseLimit("-1"))
        XCTAssertNil(MemoryBudget.parseLimit("nonsense"))
        XCTAssertEqual(MemoryBudget.parseLimit("1048576\n"), 1 << 20)
    }

    /// The Deployment's 256 MiB: a cap of ~2,000 connections and ~177 MiB for requests in flight,
    /// enough for one maximum-size (57 MB) ConversionReview at a time.
    func testDerivedLimitsAtTheDeploymentsLimit() {
        let budget = MemoryBudget(limitBytes: 256 << 20, source: "test")
        XCTAssertEqual(budget.reserveBytes, 48 << 20)
        XCTAssertEqual(budget.connectionCap, 1996)
        XCTAssertEqual(budget.inflightBytes, Int(Double(208 << 20) * 0.85))
        XCTAssertGreaterThanOrEqual(budget.inflightBytes, InflightBudget.cost(ofBody: 57_000_000, factor: 3))
        // Small and huge limits stay within the bounds.
        let tiny = MemoryBudget(limitBytes: 8 << 20, source: "test")
        XCTAssertEqual(tiny.connectionCap, MemoryBudget.connectionCapRange.lowerBound)
        XCTAssertEqual(tiny.inflightBytes, Int(Double(6 << 20) * 0.85))
        let huge = MemoryBudget(limitBytes: 1 << 40, source: "test")
        XCTAssertEqual(huge.connectionCap, 20_000)
        XCTAssertEqual(huge.inflightBytes, 4 << 30)
        // Whatever this machine is, the defaults come from its budget.
        let defaults = ServerConfiguration(ioThreads: 1, workerThreads: 1)
        XCTAssertEqual(defaults.maxConnections, MemoryBudget.current.connectionCap)
        XCTAssertEqual(defaults.maxInflightBytes, MemoryBudget.current.inflightBytes)
    }

    func testInflightBudgetArithmetic() {
        let budget = InflightBudget(capacity: 100)
        XCTAssertTrue(budget.reserve(60))
        XCTAssertFalse(budget.reserve(41))
        XCTAssertTrue(budget.reserve(40))
        XCTAssertFalse(budget.reserve(1))
        budget.release(60)
        XCTAssertEqual(budget.inUse, 40)
        XCTAssertFalse(budget.reserve(Int.max))
        XCTAssertEqual(InflightBudget.cost(ofBody: Int.max / 2, factor: 3), Int.max)
        XCTAssertTrue(InflightBudget(capacity: 0).reserve(1 << 40), "0 = unbounded")
        // Small requests may use the headroom; others may not.
        let headroom = InflightBudget(capacity: 100, smallHeadroom: 20)
        XCTAssertTrue(headroom.reserve(100))
        XCTAssertFalse(headroom.reserve(10))
        XCTAssertTrue(headroom.reserve(10, small: true))
        XCTAssertTrue(headroom.reserve(10, small: true))
        XCTAssertFalse(headroom.reserve(1, small: true))
        XCTAssertEqual(InflightBudget.headroom(forCapacity: 800), 100)
        XCTAssertEqual(InflightBudget.headroom(forCapacity: 1 << 30), 16 << 20)
    }

    // MARK: - Requests against the budget

    private func startServer(_ adjust: (inout ServerConfiguration) -> Void = { _ in }) throws -> ServerUnderTest {
        var configuration = ServerConfiguration(ioThreads: 2, workerThreads: 2)
        configuration.maxInflightBytes = 100_000
        configuration.inflightCostFactor = 1
        configuration.smallBodyBytes = 1000
        adjust(&configuration)
        var router = ServerTestRoutes.router
        let gate = scratch + "/release-hold"
        router.add(Route("/hold", methods: [.post]) { request in
            // Holds its reservation until the test creates the gate file (at most 20 s).
            let until = Date().addingTimeInterval(20)
            while access(gate, F_OK) != 0 && Date() < until { usleep(10_000) }
            return HTTPResponse(status: 200, body: Array("held \(request.body.count)\n".utf8))
        })
        let server = try ServerUnderTest(configuration: configuration, router: router)
        test = server
        return server
    }

    func testBodyThatCanNeverFitGets503NamingTheLimit() throws {
        let server = try startServer()
        let result = py("""
        s = connect()
        s.sendall(b"POST /echo HTTP/1.1\\r\\nHost: x\\r\\nContent-Type: application/json\\r\\nContent-Length: 150000\\r\\n\\r\\n")
        r = read_response(s)
        print(status_of(r), b"Retry-After: 1" in r, b"max-inflight-bytes" in r, b"100000 bytes" in r)
        """, port: server.port)
        XCTAssertEqual(result.stdout, "503 True True True\n", result.stderr)
        XCTAssertEqual(server.server.stats.budgetRefusals.load(ordering: .relaxed), 1)
    }

    func testRequestWaitsForBudgetThenIsServed() throws {
        let server = try startServer()
        let gate = scratch + "/release-hold"
        let port = server.port
        let live = server.server
        let holder = Thread {
            _ = runPython(serverPythonPrelude + """
            s = connect()
            s.sendall(b"POST /hold HTTP/1.1\\r\\nHost: x\\r\\nContent-Length: 60000\\r\\n\\r\\n" + b"a" * 60000)
            print(status_of(read_response(s)))
            """, environment: ["SERVER_PORT": "\(port)"])
        }
        holder.start()
        XCTAssertTrue(waitUntil { server.server.core.budget.inUse == 60_000 }, "the holder never reserved")
        // The second request waits (its body unread) until the first gives its bytes back.
        let opener = Thread {
            _ = pollUntil(20) { live.stats.budgetWaits.load(ordering: .relaxed) == 1 }
            FileManager.default.createFile(atPath: gate, contents: Data())
        }
        opener.start()
        let result = py("""
        s = connect()
        body = b"[" + b"1," * 29999 + b"1]"
        s.sendall(b"POST /echo HTTP/1.1\\r\\nHost: x\\r\\nContent-Type: application/json\\r\\nExpect: 100-continue\\r\\nContent-Length: %d\\r\\n\\r\\n" % len(body))
        first = read_response(s)
        print(status_of(first))
        s.sendall(body)
        print(status_of(read_response(s)))
        """, port: server.port)
        XCTAssertEqual(result.stdout, "100\n200\n", result.stderr)
        XCTAssertTrue(waitUntil { server.server.core.budget.inUse == 0 })
        XCTAssertEqual(server.server.stats.budgetRefusals.load(ordering: .relaxed), 0)
    }

    func testWaitingForBudgetEndsWith503AtTheBodyDeadline() throws {
        let server = try startServer { $0.requestBodyTimeout = 1 }
        let gate = scratch + "/release-hold"
        defer { FileManager.default.createFile(atPath: gate, contents: Data()) }
        let port = server.port
        let live = server.server
        let holder = Thread {
            _ = runPython(serverPythonPrelude + """
            s = connect()
            s.sendall(b"POST /hold HTTP/1.1\\r\\nHost: x\\r\\nContent-Length: 60000\\r\\n\\r\\n" + b"a" * 60000)
            print(status_of(read_response(s)))
            """, environment: ["SERVER_PORT": "\(port)"])
        }
        holder.start()
        XCTAssertTrue(waitUntil { server.server.core.budget.inUse == 60_000 })
        let result = py("""
        s = connect()
        start = time.time()
        s.sendall(b"POST /echo HTTP/1.1\\r\\nHost: x\\r\\nContent-Type: application/json\\r\\nContent-Length: 60000\\r\\n\\r\\n")
        r = read_response(s)
        print(status_of(r), time.time() - start < 5, b"max-inflight-bytes" in r)
        """, port: server.port)
        XCTAssertEqual(result.stdout, "503 True True\n", result.stderr)
        XCTAssertEqual(server.server.stats.budgetRefusals.load(ordering: .relaxed), 1)
    }

    /// A big body holding the whole budget does not make a small one wait.
    func testSmallRequestUsesTheHeadroomWhileBigOnesWait() throws {
        let server = try startServer {
            $0.maxInflightBytes = 200_000
            $0.smallBodyBytes = 10_000
        }
        let gate = scratch + "/release-hold"
        defer { FileManager.default.createFile(atPath: gate, contents: Data()) }
        let port = server.port
        let holder = Thread {
            _ = runPython(serverPythonPrelude + """
            s = connect()
            s.sendall(b"POST /hold HTTP/1.1\\r\\nHost: x\\r\\nContent-Length: 195000\\r\\n\\r\\n" + b"a" * 195000)
            print(status_of(read_response(s)))
            """, environment: ["SERVER_PORT": "\(port)"])
        }
        holder.start()
        XCTAssertTrue(waitUntil { server.server.core.budget.inUse == 195_000 })
        let result = py("""
        s = connect()
        body = b"[" + b"1," * 2999 + b"1]"
        s.sendall(b"POST /echo HTTP/1.1\\r\\nHost: x\\r\\nContent-Type: application/json\\r\\nContent-Length: %d\\r\\n\\r\\n" % len(body) + body)
        print(status_of(read_response(s)))
        """, port: server.port)
        XCTAssertEqual(result.stdout, "200\n", result.stderr)
        XCTAssertEqual(server.server.stats.budgetWaits.load(ordering: .relaxed), 0)
    }

    func testChunkedBodyOverTheBudgetGets503() throws {
        let server = try startServer { $0.defaultMaxBodyBytes = 1 << 20 }
        let result = py("""
        s = connect()
        s.sendall(b"POST /echo HTTP/1.1\\r\\nHost: x\\r\\nContent-Type: application/json\\r\\nTransfer-Encoding: chunked\\r\\n\\r\\n")
        try:
            for _ in range(40):
                s.sendall(b"1000\\r\\n" + b" " * 4096 + b"\\r\\n")
        except OSError:
            pass
        r = read_response(s)
        print(status_of(r), b"max-inflight-bytes" in r)
        """, port: server.port)
        XCTAssertEqual(result.stdout, "503 True\n", result.stderr)
        XCTAssertTrue(waitUntil { server.server.core.budget.inUse == 0 })
    }

    // MARK: - Connections

    /// A connection holds no TLS session until its client's whole first record (the ClientHello)
    /// has arrived; then the session is made.
    func testTLSSessionIsCreatedWhenTheFirstRecordHasArrived() throws {
        let certificate = try ServerTestCertificate.make(in: scratch)
        let context = try TLSContext.load(certificate.files)
        var fds: [Int32] = [0, 0]
        XCTAssertEqual(socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0, &fds), 0)
        defer { close(fds[0]); close(fds[1]) }
        XCTAssertEqual(fcntl(fds[0], F_SETFL, fcntl(fds[0], F_GETFL) | O_NONBLOCK), 0)
        var transport = ConnectionTransport(tlsFD: fds[0], sslContext: context.context)
        XCTAssertTrue(transport.isTLS)
        XCTAssertFalse(transport.hasReceivedBytes)
        guard case .wouldBlock = transport.handshake() else { return XCTFail("no bytes yet: must wait") }
        XCTAssertFalse(transport.hasReceivedBytes, "no session before the first byte")
        // A record header announcing 100 bytes, and 10 of them: still no session.
        var partial: [UInt8] = [0x16, 0x03, 0x01, 0x00, 100] + [UInt8](repeating: 1, count: 10)
        XCTAssertEqual(Glibc.write(fds[1], &partial, partial.count), partial.count)
        guard case .wouldBlock = transport.handshake() else { return XCTFail("a partial record must wait") }
        XCTAssertFalse(transport.hasReceivedBytes, "no session for a partial ClientHello")
        // The rest of the record: the session is made (and refuses this garbage).
        var rest = [UInt8](repeating: 1, count: 90)
        XCTAssertEqual(Glibc.write(fds[1], &rest, rest.count), rest.count)
        _ = transport.handshake()
        XCTAssertTrue(transport.hasReceivedBytes)
        transport.shutdownTLS()
    }

    func testFirstRecordArrivalOnRealSockets() throws {
        var fds: [Int32] = [0, 0]
        XCTAssertEqual(socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0, &fds), 0)
        defer { close(fds[0]) }
        XCTAssertEqual(fcntl(fds[0], F_SETFL, fcntl(fds[0], F_GETFL) | O_NONBLOCK), 0)
        XCTAssertEqual(ConnectionTransport.firstRecordArrival(fds[0]), .waiting)
        var plain = Array("GET / HTTP/1.1\r\n".utf8)
        XCTAssertEqual(Glibc.write(fds[1], &plain, plain.count), plain.count)
        XCTAssertEqual(ConnectionTransport.firstRecordArrival(fds[0]), .arrived, "plain HTTP on the TLS port is refused at once")
        close(fds[1])
        var drain = [UInt8](repeating: 0, count: 64)
        _ = recv(fds[0], &drain, drain.count, 0)
        XCTAssertEqual(ConnectionTransport.firstRecordArrival(fds[0]), .closed)
    }

    /// At the cap, bare connections (nothing sent) go first, oldest first: a real client gets in.
    func testBareConnectionsAreEvictedBeforeAGoodClient() throws {
        let server = try startServer { $0.maxConnections = 10 }
        let result = py("""
        bare = [socket.create_connection((HOST, PORT)) for _ in range(30)]
        time.sleep(0.2)
        good = connect()
        good.sendall(b"GET /hello HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n")
        print(status_of(read_response(good)))
        closed = 0
        for b in bare:
            b.settimeout(2)
            try:
                if b.recv(1) == b"":
                    closed += 1
            except (ConnectionResetError, OSError):
                closed += 1
        print(closed >= 20)
        """, port: server.port)
        XCTAssertEqual(result.stdout, "200\nTrue\n", result.stderr)
        XCTAssertGreaterThanOrEqual(server.server.stats.connectionsEvicted.load(ordering: .relaxed), 20)
    }

    /// After a burst of big requests, the freed memory is returned (a trim runs once nothing is
    /// in flight).
    func testMemoryIsTrimmedAfterABurst() throws {
        let server = try startServer {
            $0.maxInflightBytes = 64 << 20
            $0.defaultMaxBodyBytes = 8 << 20
            $0.inflightCostFactor = 3
        }
        let result = py("""
        s = connect()
        body = b"[" + b" " * (4 * 1024 * 1024) + b"]"
        s.sendall(b"POST /echo HTTP/1.1\\r\\nHost: x\\r\\nContent-Type: application/json\\r\\nContent-Length: %d\\r\\n\\r\\n" % len(body) + body)
        print(status_of(read_response(s)))
        """, port: server.port)
        XCTAssertEqual(result.stdout, "200\n", result.stderr)
        XCTAssertTrue(waitUntil { server.server.stats.memoryTrims.load(ordering: .relaxed) >= 1 }, "no trim after the burst")
    }
}

/// Polls `condition` every 20 ms for up to `seconds` (generous deadlines; no sleeps as synchronisation).
func pollUntil(_ seconds: Double, _ condition: () -> Bool) -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while !condition() {
        if Date() > deadline { return false }
        usleep(20_000)
    }
    return true
}
