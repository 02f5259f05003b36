import Foundation
import XCTest
import TestSupport

/// `ray-operator webhook` started the way a container starts it: already inside a cgroup with a CPU
/// quota, or confined by an affinity mask. Its thread counts (read from /proc/PID/task) and its
/// start-up log follow the CPUs it may use, not the machine's.
final class WebhookCPUBudgetTests: XCTestCase {
    private struct Started {
        let child: WebhookChild
        let sizing: String
        var pid: Int32 { child.process.processIdentifier }
    }

    /// Starts the webhook through `sh`, which first runs `prelude` on itself (`$$` is the pid the
    /// webhook keeps after `exec`), so the limits are in place before the process reads them.
    private func startWebhook(prelude: String, extraArguments: [String] = []) throws -> Started {
        let binary = try XCTUnwrap(webhookBinary(), "ray-operator is not built next to the tests")
        let directory = webhookTempDirectory("webhook-cpu")
        addTeardownBlock { try? FileManager.default.removeItem(atPath: directory) }
        let pair = try webhookMakeCertificate(in: directory, commonName: "localhost")
        try pair.certificate.write(to: URL(fileURLWithPath: directory + "/tls.crt"))
        try pair.key.write(to: URL(fileURLWithPath: directory + "/tls.key"))
        let child = try WebhookChild(["-c", prelude + " && exec \"$0\" \"$@\"", binary,
                                      "webhook", "--port", "0", "--bind-address", "127.0.0.1", "--cert-dir", directory,
                                      "--metrics-bind-address", "0", "--health-probe-bind-address", "0",
                                      "--log-format", "json", "--drain-seconds", "0"] + extraArguments,
                                     executable: "/bin/sh")
        guard let sizing = child.waitForLog(#""msg":"threads: ([^"]*)""#, timeout: 30) else {
            child.signal(SIGKILL)
            child.wait(timeout: 10)
            XCTFail("no thread sizing in the log: \(child.stderr)")
            throw TestCgroupError("webhook did not start")
        }
        return Started(child: child, sizing: sizing)
    }

    private func stop(_ started: Started) {
        started.child.signal(SIGTERM)
        XCTAssertEqual(started.child.wait(timeout: 30), 0, started.child.stderr)
    }

    /// Thread names of the process, counted by prefix (`http-loop-`, `http-worker-`).
    private func threads(of pid: Int32, named prefix: String) -> Int {
        let tasks = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/task")) ?? []
        return tasks.filter { task in
            let name = (try? String(contentsOfFile: "/proc/\(pid)/task/\(task)/comm", encoding: .utf8)) ?? ""
            return name.hasPrefix(prefix)
        }.count
    }

    func testDefaultFlagsUnderAOneCPUQuota() throws {
        let cgroup = try TestCgroup.create(named: "webhook-cpu-test-\(getpid())-quota")
        defer { cgroup.remove(releasing: nil) }
        try cgroup.setQuota(100_000, period: 100_000)
        let started = try startWebhook(prelude: "echo $$ > \(cgroup.directory)/cgroup.procs")
        defer { stop(started) }
        XCTAssertTrue(started.sizing.hasPrefix("1 event loop (one per usable CPU), 2 workers"), started.sizing)
        XCTAssertTrue(started.sizing.contains("idle workers sleep at once (a CPU quota is in force)"), started.sizing)
        XCTAssertTrue(started.sizing.contains("limited by the CPU quota"), started.sizing)
        XCTAssertTrue(started.sizing.contains(cgroup.directory), started.sizing)
        XCTAssertEqual(threads(of: started.pid, named: "http-loop-"), 1)
        XCTAssertEqual(threads(of: started.pid, named: "http-worker-"), 2)
    }

    func testDefaultFlagsUnderAnAffinityMask() throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/taskset") else { throw XCTSkip("taskset is not installed") }
        guard sysconf(Int32(_SC_NPROCESSORS_ONLN)) >= 2 else { throw XCTSkip("needs 2 CPUs") }
        let started = try startWebhook(prelude: "taskset -pc 0 $$ >/dev/null")
        defer { stop(started) }
        XCTAssertTrue(started.sizing.hasPrefix("1 event loop (one per usable CPU)"), started.sizing)
        XCTAssertTrue(started.sizing.contains("limited by the affinity mask"), started.sizing)
        XCTAssertEqual(threads(of: started.pid, named: "http-loop-"), 1)
    }

    /// The flags win over the budget; the quota still keeps idle workers from polling.
    func testFlagsWinUnderAQuota() throws {
        let cgroup = try TestCgroup.create(named: "webhook-cpu-test-\(getpid())-flags")
        defer { cgroup.remove(releasing: nil) }
        try cgroup.setQuota(100_000, period: 100_000)
        let started = try startWebhook(prelude: "echo $$ > \(cgroup.directory)/cgroup.procs",
                                       extraArguments: ["--io-threads", "3", "--worker-threads", "4"])
        defer { stop(started) }
        XCTAssertTrue(started.sizing.hasPrefix("3 event loops (configured), 4 workers (configured)"), started.sizing)
        XCTAssertTrue(started.sizing.contains("a CPU quota is in force"), started.sizing)
        XCTAssertEqual(threads(of: started.pid, named: "http-loop-"), 3)
        XCTAssertEqual(threads(of: started.pid, named: "http-worker-"), 4)
    }
}
