// How many CPUs this process may really use, which is what thread counts must follow. The online
// CPU count is the machine's; a container's limits come on top of it, two ways:
// - an affinity mask (taskset, a cpuset cgroup, Kubernetes' static CPU manager) confines the
//   threads to some cores: more runnable threads than those cores only take turns;
// - a CFS quota (a Kubernetes CPU limit) caps the CPU time of all threads together per period.
//   Sixteen threads under a 1-CPU quota use it up in a sixteenth of the period and then all wait
//   for the next one: throttled periods, and tail latencies of tens of milliseconds.
import CLinux
#if canImport(Glibc)
import Glibc
#endif

package struct CPUBudget: Sendable, Equatable, CustomStringConvertible {
    /// Which of the limits set `cpus`.
    package enum Limit: String, Sendable, Equatable {
        case online = "online CPUs"
        case affinity = "affinity mask"
        case quota = "CPU quota"
    }

    /// CPUs online on the machine (at least 1).
    package var onlineCPUs: Int
    /// CPUs in the process's affinity mask; nil when it could not be read.
    package var affinityCPUs: Int?
    /// The tightest cgroup CPU quota over the process's cgroup and its ancestors; nil when none.
    package var quota: CgroupCPUQuota?

    package init(onlineCPUs: Int, affinityCPUs: Int? = nil, quota: CgroupCPUQuota? = nil) {
        self.onlineCPUs = max(1, onlineCPUs)
        self.affinityCPUs = affinityCPUs.map { max(1, $0) }
        self.quota = quota
    }

    /// CPUs the process can keep busy: the smallest of the three, at least 1.
    package var cpus: Int {
        var result = onlineCPUs
        if let affinityCPUs { result = min(result, affinityCPUs) }
        if let quota { result = min(result, quota.cpus) }
        return max(1, result)
    }

    /// The limit that sets `cpus`. On a tie the quota is named first (it is the one that throttles),
    /// then the affinity mask.
    package var limitedBy: Limit {
        if let quota, quota.cpus <= cpus { return .quota }
        if let affinityCPUs, affinityCPUs <= cpus, affinityCPUs < onlineCPUs { return .affinity }
        return .online
    }

    /// Whether a CFS quota is in force: threads must not burn CPU time waiting (spinning), since
    /// every microsecond comes out of the same per-period allowance as the real work.
    package var hasQuota: Bool { quota != nil }

    package var description: String {
        let plural = cpus == 1 ? "CPU" : "CPUs"
        var parts: [String] = ["\(onlineCPUs) online"]
        if let affinityCPUs { parts.append("\(affinityCPUs) in the affinity mask") }
        if let quota { parts.append("\(quota), rounded up to \(quota.cpus)") } else { parts.append("no CPU quota") }
        return "\(cpus) \(plural), limited by the \(limitedBy.rawValue) (\(parts.joined(separator: "; ")))"
    }

    // MARK: - Reading it from the system

    /// The budget of this process, read once at first use (limits set later are not seen; a
    /// container's limits are in place before its process starts).
    package static let current: CPUBudget = detect()

    /// Largest /proc or cgroup file read: a mountinfo of thousands of mounts fits; a file larger
    /// than this is not one the kernel wrote for us.
    package static let maximumFileBytes = 4 * 1024 * 1024

    /// Reads the budget of process `pid` (0: this process) from the kernel: online CPUs, the
    /// affinity mask, and the cgroup v1 and v2 CPU quotas of its cgroup and every ancestor.
    package static func detect(pid: Int32 = 0) -> CPUBudget {
        let online = sysconf(Int32(_SC_NPROCESSORS_ONLN))
        let affinity = clinux_affinity_cpu_count(pid)
        let procDirectory = pid == 0 ? "/proc/self" : "/proc/\(pid)"
        return CPUBudget(onlineCPUs: online > 0 ? online : 1,
                         affinityCPUs: affinity > 0 ? Int(affinity) : nil,
                         quota: quota(procDirectory: procDirectory, read: { readSmallFile($0) }))
    }

    /// The tightest quota for the process whose /proc directory is `procDirectory`, with every
    /// file read through `read` (so the whole resolution runs on sample files in tests).
    package static func quota(procDirectory: String, read: (String) -> String?) -> CgroupCPUQuota? {
        guard let cgroups = read(procDirectory + "/cgroup"), let mountInfo = read(procDirectory + "/mountinfo") else { return nil }
        let places = CgroupFiles.cpuDirectories(memberships: CgroupFiles.parseMemberships(cgroups),
                                                mounts: CgroupFiles.parseMounts(mountInfo))
        return CgroupFiles.tightestQuota(in: places, read: read)
    }

    /// The whole file, or nil when it is missing, unreadable, or over `maximumFileBytes`.
    /// (/proc and cgroup files report size 0, so it is read until end of file.)
    package static func readSmallFile(_ path: String) -> String? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var bytes: [UInt8] = []
        let chunk = 16 * 1024
        var buffer = [UInt8](repeating: 0, count: chunk)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, chunk) }
            if count < 0 {
                if errno == EINTR { continue }
                return nil
            }
            if count == 0 { break }
            guard bytes.count + count <= maximumFileBytes else { return nil }
            bytes.append(contentsOf: buffer[0..<count])
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
