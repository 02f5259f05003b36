#if canImport(Glibc)
import Glibc
#endif

/// Sizes glibc's per-thread cache of freed small blocks (tcache) for the webhook's allocation
/// pattern, by re-executing the process once with `GLIBC_TUNABLES` set.
///
/// Why: every admission request builds and drops a JSON tree of a few hundred small blocks of a
/// handful of sizes. glibc keeps only 7 freed blocks per size in the thread's cache; the rest go to
/// the shared bins, and the request body's next large allocation then triggers a consolidation of
/// all of them. With a larger cache the next request takes its blocks straight back from the
/// thread's cache. Measured on the 2-core machine (release, ~10 KB review, wrk over keep-alive TLS):
/// 57–66 µs of webhook CPU per request with the default, 47–50 µs with 32–1000 entries.
///
/// The count can only be set through the environment before the process starts (glibc has no
/// `mallopt` for it), hence the `execv` of `/proc/self/exe` with the same arguments: same pid, same
/// open descriptors, so supervisors, signals and pipes see nothing. A value the operator set in
/// `GLIBC_TUNABLES` wins; `--malloc-tcache-count 0` turns the whole thing off.
package enum AllocatorTuning {
    /// Entries per size class kept in each thread's cache (glibc's default is 7). Memory bound:
    /// at most this many blocks of each of the 64 cached sizes (≤ 1 KiB) per thread.
    package static let defaultTcacheCount = 64
    /// glibc's own upper bound for the tunable.
    package static let maximumTcacheCount = 65_535

    static let tunableName = "glibc.malloc.tcache_count"
    /// Set before the re-exec: a second start never re-executes again, even where the loader drops
    /// `GLIBC_TUNABLES` (set-user-ID programs), so there can be no exec loop.
    static let markerVariable = "RAY_OPERATOR_ALLOCATOR_TUNED"

    /// The `GLIBC_TUNABLES` value to start again with, or nil when nothing should change: tuning
    /// off (`count` 0), or the operator already chose a tcache count.
    package static func tunables(current: String?, tcacheCount count: Int) -> String? {
        guard count > 0, count <= maximumTcacheCount else { return nil }
        let current = current ?? ""
        if tcacheSetting(in: current) != nil { return nil }
        let setting = "\(tunableName)=\(count)"
        return current.isEmpty ? setting : current + ":" + setting
    }

    /// The tcache count in effect according to `GLIBC_TUNABLES` (nil: glibc's default).
    package static func activeTcacheCount(tunables: String?) -> Int? {
        guard let tunables, let value = tcacheSetting(in: tunables) else { return nil }
        return Int(value)
    }

    /// The value of the tcache count setting in a `GLIBC_TUNABLES` string (`name=value:…`).
    private static func tcacheSetting(in tunables: String) -> Substring? {
        let prefix = tunableName + "="
        return tunables.split(separator: ":").first { $0.hasPrefix(prefix) }?.dropFirst(prefix.count)
    }

    /// Re-executes this program with the tuned environment when `tunables(current:tcacheCount:)`
    /// asks for it. Returns only when it did not (nothing to do, not Linux/glibc, or `execv`
    /// failed); the returned text says why it did not re-execute when that is worth logging.
    @discardableResult
    package static func reexecuteIfNeeded(tcacheCount: Int, arguments: [String]) -> String? {
        #if os(Linux) && canImport(Glibc)
        guard getenv(markerVariable) == nil else { return nil }
        let current = getenv("GLIBC_TUNABLES").map { String(cString: $0) }
        guard let value = tunables(current: current, tcacheCount: tcacheCount), !arguments.isEmpty else { return nil }
        setenv("GLIBC_TUNABLES", value, 1)
        setenv(markerVariable, "1", 1)
        var cArguments: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) }
        cArguments.append(nil)
        execv("/proc/self/exe", &cArguments)
        // Still here: execv failed. Carry on untuned, with the environment as it was.
        let code = errno
        for pointer in cArguments { free(pointer) }
        if let current { setenv("GLIBC_TUNABLES", current, 1) } else { unsetenv("GLIBC_TUNABLES") }
        return "could not re-execute with a tuned allocator (errno \(code)); running with glibc's defaults"
        #else
        return nil
        #endif
    }

    /// `GLIBC_TUNABLES` of this process, for the start-up log.
    package static var currentTunables: String? {
        #if canImport(Glibc)
        return getenv("GLIBC_TUNABLES").map { String(cString: $0) }
        #else
        return nil
        #endif
    }
}
