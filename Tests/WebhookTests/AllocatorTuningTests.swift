import Foundation
import XCTest
@testable import Webhook

/// The allocator tuning: the GLIBC_TUNABLES value it asks for, and the real re-exec of the built
/// binary (same pid, tuned environment, the operator's own setting kept, off switch).
final class AllocatorTuningTests: XCTestCase {
    func testTunablesValue() {
        XCTAssertEqual(AllocatorTuning.tunables(current: nil, tcacheCount: 64), "glibc.malloc.tcache_count=64")
        XCTAssertEqual(AllocatorTuning.tunables(current: "", tcacheCount: 64), "glibc.malloc.tcache_count=64")
        XCTAssertEqual(AllocatorTuning.tunables(current: "glibc.malloc.check=3", tcacheCount: 10),
                       "glibc.malloc.check=3:glibc.malloc.tcache_count=10")
        // The operator's own count wins; 0 and out-of-range counts change nothing.
        XCTAssertNil(AllocatorTuning.tunables(current: "glibc.malloc.check=3:glibc.malloc.tcache_count=7", tcacheCount: 64))
        XCTAssertNil(AllocatorTuning.tunables(current: nil, tcacheCount: 0))
        XCTAssertNil(AllocatorTuning.tunables(current: nil, tcacheCount: AllocatorTuning.maximumTcacheCount + 1))
        // A longer tunable name that merely starts alike is not the count.
        XCTAssertEqual(AllocatorTuning.tunables(current: "glibc.malloc.tcache_count_x=1", tcacheCount: 5),
                       "glibc.malloc.tcache_count_x=1:glibc.malloc.tcache_count=5")
    }

    func testActiveCount() {
        XCTAssertEqual(AllocatorTuning.activeTcacheCount(tunables: "glibc.malloc.check=3:glibc.malloc.tcache_count=64"), 64)
        XCTAssertNil(AllocatorTuning.activeTcacheCount(tunables: "glibc.malloc.check=3"))
        XCTAssertNil(AllocatorTuning.activeTcacheCount(tunables: nil))
    }

    /// Starts the binary, waits until it listens, and returns its environment as the kernel sees it
    /// (`/proc/PID/environ` of the pid we started: the re-exec must keep it) and its log.
    private func startedEnvironment(_ extra: [String], environment: [String: String] = [:]) throws -> (environ: [String], log: String) {
        let binary = try XCTUnwrap(webhookBinary(), "ray-operator is not built next to the tests")
        let directory = webhookTempDirectory("webhook-alloc")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let pair = try webhookMakeCertificate(in: directory, commonName: "localhost")
        try pair.certificate.write(to: URL(fileURLWithPath: directory + "/tls.crt"))
        try pair.key.write(to: URL(fileURLWithPath: directory + "/tls.key"))
        var env = environment
        if env["GLIBC_TUNABLES"] == nil { env["GLIBC_TUNABLES"] = "" }  // whatever the test runner had
        let webhook = try WebhookChild(["webhook", "--port", "0", "--bind-address", "127.0.0.1", "--cert-dir", directory,
                                        "--metrics-bind-address", "0", "--health-probe-bind-address", "0",
                                        "--drain-seconds", "0"] + extra,
                                       environment: env, executable: binary)
        XCTAssertNotNil(webhook.waitForLog(#"listening address=\S+:(\d+) listener=webhook"#, timeout: 20), webhook.stderr)
        let data = try Data(contentsOf: URL(fileURLWithPath: "/proc/\(webhook.process.processIdentifier)/environ"))
        let environ = data.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
        webhook.signal(SIGTERM)
        XCTAssertEqual(webhook.wait(timeout: 20), 0, webhook.stderr)
        return (environ, webhook.stderr)
    }

    func testBinaryReexecutesWithTunedCacheUnderTheSamePid() throws {
        let started = try startedEnvironment([])
        XCTAssertTrue(started.environ.contains("GLIBC_TUNABLES=glibc.malloc.tcache_count=\(AllocatorTuning.defaultTcacheCount)"),
                      started.environ.filter { $0.hasPrefix("GLIBC") }.description)
        XCTAssertTrue(started.log.contains("allocator: glibc tcache_count=\(AllocatorTuning.defaultTcacheCount)"), started.log)
        // Started once: the start-up line appears a single time.
        XCTAssertEqual(started.log.components(separatedBy: "listener=webhook").count, 2, started.log)
    }

    func testOperatorSettingWinsAndZeroTurnsTuningOff() throws {
        let own = try startedEnvironment([], environment: ["GLIBC_TUNABLES": "glibc.malloc.tcache_count=9"])
        XCTAssertTrue(own.environ.contains("GLIBC_TUNABLES=glibc.malloc.tcache_count=9"), own.environ.description)
        XCTAssertTrue(own.log.contains("allocator: glibc tcache_count=9"), own.log)

        let off = try startedEnvironment(["--malloc-tcache-count", "0"])
        XCTAssertFalse(off.environ.contains { $0.hasPrefix("GLIBC_TUNABLES=glibc") }, off.environ.description)
        XCTAssertFalse(off.log.contains("allocator:"), off.log)
    }

    func testOutOfRangeCountExitsWith2() throws {
        let binary = try XCTUnwrap(webhookBinary())
        let result = webhookRun([binary, "webhook", "--malloc-tcache-count", "70000", "--port", "0",
                                 "--metrics-bind-address", "0", "--health-probe-bind-address", "0"])
        XCTAssertEqual(result.status, 2, result.stderr)
        XCTAssertTrue(result.stderr.contains("malloc-tcache-count"), result.stderr)
    }
}
