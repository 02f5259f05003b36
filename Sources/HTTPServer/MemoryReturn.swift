import CLinux
#if canImport(Glibc)
import Glibc
#endif

/// Giving freed memory back to the system after a burst.
///
/// Why: glibc keeps freed memory for reuse. After a burst of large requests the webhook stayed
/// at 365 MB RSS while idle, and after thousands of connections closed at 880 MB: memory the
/// container's limit counts, so the next burst starts from there and is OOM-killed sooner. Two
/// things fix that:
///
/// - Blocks of at least `mmapThreshold` bytes are always mapped on their own and unmapped when
///   freed. glibc's default threshold grows (up to 32 MiB) each time such a block is freed, after
///   which multi-MB bodies and responses come from the heap and stay there.
/// - Once a burst is over (no request in flight, and enough memory freed since the last time),
///   `malloc_trim` returns the free pages of every arena. It runs on a worker thread, never on
///   an event loop, since it walks the whole heap.
enum MemoryReturn {
    /// Large bodies and responses above this are mapped on their own.
    static let mmapThreshold: Int32 = 1 << 20
    /// Freed bytes (requests' reservations, closed connections) that make a trim worth it.
    static let trimAfterFreedBytes = 8 << 20
    /// At most one trim per this many seconds.
    static let minimumTrimInterval = 1.0

    /// Fixes the mmap threshold. Process-wide; done once when the first server starts.
    static func configure() {
        _ = configured
    }

    private static let configured: Bool = {
        clinux_set_mmap_threshold(mmapThreshold) == 1
    }()

    static func trim() {
        _ = clinux_malloc_trim()
    }
}
