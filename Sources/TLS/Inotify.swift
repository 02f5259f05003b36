// Linux inotify on directories, for the certificate watcher. Watching the DIRECTORY (not the files)
// is what survives the kubelet's update of a mounted Secret: it writes a new timestamped directory,
// then atomically renames a `..data` symlink over the old one; `tls.crt` is a symlink through
// `..data`, so the file itself never changes, but the directory sees IN_MOVED_TO/IN_CREATE.
#if canImport(Glibc)
import Glibc

/// A non-blocking inotify descriptor and its watched directories. Used by one thread only.
final class DirectoryWatch {
    let fd: Int32
    private var watches: [Int32: String] = [:]

    /// Events that may mean a certificate or key changed.
    static let mask = UInt32(IN_CREATE | IN_MOVED_TO | IN_MOVED_FROM | IN_CLOSE_WRITE | IN_DELETE | IN_ATTRIB
                             | IN_DELETE_SELF | IN_MOVE_SELF)

    /// Largest read of queued events at once.
    static let readBufferBytes = 16 * 1024

    /// nil when inotify is unavailable (then the watcher relies on polling alone).
    init?() {
        let fd = inotify_init1(Int32(IN_NONBLOCK | IN_CLOEXEC))
        guard fd >= 0 else { return nil }
        self.fd = fd
    }

    deinit { close(fd) }

    var watchedDirectories: Set<String> { Set(watches.values) }

    /// Makes the watched set equal `directories` (a directory that does not exist yet is skipped and
    /// tried again on the next call).
    func update(_ directories: Set<String>) {
        for (descriptor, directory) in watches where !directories.contains(directory) {
            inotify_rm_watch(fd, descriptor)
            watches[descriptor] = nil
        }
        let current = Set(watches.values)
        for directory in directories where !current.contains(directory) {
            let descriptor = inotify_add_watch(fd, directory, DirectoryWatch.mask)
            if descriptor >= 0 { watches[descriptor] = directory }
        }
    }

    /// Reads every queued event. `changed`: something happened in a watched directory;
    /// `lostWatch`: a watched directory went away (the caller should `update` later).
    func drain() -> (changed: Bool, lostWatch: Bool) {
        var changed = false, lostWatch = false
        var buffer = [UInt8](repeating: 0, count: DirectoryWatch.readBufferBytes)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { break }
            buffer.withUnsafeBytes { raw in
                var offset = 0
                let header = 16   // struct inotify_event: wd, mask, cookie, len
                while offset &+ header <= count {
                    let descriptor = raw.loadUnaligned(fromByteOffset: offset, as: Int32.self)
                    let mask = raw.loadUnaligned(fromByteOffset: offset &+ 4, as: UInt32.self)
                    let nameLength = Int(raw.loadUnaligned(fromByteOffset: offset &+ 12, as: UInt32.self))
                    if mask & UInt32(IN_IGNORED) != 0 {
                        watches[descriptor] = nil
                        lostWatch = true
                    }
                    if mask & (UInt32(IN_DELETE_SELF) | UInt32(IN_MOVE_SELF)) != 0 { lostWatch = true }
                    if mask & UInt32(IN_Q_OVERFLOW) != 0 { changed = true }
                    if mask & DirectoryWatch.mask != 0 { changed = true }
                    let (next, overflow) = offset.addingReportingOverflow(header &+ nameLength)
                    if overflow { break }
                    offset = next
                }
            }
        }
        return (changed, lostWatch)
    }
}
#endif
