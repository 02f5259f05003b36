import CLinux
#if canImport(Glibc)
import Glibc
#endif

/// Plain pthreads for the event loops, workers, parallel maps and the API client: they block in
/// epoll_wait, a condition variable or a socket read, which must not happen on Swift concurrency's
/// cooperative pool. Every thread of the process starts here.
package enum Threads {
    private final class Box {
        let body: @Sendable () -> Void
        init(_ body: @escaping @Sendable () -> Void) { self.body = body }
    }

    /// Starts a joinable thread; nil when the system refuses (the caller reports it).
    package static func start(name: String, _ body: @escaping @Sendable () -> Void) -> pthread_t? {
        let box = Unmanaged.passRetained(Box(body)).toOpaque()
        var thread = pthread_t()
        let rc = pthread_create(&thread, nil, { raw in
            guard let raw else { return nil }
            let box = Unmanaged<Box>.fromOpaque(raw).takeRetainedValue()
            box.body()
            return nil
        }, box)
        guard rc == 0 else {
            Unmanaged<Box>.fromOpaque(box).release()
            return nil
        }
        // Thread names are at most 15 bytes + NUL on Linux.
        _ = clinux_set_thread_name(thread, String(name.prefix(15)))
        return thread
    }

    /// Starts a thread nobody joins; false when the system refuses.
    package static func startDetached(name: String, _ body: @escaping @Sendable () -> Void) -> Bool {
        guard let thread = start(name: name, body) else { return false }
        _ = pthread_detach(thread)
        return true
    }

    package static func join(_ thread: pthread_t) {
        _ = pthread_join(thread, nil)
    }
}
