import Foundation
import XCTest
@testable import HTTPServer
@testable import Threads
import TestSupport

/// `CPUBudget.detect` against the real kernel: a child process (`cat`, blocked on its input) is
/// confined with `taskset` and moved into cgroups this test creates with a CFS quota, and the
/// budget is read back from /proc and the cgroup files as the server reads its own. Needs root
/// and a writable cpu cgroup; skipped, saying why, when the machine has neither.
final class CPUBudgetSystemTests: XCTestCase {
    /// A process to confine: it waits on its standard input until `finish`.
    private final class Subject {
        let process = Process()
        private let input = Pipe()
        var pid: Int32 { process.processIdentifier }

        init() throws {
            process.executableURL = URL(fileURLWithPath: "/bin/cat")
            process.standardInput = input
            process.standardOutput = FileHandle(forWritingAtPath: "/dev/null")
            try process.run()
        }

        func finish() {
            try? input.fileHandleForWriting.close()
            process.waitUntilExit()
        }
    }

    private func taskset(_ cpuList: String, _ pid: Int32) throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/taskset") else { throw XCTSkip("taskset is not installed") }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/taskset")
        process.arguments = ["-pc", cpuList, "\(pid)"]
        process.standardOutput = FileHandle(forWritingAtPath: "/dev/null")
        try process.run()
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0, "taskset -pc \(cpuList) \(pid)")
    }

    private var online: Int { CPUBudget(onlineCPUs: sysconf(Int32(_SC_NPROCESSORS_ONLN))).onlineCPUs }

    func testOwnBudgetMatchesTheKernelsAffinityList() throws {
        let budget = CPUBudget.detect()
        let status = try XCTUnwrap(CPUBudget.readSmallFile("/proc/self/status"))
        let line = try XCTUnwrap(status.split(separator: "\n").first { $0.hasPrefix("Cpus_allowed_list:") })
        var allowed = 0
        for range in line.dropFirst("Cpus_allowed_list:".count).split(separator: ",") {
            let ends = range.split(separator: "-").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
            allowed += ends.count == 2 ? ends[1] - ends[0] + 1 : 1
        }
        XCTAssertEqual(budget.affinityCPUs, allowed)
        XCTAssertLessThanOrEqual(budget.cpus, budget.onlineCPUs)
    }

    func testAffinityMaskSetWithTaskset() throws {
        let subject = try Subject()
        defer { subject.finish() }
        try taskset("0", subject.pid)
        let budget = CPUBudget.detect(pid: subject.pid)
        XCTAssertEqual(budget.affinityCPUs, 1)
        XCTAssertEqual(budget.cpus, 1)
        if online > 1 { XCTAssertEqual(budget.limitedBy, .affinity, "\(budget)") }
        XCTAssertFalse(budget.hasQuota)
        let sizing = ThreadSizing(budget: budget)
        XCTAssertEqual(sizing.ioThreads, 1)
        XCTAssertEqual(sizing.workerPollsBeforeSleeping, 0)
    }

    func testQuotaOfTheProcessCgroup() throws {
        let cgroup = try TestCgroup.create(named: "cpu-budget-test-\(getpid())-quota")
        let subject = try Subject()
        defer {
            cgroup.remove(releasing: subject.pid)
            subject.finish()
        }
        // 1.5 CPUs: rounded up to 2 (or the machine's CPUs when it has fewer).
        try cgroup.setQuota(150_000, period: 100_000)
        try cgroup.add(subject.pid)
        let budget = CPUBudget.detect(pid: subject.pid)
        let quota = try XCTUnwrap(budget.quota, "\(budget)")
        XCTAssertEqual(quota.directory, cgroup.directory)
        XCTAssertEqual(quota.cgroupVersion, cgroup.version)
        XCTAssertEqual(quota.quotaMicroseconds, 150_000)
        XCTAssertEqual(quota.periodMicroseconds, 100_000)
        XCTAssertEqual(budget.cpus, min(2, online))

        // Half a CPU: one thread, and no polling.
        try cgroup.setQuota(50_000, period: 100_000)
        let half = CPUBudget.detect(pid: subject.pid)
        XCTAssertEqual(half.cpus, 1)
        XCTAssertEqual(half.limitedBy, .quota)
        let sizing = ThreadSizing(budget: half)
        XCTAssertEqual(sizing.ioThreads, 1)
        XCTAssertEqual(sizing.workerThreads, ThreadSizing.minimumWorkerThreads)
        XCTAssertEqual(sizing.workerPollsBeforeSleeping, 0)
        XCTAssertTrue(sizing.reason.contains(cgroup.directory), sizing.reason)
    }

    /// A limit set on an ancestor (a pod, a systemd slice) applies to the cgroups below it.
    func testQuotaOnAnAncestorCgroup() throws {
        let parent = try TestCgroup.create(named: "cpu-budget-test-\(getpid())-parent")
        let child: TestCgroup
        do { child = try parent.child(named: "container") } catch {
            parent.remove(releasing: nil)
            throw error
        }
        let subject = try Subject()
        defer {
            child.remove(releasing: subject.pid)
            parent.remove(releasing: subject.pid)
            subject.finish()
        }
        try parent.setQuota(100_000, period: 100_000)
        try child.add(subject.pid)
        let budget = CPUBudget.detect(pid: subject.pid)
        XCTAssertEqual(budget.quota?.directory, parent.directory, "\(budget)")
        XCTAssertEqual(budget.cpus, 1)
    }

    /// Quota and mask together: whichever is smaller decides, and the quota still stops polling.
    func testQuotaAndAffinityTogether() throws {
        guard online >= 2 else { throw XCTSkip("needs 2 CPUs") }
        let cgroup = try TestCgroup.create(named: "cpu-budget-test-\(getpid())-both")
        let subject = try Subject()
        defer {
            cgroup.remove(releasing: subject.pid)
            subject.finish()
        }
        try cgroup.setQuota(200_000, period: 100_000)
        try cgroup.add(subject.pid)
        try taskset("1", subject.pid)
        let budget = CPUBudget.detect(pid: subject.pid)
        XCTAssertEqual(budget.cpus, 1)
        XCTAssertEqual(budget.limitedBy, .affinity)
        XCTAssertTrue(budget.hasQuota)
        XCTAssertEqual(ThreadSizing(budget: budget).workerPollsBeforeSleeping, 0)
    }
}
