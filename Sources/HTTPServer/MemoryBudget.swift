#if canImport(Glibc)
import Glibc
#endif

/// How much memory the process may use, and the server limits that follow from it.
///
/// Why: a webhook with `failurePolicy: Fail` that is OOM-killed takes admission down for the
/// whole cluster. Limits in bytes and connections that ignore the container's memory limit let a
/// few thousand bare connections or two large conversions exceed it. So the limit is read from
/// the cgroup (v2 `memory.max`, v1 `memory.limit_in_bytes`, the lowest along the path, as the
/// kernel enforces the lowest) and split into:
///
/// - a fixed reserve for what every process holds (code, thread stacks, allocator slack, TLS
///   contexts, metrics);
/// - a share for open connections (`maxConnections` = share / `bytesPerConnection`);
/// - the rest for requests in flight: bodies, the trees parsed from them and the responses
///   (`maxInflightBytes`, enforced by `InflightBudget`).
///
/// Without a cgroup limit the physical memory stands in for it; every derived value is clamped
/// to the server's historical defaults, so a large machine keeps the old behaviour.
package struct MemoryBudget: Sendable, Equatable {
    /// The limit the split starts from, in bytes.
    package var limitBytes: Int
    /// Where it came from, for the start-up log ("cgroup v2 /sys/fs/cgroup/…/memory.max").
    package var source: String

    /// Held back from the split for the process itself: a quarter of the limit, at most 48 MiB (the idle webhook holds ~20 MiB).
    package static let maxReserveBytes = 48 << 20
    /// What one open, handshaken, idle TLS connection costs (OpenSSL session, connection state,
    /// the socket's kernel memory, allocator slack), measured with margin.
    package static let bytesPerConnection = 16 << 10
    /// Share of what is left after the reserve that goes to open connections (the rest is for
    /// requests in flight).
    package static let connectionShare = 0.15
    /// Bounds of the derived connection cap: enough for a few API servers' pools at the low end,
    /// the server's historical default at the high end.
    package static let connectionCapRange = 64...20_000
    /// Bounds of the derived in-flight budget: a few small reviews at the low end; at the high
    /// end, more than any number of concurrent webhook calls needs.
    package static let inflightRange = (4 << 20)...(4 << 30)

    package init(limitBytes: Int, source: String) {
        self.limitBytes = max(0, limitBytes)
        self.source = source
    }

    package var reserveBytes: Int { min(limitBytes / 4, MemoryBudget.maxReserveBytes) }

    /// Default `maxConnections`.
    package var connectionCap: Int {
        let share = Double(limitBytes - reserveBytes) * MemoryBudget.connectionShare
        let count = Int(share / Double(MemoryBudget.bytesPerConnection))
        return min(max(count, MemoryBudget.connectionCapRange.lowerBound), MemoryBudget.connectionCapRange.upperBound)
    }

    /// Default `maxInflightBytes`.
    package var inflightBytes: Int {
        let share = Double(limitBytes - reserveBytes) * (1 - MemoryBudget.connectionShare)
        let bytes = share >= Double(MemoryBudget.inflightRange.upperBound) ? MemoryBudget.inflightRange.upperBound : Int(share)
        return min(max(bytes, MemoryBudget.inflightRange.lowerBound), MemoryBudget.inflightRange.upperBound)
    }

    /// This process's budget, read once.
    package static let current = detect()

    // MARK: - Reading the limit

    /// The budget of this process: its cgroup limit, else the physical memory.
    package static func detect(procRoot: String = "/proc", cgroupRoot: String = "/sys/fs/cgroup") -> MemoryBudget {
        if let found = cgroupLimit(procRoot: procRoot, cgroupRoot: cgroupRoot) { return found }
        let pages = sysconf(Int32(_SC_PHYS_PAGES))
        let pageSize = sysconf(Int32(_SC_PAGESIZE))
        let (bytes, overflow) = pages.multipliedReportingOverflow(by: pageSize)
        let physical = pages > 0 && pageSize > 0 && !overflow ? bytes : Int(Int32.max)
        return MemoryBudget(limitBytes: physical, source: "physical memory (no cgroup memory limit)")
    }

    /// The lowest memory limit on this process's cgroup path (v2 unified, or v1 `memory`
    /// controller), nil when none is set.
    package static func cgroupLimit(procRoot: String = "/proc", cgroupRoot: String = "/sys/fs/cgroup") -> MemoryBudget? {
        guard let membership = readSmallFile(procRoot + "/self/cgroup") else { return nil }
        let paths = CgroupMembership.parse(membership)
        if let v2 = paths.unified {
            // Unified hierarchy mounted at the root itself.
            if let found = lowestLimit(root: cgroupRoot, path: v2, file: "memory.max", version: "v2") { return found }
        }
        if let v1 = paths.memoryV1 {
            if let found = lowestLimit(root: cgroupRoot + "/memory", path: v1, file: "memory.limit_in_bytes", version: "v1") { return found }
        }
        return nil
    }

    /// Walks from the cgroup's directory up to the mount root and keeps the lowest limit. Inside a
    /// container the mount often shows only the container's own cgroup at its root (its path in
    /// /proc/self/cgroup does not exist there), so the root's file counts too.
    static func lowestLimit(root: String, path: String, file: String, version: String) -> MemoryBudget? {
        var best: (bytes: Int, where: String)?
        var components = path.split(separator: "/").map(String.init)
        while true {
            let directory = components.isEmpty ? root : root + "/" + components.joined(separator: "/")
            let candidate = directory + "/" + file
            if let text = readSmallFile(candidate), let bytes = parseLimit(text) {
                if best == nil || bytes < (best?.bytes ?? Int.max) { best = (bytes, candidate) }
            }
            if components.isEmpty { break }
            components.removeLast()
        }
        guard let best else { return nil }
        return MemoryBudget(limitBytes: best.bytes, source: "cgroup \(version) \(best.where)")
    }

    /// A limit file's value: a byte count, or nil for "max" (v2) and the huge page-rounded
    /// number v1 reports when no limit is set.
    static func parseLimit(_ text: String) -> Int? {
        let trimmed = text.split(whereSeparator: { $0 == "\n" || $0 == " " }).first.map(String.init) ?? ""
        guard trimmed != "max", let value = Int(trimmed), value > 0 else { return nil }
        // v1 reports "no limit" as LONG_MAX rounded down to a page; anything beyond 1 PiB is that.
        return value >= (1 << 50) ? nil : value
    }

    /// A file under /proc or /sys, at most 64 KiB.
    static func readSmallFile(_ path: String) -> String? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while bytes.count < 65_536 {
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { break }
            bytes.append(contentsOf: chunk[0..<n])
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}

/// The cgroup paths of `/proc/self/cgroup`: the v2 entry (`0::/path`) and the v1 `memory` one
/// (`N:memory:/path`, possibly with other controllers, `N:cpu,memory:/path`).
struct CgroupMembership: Equatable {
    var unified: String?
    var memoryV1: String?

    static func parse(_ text: String) -> CgroupMembership {
        var result = CgroupMembership()
        for line in text.split(separator: "\n") {
            let fields = line.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
            guard fields.count == 3 else { continue }
            let controllers = fields[1]
            let path = String(fields[2])
            if fields[0] == "0" && controllers.isEmpty {
                result.unified = path
            } else if controllers.split(separator: ",").contains("memory") {
                result.memoryV1 = path
            }
        }
        return result
    }
}
