// Fork-join over a few parts of one job, one thread per part (or a few threads sharing many
// pieces, taken as each becomes free): what lets a big ConversionReview use every core. Plain
// pthreads (not Dispatch, not Swift concurrency): the parts are pure CPU work that must finish
// before the caller returns, and the caller is a blocking server thread, never a task.
// Thread start-up costs tens of µs, so callers only split work that takes milliseconds.
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

package enum ParallelMap {
    /// More parts than this buy nothing on the machines the webhook runs on (a 2-to-8-core pod) and
    /// would only multiply thread start-ups and buffers.
    package static let maximumParts = 8

    /// The CPUs the process may use (affinity mask and CPU quota included), at most
    /// `maximumParts`: how many parts a big job is cut into. Under a 1-CPU quota more parts would
    /// only take turns on it and add thread start-ups.
    package static let processorCount: Int = min(CPUBudget.current.cpus, maximumParts)

    /// `count` contiguous ranges that together cover `0..<total` in order, as equal as possible
    /// (no empty range unless `total < count`, which yields `total` ranges of one element).
    package static func ranges(total: Int, count: Int) -> [Range<Int>] {
        let total = max(total, 0)
        let parts = max(1, min(count, total))
        if total == 0 { return [0..<0] }
        var result: [Range<Int>] = []
        result.reserveCapacity(parts)
        let base = total / parts, extra = total % parts
        var start = 0
        for k in 0..<parts {
            let length = base &+ (k < extra ? 1 : 0)
            result.append(start..<(start &+ length))
            start &+= length
        }
        return result
    }

    /// One part run on a thread of its own; the result is read by the caller after the join.
    fileprivate final class Part<T>: @unchecked Sendable {
        let index: Int
        let body: (Int) -> T
        var result: T?
        init(index: Int, body: @escaping (Int) -> T) {
            self.index = index
            self.body = body
        }
        func run() { result = body(index) }
    }

    /// `[body(0), body(1), …, body(count - 1)]`: part 0 runs on the calling thread, every other
    /// part on a thread started for it, all at once; returns when all are done. A part whose thread
    /// the system refuses to start runs on the calling thread afterwards (slower, same result).
    /// `body` must only read shared state: the parts run concurrently.
    package static func map<T>(_ count: Int, _ body: (Int) -> T) -> [T] {
        guard count > 1 else { return count == 1 ? [body(0)] : [] }
        return withoutActuallyEscaping(body) { body in
            var parts: [Part<T>] = []
            parts.reserveCapacity(count)
            for index in 0..<count { parts.append(Part(index: index, body: body)) }
            var threads: [pthread_t] = []
            threads.reserveCapacity(count &- 1)
            var inline: [Part<T>] = [parts[0]]
            for part in parts.dropFirst() {
                if let thread = start(part) { threads.append(thread) } else { inline.append(part) }
            }
            for part in inline { part.run() }
            for thread in threads { _ = pthread_join(thread, nil) }
            inline.removeAll()
            var results: [T] = []
            results.reserveCapacity(count)
            for part in parts {
                // Every part ran (joined or inline), so `result` is set; the fallback keeps this
                // free of force unwraps and is never taken.
                results.append(part.result ?? body(part.index))
            }
            parts.removeAll()
            return results
        }
    }

    /// `[body(0), body(1), …, body(count - 1)]` computed by `threads` threads (the calling thread
    /// one of them) that take the next index as they become free. On a machine whose cores are
    /// shared with other work, a thread that gets no core for a while simply takes fewer pieces,
    /// where a fixed split would leave the others waiting for its half.
    package static func map<T>(_ count: Int, threads: Int, _ body: (Int) -> T) -> [T] {
        let threads = max(1, min(threads, count))
        guard threads > 1 else { return (0..<count).map(body) }
        let next = NextIndex()
        let slots = map(threads) { _ -> [(Int, T)] in
            var done: [(Int, T)] = []
            while true {
                let index = next.take()
                guard index < count else { return done }
                done.append((index, body(index)))
            }
        }
        // Every index was taken exactly once: put the results back in index order.
        var ordered: [T?] = Array(repeating: nil, count: count)
        for slot in slots {
            for (index, result) in slot { ordered[index] = result }
        }
        return ordered.enumerated().map { $0.element ?? body($0.offset) }
    }

    /// Hands out 0, 1, 2, … to whichever thread asks first.
    private final class NextIndex: @unchecked Sendable {
        private let counter = Atomic<Int>(0)
        func take() -> Int { counter.add(1, ordering: .relaxed).oldValue }
    }

    /// Starts a thread running `part`; the closure holds its own reference until it ends.
    private static func start<T>(_ part: Part<T>) -> pthread_t? {
        Threads.start(name: "parallel-map") { part.run() }
    }
}

