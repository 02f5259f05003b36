import Foundation
import XCTest
import Threads

/// A cgroup created by a test under this process's own cpu cgroup (the v1 cpu controller, or v2
/// where the cpu controller is handed down to children), to run a subprocess under a real CFS
/// quota. Needs root; `create` throws `XCTSkip`, saying why, where the machine does not allow it.
public final class TestCgroup {
    public let directory: String
    public let version: Int
    public let parentDirectory: String

    private init(directory: String, version: Int, parentDirectory: String) {
        self.directory = directory
        self.version = version
        self.parentDirectory = parentDirectory
    }

    public static func create(named name: String) throws -> TestCgroup {
        guard getuid() == 0 else { throw XCTSkip("creating cgroups needs root") }
        guard let cgroups = CPUBudget.readSmallFile("/proc/self/cgroup"),
              let mountInfo = CPUBudget.readSmallFile("/proc/self/mountinfo") else {
            throw XCTSkip("no /proc/self/cgroup or mountinfo")
        }
        let places = CgroupFiles.cpuDirectories(memberships: CgroupFiles.parseMemberships(cgroups),
                                                mounts: CgroupFiles.parseMounts(mountInfo))
        for place in places {
            guard let own = place.directories.first else { continue }
            if place.cgroupVersion == 2 {
                // The v2 cpu controller must already be handed down to children.
                let control = CPUBudget.readSmallFile(own + "/cgroup.subtree_control") ?? ""
                guard control.split(whereSeparator: { $0 == " " || $0 == "\n" }).contains("cpu") else { continue }
            }
            let directory = own + "/" + name
            if mkdir(directory, 0o755) == 0 {
                return TestCgroup(directory: directory, version: place.cgroupVersion, parentDirectory: own)
            }
        }
        throw XCTSkip("no writable cgroup with the cpu controller (hierarchies: \(places))")
    }

    /// A cgroup below this one (which keeps its limits).
    public func child(named name: String) throws -> TestCgroup {
        let path = directory + "/" + name
        guard mkdir(path, 0o755) == 0 else { throw XCTSkip("cannot create nested cgroup \(path): errno \(errno)") }
        return TestCgroup(directory: path, version: version, parentDirectory: directory)
    }

    /// At most `quota` µs of CPU time per `period` µs for everything in this cgroup.
    public func setQuota(_ quota: Int, period: Int) throws {
        if version == 2 {
            try write("\(quota) \(period)", to: "cpu.max")
        } else {
            try write("\(period)", to: "cpu.cfs_period_us")
            try write("\(quota)", to: "cpu.cfs_quota_us")
        }
    }

    /// Moves process `pid` (all its threads) into this cgroup.
    public func add(_ pid: Int32) throws { try write("\(pid)", to: "cgroup.procs") }

    /// The `nr_throttled` line of cpu.stat: periods in which the cgroup used up its quota.
    public var throttledPeriods: Int? {
        guard let stat = CPUBudget.readSmallFile(directory + "/cpu.stat") else { return nil }
        for line in stat.split(separator: "\n") where line.hasPrefix("nr_throttled ") {
            return Int(line.dropFirst("nr_throttled ".count))
        }
        return nil
    }

    /// Moves `pid` (when given) back to the parent and removes the then empty cgroup.
    public func remove(releasing pid: Int32?) {
        if let pid { _ = try? write("\(pid)", to: "cgroup.procs", in: parentDirectory) }
        rmdir(directory)
    }

    private func write(_ text: String, to file: String, in base: String? = nil) throws {
        let path = (base ?? directory) + "/" + file
        let fd = open(path, O_WRONLY)
        guard fd >= 0 else { throw TestCgroupError("open \(path): errno \(errno)") }
        defer { close(fd) }
        let bytes = Array(text.utf8)
        let written = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
        guard written == bytes.count else { throw TestCgroupError("write \(text) to \(path): errno \(errno)") }
    }
}

public struct TestCgroupError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
