// The CPU quota of a Linux control group, read the way the kernel exposes it: which cgroups a
// process is in (/proc/PID/cgroup), where their hierarchies are mounted (/proc/PID/mountinfo), and
// the CFS bandwidth files of the process's cgroup and of every ancestor visible in the mount
// (cgroup v1: cpu.cfs_quota_us and cpu.cfs_period_us; cgroup v2: cpu.max). A container runtime sets
// the limit on the container's cgroup, systemd or a pod may set a tighter one on a parent: the
// tightest one found applies. Everything here is pure text handling; the caller reads the files.

/// A CFS bandwidth limit: at most `quotaMicroseconds` of CPU time in every `periodMicroseconds`,
/// shared by every thread of the cgroup. A process that uses it up waits for the next period
/// (a throttled period), however many cores are idle.
package struct CgroupCPUQuota: Sendable, Equatable, CustomStringConvertible {
    package var quotaMicroseconds: Int
    package var periodMicroseconds: Int
    /// 1 (cpu controller of the v1 hierarchies) or 2 (unified hierarchy).
    package var cgroupVersion: Int
    /// The cgroup directory whose files set this limit.
    package var directory: String

    package init(quotaMicroseconds: Int, periodMicroseconds: Int, cgroupVersion: Int, directory: String) {
        self.quotaMicroseconds = quotaMicroseconds
        self.periodMicroseconds = periodMicroseconds
        self.cgroupVersion = cgroupVersion
        self.directory = directory
    }

    /// Threads that can use the whole quota: quota / period rounded up (1.5 CPUs → 2, since one
    /// thread could use only 1), at least 1. Parsing guarantees both values are positive.
    package var cpus: Int {
        guard periodMicroseconds > 0, quotaMicroseconds > 0 else { return 1 }
        let whole = quotaMicroseconds / periodMicroseconds
        let roundedUp = quotaMicroseconds % periodMicroseconds == 0 ? whole : whole &+ 1
        return max(1, roundedUp)
    }

    /// The quota in CPUs, unrounded (for comparing limits and for logs).
    package var share: Double {
        periodMicroseconds > 0 ? Double(quotaMicroseconds) / Double(periodMicroseconds) : 0
    }

    package var description: String {
        let file = cgroupVersion == 2 ? "cpu.max" : "cpu.cfs_quota_us"
        let shareText = (share * 100).rounded() / 100
        return "cgroup v\(cgroupVersion) CPU quota of \(quotaMicroseconds) µs per \(periodMicroseconds) µs period = \(shareText) CPUs (\(directory)/\(file))"
    }
}

/// One line of /proc/PID/cgroup: `hierarchy-ID:controller-list:cgroup-path`.
package struct CgroupMembership: Sendable, Equatable {
    package var hierarchyID: Int
    /// Empty for the v2 (unified) hierarchy, whose line reads `0::/path`.
    package var controllers: [String]
    package var path: String

    package init(hierarchyID: Int, controllers: [String], path: String) {
        self.hierarchyID = hierarchyID
        self.controllers = controllers
        self.path = path
    }
}

/// The fields of one /proc/PID/mountinfo line that locate a cgroup hierarchy.
package struct CgroupMount: Sendable, Equatable {
    /// The directory of the hierarchy seen at the mount point (`/` unless a container runtime
    /// mounted only the container's own subtree).
    package var root: String
    package var mountPoint: String
    /// `cgroup` (v1) or `cgroup2`.
    package var fileSystemType: String
    /// For v1, the controllers of the hierarchy appear here (`rw,cpu,cpuacct`).
    package var superOptions: [String]

    package init(root: String, mountPoint: String, fileSystemType: String, superOptions: [String]) {
        self.root = root
        self.mountPoint = mountPoint
        self.fileSystemType = fileSystemType
        self.superOptions = superOptions
    }
}

/// Where to look for a CPU limit: one hierarchy's directories, the process's own cgroup first,
/// then each ancestor up to the mount point.
package struct CgroupCPUDirectories: Sendable, Equatable {
    package var cgroupVersion: Int
    package var directories: [String]
}

package enum CgroupFiles {
    /// Longest cgroup path accepted from /proc (the kernel's PATH_MAX); anything longer is not a
    /// path the kernel wrote.
    package static let maximumPathBytes = 4096

    /// Parses cgroup v2 `cpu.max`: `max 100000` (no limit) → nil; `150000 100000` → (150000, 100000).
    /// A lone quota takes the kernel's default period (100 ms). Anything else → nil.
    package static func parseCPUMax(_ text: String) -> (quota: Int, period: Int)? {
        let fields = text.split(whereSeparator: { $0 == " " || $0 == "\n" || $0 == "\t" })
        guard fields.count == 1 || fields.count == 2 else { return nil }
        guard fields[0] != "max", let quota = Int(fields[0]), quota > 0 else { return nil }
        let period: Int
        if fields.count == 2 {
            guard let value = Int(fields[1]), value > 0 else { return nil }
            period = value
        } else {
            period = defaultPeriodMicroseconds
        }
        return (quota, period)
    }

    /// The kernel's CFS period when none is set.
    package static let defaultPeriodMicroseconds = 100_000

    /// Parses cgroup v1 `cpu.cfs_quota_us` and `cpu.cfs_period_us`: a quota of -1 (no limit) or
    /// anything not a positive number → nil.
    package static func parseCFS(quota quotaText: String, period periodText: String) -> (quota: Int, period: Int)? {
        guard let quota = Int(trimmed(quotaText)), quota > 0,
              let period = Int(trimmed(periodText)), period > 0 else { return nil }
        return (quota, period)
    }

    /// Parses /proc/PID/cgroup. Lines that do not have the three fields are skipped.
    package static func parseMemberships(_ text: String) -> [CgroupMembership] {
        var result: [CgroupMembership] = []
        for line in text.split(separator: "\n") {
            // The path may itself contain ':' (the first two separators are the fields').
            let fields = line.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
            guard fields.count == 3, let id = Int(fields[0]) else { continue }
            let path = String(fields[2])
            guard path.hasPrefix("/"), path.utf8.count <= maximumPathBytes else { continue }
            let controllers = fields[1].split(separator: ",").map(String.init)
            result.append(CgroupMembership(hierarchyID: id, controllers: controllers, path: path))
        }
        return result
    }

    /// Parses the cgroup and cgroup2 mounts of /proc/PID/mountinfo:
    /// `ID PARENT MAJ:MIN ROOT MOUNT-POINT OPTIONS [OPTIONAL…] - TYPE SOURCE SUPER-OPTIONS`.
    /// Other mounts and malformed lines are skipped.
    package static func parseMounts(_ text: String) -> [CgroupMount] {
        var result: [CgroupMount] = []
        for line in text.split(separator: "\n") {
            let fields = line.split(separator: " ")
            // The optional fields end at a lone "-"; at least six fields come before it.
            guard let dash = fields.firstIndex(of: "-"), dash >= 6, fields.count >= dash + 4 else { continue }
            let type = String(fields[dash + 1])
            guard type == "cgroup" || type == "cgroup2" else { continue }
            result.append(CgroupMount(root: unescape(fields[3]), mountPoint: unescape(fields[4]), fileSystemType: type,
                                      superOptions: fields[dash + 3].split(separator: ",").map(String.init)))
        }
        return result
    }

    /// Where the CPU limits of a process with these memberships live: the v1 hierarchy that has the
    /// `cpu` controller and the v2 hierarchy, each as the process's cgroup directory and its
    /// ancestors up to the mount point. A hierarchy that is not mounted, or whose mount shows a
    /// subtree that does not contain the process, is left out (its files are out of reach).
    package static func cpuDirectories(memberships: [CgroupMembership], mounts: [CgroupMount]) -> [CgroupCPUDirectories] {
        var result: [CgroupCPUDirectories] = []
        if let membership = memberships.first(where: { $0.hierarchyID != 0 && $0.controllers.contains("cpu") }),
           let mount = mounts.first(where: { $0.fileSystemType == "cgroup" && $0.superOptions.contains("cpu") }),
           let directories = directories(of: membership.path, under: mount) {
            result.append(CgroupCPUDirectories(cgroupVersion: 1, directories: directories))
        }
        if let membership = memberships.first(where: { $0.hierarchyID == 0 && $0.controllers.isEmpty }),
           let mount = mounts.first(where: { $0.fileSystemType == "cgroup2" }),
           let directories = directories(of: membership.path, under: mount) {
            result.append(CgroupCPUDirectories(cgroupVersion: 2, directories: directories))
        }
        return result
    }

    /// The tightest quota among `places`, reading each directory's files with `read` (nil for a
    /// file that does not exist or cannot be read: the real root cgroup has no cpu.max, for one).
    package static func tightestQuota(in places: [CgroupCPUDirectories], read: (String) -> String?) -> CgroupCPUQuota? {
        var best: CgroupCPUQuota? = nil
        for place in places {
            for directory in place.directories {
                let limit: (quota: Int, period: Int)?
                if place.cgroupVersion == 2 {
                    limit = read(directory + "/cpu.max").flatMap(parseCPUMax)
                } else if let quota = read(directory + "/cpu.cfs_quota_us"), let period = read(directory + "/cpu.cfs_period_us") {
                    limit = parseCFS(quota: quota, period: period)
                } else {
                    limit = nil
                }
                guard let limit else { continue }
                let found = CgroupCPUQuota(quotaMicroseconds: limit.quota, periodMicroseconds: limit.period,
                                           cgroupVersion: place.cgroupVersion, directory: directory)
                if best.map({ found.share < $0.share }) ?? true { best = found }
            }
        }
        return best
    }

    /// The process's cgroup directory and its ancestors, up to and including the mount point.
    static func directories(of path: String, under mount: CgroupMount) -> [String]? {
        let relative: Substring
        if mount.root == "/" {
            relative = path[...]
        } else if path == mount.root {
            relative = "/"
        } else if path.hasPrefix(mount.root + "/") {
            relative = path.dropFirst(mount.root.count)
        } else {
            return nil
        }
        let components = relative.split(separator: "/")
        // `..` appears when the process sits outside the reader's cgroup namespace: not reachable.
        guard !components.contains("..") else { return nil }
        let base = mount.mountPoint.hasSuffix("/") && mount.mountPoint.count > 1 ? String(mount.mountPoint.dropLast()) : mount.mountPoint
        var result: [String] = []
        var depth = components.count
        while depth >= 0 {
            let tail = components.prefix(depth).joined(separator: "/")
            result.append(tail.isEmpty ? base : (base == "/" ? "/" + tail : base + "/" + tail))
            depth -= 1
        }
        return result
    }

    /// mountinfo escapes space, tab, newline and backslash as three octal digits (`\040`).
    static func unescape(_ field: Substring) -> String {
        guard field.contains("\\") else { return String(field) }
        var bytes: [UInt8] = []
        let utf8 = Array(field.utf8)
        var index = 0
        while index < utf8.count {
            if utf8[index] == UInt8(ascii: "\\"), index + 3 < utf8.count,
               let value = octal(utf8[(index + 1)...(index + 3)]) {
                bytes.append(value)
                index += 4
            } else {
                bytes.append(utf8[index])
                index += 1
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    private static func octal(_ digits: ArraySlice<UInt8>) -> UInt8? {
        guard digits.count == 3 else { return nil }
        var value = 0
        for digit in digits {
            guard digit >= UInt8(ascii: "0"), digit <= UInt8(ascii: "7") else { return nil }
            value = value * 8 + Int(digit - UInt8(ascii: "0"))
        }
        return value <= 255 ? UInt8(value) : nil
    }

    private static func trimmed(_ text: String) -> Substring {
        var slice = text[...]
        while let last = slice.last, last == "\n" || last == " " || last == "\t" { slice = slice.dropLast() }
        while let first = slice.first, first == " " || first == "\t" { slice = slice.dropFirst() }
        return slice
    }
}
