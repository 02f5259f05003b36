import Synchronization
import CLinux
#if canImport(Glibc)
import Glibc
#endif

/// Write end of the self-pipe the termination handler writes to (-1 before install).
private let terminationPipeWrite = Atomic<Int32>(-1)

/// SIGTERM / SIGINT as a blocking wait, by the self-pipe trick: the C handler only does an atomic
/// load and write(2) (both async-signal-safe), whatever threads exist (Swift concurrency may
/// already have started some, so blocking the signals in every thread is not an option).
package final class TerminationSignals: Sendable {
    private let readFD: Int32

    /// Installs the handlers. Call once per process.
    package init() throws {
        var fds: [Int32] = [-1, -1]
        guard pipe(&fds) == 0 else { throw SocketError("pipe") }
        _ = fcntl(fds[1], F_SETFL, fcntl(fds[1], F_GETFL) | O_NONBLOCK)
        _ = fcntl(fds[0], F_SETFD, FD_CLOEXEC)
        _ = fcntl(fds[1], F_SETFD, FD_CLOEXEC)
        readFD = fds[0]
        terminationPipeWrite.store(fds[1], ordering: .sequentiallyConsistent)
        var action = sigaction()
        action.__sigaction_handler.sa_handler = { signal in
            var byte = UInt8(truncatingIfNeeded: signal)
            let fd = terminationPipeWrite.load(ordering: .relaxed)
            if fd >= 0 { _ = write(fd, &byte, 1) }
        }
        sigemptyset(&action.sa_mask)
        action.sa_flags = Int32(SA_RESTART)
        _ = sigaction(SIGTERM, &action, nil)
        _ = sigaction(SIGINT, &action, nil)
    }

    /// Blocks until SIGTERM or SIGINT arrives; returns the signal number.
    package func wait() -> Int32 {
        var byte: UInt8 = 0
        while true {
            let n = read(readFD, &byte, 1)
            if n == 1 { return Int32(byte) }
            if n < 0 && errno == EINTR { continue }
            return SIGTERM
        }
    }
}
