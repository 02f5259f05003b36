import CLinux
#if canImport(Glibc)
import Glibc
#endif

/// Online CPU count (the default number of event-loop threads).
enum ProcessorCount {
    static var online: Int {
        let n = sysconf(Int32(_SC_NPROCESSORS_ONLN))
        return n > 0 ? n : 1
    }
}
