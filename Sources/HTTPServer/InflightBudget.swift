import Synchronization

/// One budget, in bytes, for everything requests hold while in flight: the body as it arrives,
/// the tree a handler parses from it, and the response until it is written.
///
/// Why: each of those is bounded per request (body limit), but not their sum; two maximum-size
/// ConversionReviews at once went past a 256 MiB container limit. A request reserves its cost
/// before its body is read (`costFactor` × Content-Length; a chunked body step by step as it
/// grows) and gives it back when its response is written or its connection closes. A request
/// that does not fit waits, without reading, until others finish or its deadline passes
/// (then 503); one that could never fit is refused at once with 503. Either way the process
/// stays within its memory limit.
///
/// Small requests (an AdmissionReview is ~10 KB) may go `smallHeadroom` bytes beyond the
/// capacity: clients that announce big bodies and then send them slowly can fill the capacity
/// until their body deadlines cut them off, but cannot make the API server's ordinary reviews wait.
final class InflightBudget: Sendable {
    /// Total bytes; 0 or less turns the budget off.
    let capacity: Int
    /// Extra room only small requests may use.
    let smallHeadroom: Int
    private let used = Atomic<Int>(0)
    /// Connections waiting for room: the loops retry them when bytes are released.
    let waiters = Atomic<Int>(0)
    /// Bumped on every release, so a loop can tell cheaply whether retrying its waiters may help.
    let releases = Atomic<UInt64>(0)

    init(capacity: Int, smallHeadroom: Int = 0) {
        self.capacity = capacity
        self.smallHeadroom = max(0, smallHeadroom)
    }

    /// The headroom for small requests at a given capacity: an eighth of it, at most 16 MiB
    /// (taken from the process's reserve, which the idle webhook leaves mostly unused).
    static func headroom(forCapacity capacity: Int) -> Int {
        min(capacity / 8, 16 << 20)
    }

    var isEnabled: Bool { capacity > 0 }
    var inUse: Int { used.load(ordering: .relaxed) }

    /// Takes `bytes` if they fit now (a small request may use the headroom too). Always succeeds
    /// for 0 bytes or a disabled budget.
    func reserve(_ bytes: Int, small: Bool = false) -> Bool {
        guard isEnabled, bytes > 0 else { return true }
        let limit = small ? capacity &+ smallHeadroom : capacity
        var current = used.load(ordering: .relaxed)
        while true {
            let (sum, overflow) = current.addingReportingOverflow(bytes)
            guard !overflow, sum <= limit else { return false }
            let (exchanged, original) = used.compareExchange(expected: current, desired: sum, ordering: .acquiringAndReleasing)
            if exchanged { return true }
            current = original
        }
    }

    func release(_ bytes: Int) {
        guard isEnabled, bytes > 0 else { return }
        used.subtract(bytes, ordering: .acquiringAndReleasing)
        releases.add(1, ordering: .relaxed)
    }

    /// What a request body of `bodyBytes` is charged: the body and what is built from it.
    static func cost(ofBody bodyBytes: Int, factor: Int) -> Int {
        let (product, overflow) = bodyBytes.multipliedReportingOverflow(by: max(1, factor))
        return overflow ? Int.max : product
    }
}
