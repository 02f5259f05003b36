import TLS
import Threads
import Logging
import Synchronization

/// State shared by every event loop and worker of one `Server`: configuration, the current TLS
/// context, connection accounting and the shutdown phase. Everything mutable is atomic or locked.
final class ServerCore: Sendable {
    let configuration: ServerConfiguration
    let limits: HTTPLimits
    let logger: Logger
    let stats: ServerStats
    let workers: WorkerPool
    /// Bytes requests in flight may hold together (`maxInflightBytes`).
    let budget: InflightBudget

    /// The SSL_CTX new handshakes use. Swapped atomically on certificate reload; a connection keeps
    /// the context it was accepted with (it holds a reference) until it closes.
    private let tls: Mutex<TLSContextBox?>

    /// Open connections across listeners and loops (the bound of `maxConnections`).
    let openConnections = Atomic<Int>(0)
    /// Shutdown phase 1: every response carries `Connection: close`.
    let draining = Atomic<Bool>(false)
    /// Shutdown phase 2: idle connections are closed, and so is every connection that becomes idle.
    let closingIdle = Atomic<Bool>(false)

    init(configuration: ServerConfiguration, logger: Logger, stats: ServerStats) {
        self.configuration = configuration
        self.limits = HTTPLimits(maxHeaderBytes: configuration.maxHeaderBytes, maxHeaderCount: configuration.maxHeaderCount)
        self.logger = logger
        self.stats = stats
        self.tls = Mutex(nil)
        self.workers = WorkerPool(threads: configuration.workerThreads, name: "http-worker",
                                  pollsBeforeSleeping: configuration.workerPollsBeforeSleeping)
        self.budget = InflightBudget(capacity: configuration.maxInflightBytes,
                                     smallHeadroom: InflightBudget.headroom(forCapacity: configuration.maxInflightBytes))
        if configuration.returnsMemoryToSystem { MemoryReturn.configure() }
    }

    // MARK: - Returning memory after a burst (`MemoryReturn`)

    /// Bytes freed (reservations given back, connections closed) since the last trim.
    private let freedSinceTrim = Atomic<Int>(0)
    private let lastTrim = Atomic<UInt64>(0)
    private let trimRunning = Atomic<Bool>(false)

    func noteReleased(bytes: Int) {
        freedSinceTrim.add(bytes, ordering: .relaxed)
    }

    /// Called from the loops' sweeps: trims on a worker once enough was freed and nothing is in flight.
    func trimIfIdle(now: UInt64) {
        guard configuration.returnsMemoryToSystem,
              freedSinceTrim.load(ordering: .relaxed) >= MemoryReturn.trimAfterFreedBytes,
              budget.inUse == 0,
              now >= MonotonicClock.deadline(after: MemoryReturn.minimumTrimInterval, from: lastTrim.load(ordering: .relaxed)),
              !trimRunning.exchange(true, ordering: .acquiring) else { return }
        freedSinceTrim.store(0, ordering: .relaxed)
        lastTrim.store(now, ordering: .relaxed)
        stats.memoryTrims.add(1, ordering: .relaxed)
        workers.submit(batch: [{ [self] in
            MemoryReturn.trim()
            trimRunning.store(false, ordering: .releasing)
        }])
    }

    /// The running loops, set before their threads start and cleared once they are joined (the
    /// loops point back at the core, so this must not outlive them).
    private let loops = Mutex<[EventLoop]>([])

    func setLoops(_ running: [EventLoop]) {
        loops.withLock { $0 = running }
    }

    /// Where a connection accepted by `accepting` should be served: the loop with the fewest
    /// connections; `accepting` itself on a tie, so that balanced loops never hand over.
    func leastLoadedLoop(preferring accepting: EventLoop) -> EventLoop {
        loops.withLock { loops in
            var best = accepting
            var bestLoad = accepting.load.load(ordering: .relaxed)
            for loop in loops where loop !== accepting {
                let load = loop.load.load(ordering: .relaxed)
                if load < bestLoad {
                    best = loop
                    bestLoad = load
                }
            }
            return best
        }
    }

    func currentTLS() -> TLSContextBox? {
        tls.withLock { $0 }
    }

    func setTLS(_ box: TLSContextBox?) {
        tls.withLock { $0 = box }
    }
}

/// The TLS context as the loops need it: its SSL_CTX pointer, plus the owner object that frees it.
/// `owner` is the `TLSContext` (kept alive while any connection uses it).
struct TLSContextBox: @unchecked Sendable {
    let sslContext: OpaquePointer
    let owner: AnyObject & Sendable
}
