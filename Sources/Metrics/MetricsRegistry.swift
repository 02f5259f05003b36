// A small Prometheus registry: counters, gauges and histograms, rendered in the text exposition
// format 0.0.4 (what Prometheus scrapes from /metrics). Updates are lock-free atomics (counters,
// gauges) or a short mutex (histograms), so request threads can record without contention worth
// measuring; render() takes a consistent snapshot of each series.
import Synchronization

/// `Content-Type` of `MetricsRegistry.render()`.
package let prometheusContentType = "text/plain; version=0.0.4; charset=utf-8"

package final class MetricsRegistry: Sendable {
    private let state = Mutex<State>(State())

    /// Families for rendering, plus a direct index from what callers pass (name, kind, labels) to
    /// the series, so the per-request lookup is one hash of the arguments: no sanitizing, sorting
    /// or escaping after the first call.
    struct State: Sendable {
        var families: [String: Family] = [:]
        var lookup: [SeriesKey: Series] = [:]
    }

    struct SeriesKey: Hashable, Sendable {
        var name: String
        var kind: Kind
        var labels: [String: String]
    }

    /// Prometheus client_golang's default buckets (seconds), as controller-runtime uses.
    package static let defaultBuckets: [Double] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]

    package init() {}

    enum Kind: String, Sendable { case counter, gauge, histogram }

    enum Series: Sendable {
        case counter(Counter)
        case gauge(Gauge)
        case histogram(Histogram)
    }

    struct Family: Sendable {
        var name: String
        var help: String
        var kind: Kind
        /// By rendered label set (`a="1",b="2"`).
        var series: [String: Series]
    }

    /// The counter for (name, labels), created on first use. A name already registered as another
    /// type yields a working but unregistered counter (never rendered) rather than a crash.
    package func counter(_ name: String, help: String, labels: [String: String] = [:]) -> Counter {
        let made = series(name, help: help, kind: .counter, labels: labels) { .counter(Counter()) }
        if case .counter(let counter)? = made { return counter }
        return Counter()
    }

    package func gauge(_ name: String, help: String, labels: [String: String] = [:]) -> Gauge {
        let made = series(name, help: help, kind: .gauge, labels: labels) { .gauge(Gauge()) }
        if case .gauge(let gauge)? = made { return gauge }
        return Gauge()
    }

    /// `buckets` are upper bounds in seconds (sorted, deduplicated, non-finite ones dropped; +Inf is
    /// implicit). The first registration of (name, labels) fixes them.
    package func histogram(_ name: String, help: String, buckets: [Double], labels: [String: String] = [:]) -> Histogram {
        let made = series(name, help: help, kind: .histogram, labels: labels) { .histogram(Histogram(buckets: buckets)) }
        if case .histogram(let histogram)? = made { return histogram }
        return Histogram(buckets: buckets)
    }

    private func series(_ rawName: String, help: String, kind: Kind, labels: [String: String], make: () -> Series) -> Series? {
        let lookupKey = SeriesKey(name: rawName, kind: kind, labels: labels)
        if let found = state.withLock({ $0.lookup[lookupKey] }) { return found }
        let name = sanitizeMetricName(rawName)
        let key = renderLabels(labels)
        return state.withLock { state -> Series? in
            var family = state.families[name] ?? Family(name: name, help: help, kind: kind, series: [:])
            guard family.kind == kind else { return nil }
            let result: Series
            if let existing = family.series[key] {
                result = existing          // same series reached through differently spelled arguments
            } else {
                result = make()
                family.series[key] = result
                state.families[name] = family
            }
            state.lookup[lookupKey] = result
            return result
        }
    }

    /// Forgets the series (name, labels) of any kind, so it is no longer rendered: per-object
    /// series (one RayCluster's) go when the object goes.
    package func remove(_ rawName: String, labels: [String: String]) {
        let name = sanitizeMetricName(rawName)
        let key = renderLabels(labels)
        state.withLock { state in
            state.families[name]?.series[key] = nil
            for kind in [Kind.counter, .gauge, .histogram] {
                state.lookup[SeriesKey(name: rawName, kind: kind, labels: labels)] = nil
            }
        }
    }

    /// The text exposition format: families sorted by name, each with HELP and TYPE, series sorted
    /// by labels; histograms as cumulative `_bucket{le}` lines, `_sum` and `_count`.
    package func render() -> String {
        let families = state.withLock { $0.families }
        var out = ""
        out.reserveCapacity(families.count * 200)
        for name in families.keys.sorted() {
            guard let family = families[name] else { continue }
            out += "# HELP \(name) \(escapeHelp(family.help))\n"
            out += "# TYPE \(name) \(family.kind.rawValue)\n"
            for key in family.series.keys.sorted() {
                guard let series = family.series[key] else { continue }
                let braces = key.isEmpty ? "" : "{\(key)}"
                switch series {
                case .counter(let counter):
                    out += "\(name)\(braces) \(counter.value)\n"
                case .gauge(let gauge):
                    out += "\(name)\(braces) \(formatNumber(gauge.value))\n"
                case .histogram(let histogram):
                    let snapshot = histogram.snapshot()
                    let prefix = key.isEmpty ? "" : key + ","
                    var cumulative = 0
                    for (index, bound) in histogram.bounds.enumerated() {
                        cumulative &+= snapshot.counts[index]
                        out += "\(name)_bucket{\(prefix)le=\"\(formatNumber(bound))\"} \(cumulative)\n"
                    }
                    out += "\(name)_bucket{\(prefix)le=\"+Inf\"} \(snapshot.count)\n"
                    out += "\(name)_sum\(braces) \(formatNumber(snapshot.sum))\n"
                    out += "\(name)_count\(braces) \(snapshot.count)\n"
                }
            }
        }
        return out
    }
}

/// A monotonically increasing count.
package final class Counter: Sendable {
    private let storage = Atomic<Int>(0)
    package init() {}
    /// Adds `by` (negative amounts are ignored: a counter never goes down). Wraps, never traps.
    package func increment(by amount: Int = 1) {
        guard amount > 0 else { return }
        storage.wrappingAdd(amount, ordering: .relaxed)
    }
    package var value: Int { storage.load(ordering: .relaxed) }
}

/// A value that goes up and down.
package final class Gauge: Sendable {
    private let bits = Atomic<UInt64>(0.0.bitPattern)
    package init() {}
    package func set(_ value: Double) { bits.store(value.bitPattern, ordering: .relaxed) }
    package func add(_ delta: Double) {
        var current = bits.load(ordering: .relaxed)
        while true {
            let next = (Double(bitPattern: current) + delta).bitPattern
            let (exchanged, original) = bits.compareExchange(expected: current, desired: next, ordering: .relaxed)
            if exchanged { return }
            current = original
        }
    }
    package func increment() { add(1) }
    package func decrement() { add(-1) }
    package var value: Double { Double(bitPattern: bits.load(ordering: .relaxed)) }
}

/// Observations counted into buckets, with their sum and count.
package final class Histogram: Sendable {
    /// Finite upper bounds, ascending, without duplicates (+Inf is implicit).
    package let bounds: [Double]
    private let state: Mutex<Snapshot>

    struct Snapshot: Sendable {
        var counts: [Int]     // per bucket, not cumulative; observations above the last bound are only in `count`
        var sum: Double
        var count: Int
    }

    package init(buckets: [Double]) {
        let bounds = Array(Set(buckets.filter { $0.isFinite })).sorted()
        self.bounds = bounds
        self.state = Mutex(Snapshot(counts: Array(repeating: 0, count: bounds.count), sum: 0, count: 0))
    }

    /// Records one observation (NaN is ignored).
    package func observe(_ seconds: Double) {
        guard !seconds.isNaN else { return }
        let index = bounds.firstIndex { seconds <= $0 }
        state.withLock { snapshot in
            if let index { snapshot.counts[index] &+= 1 }
            snapshot.sum += seconds
            snapshot.count &+= 1
        }
    }

    func snapshot() -> Snapshot { state.withLock { $0 } }

    package var count: Int { state.withLock { $0.count } }
    package var sum: Double { state.withLock { $0.sum } }
}

// MARK: - text format helpers

/// `[a-zA-Z_:][a-zA-Z0-9_:]*`; anything else becomes `_`.
func sanitizeMetricName(_ name: String) -> String {
    sanitize(name, allowColon: true)
}

/// `[a-zA-Z_][a-zA-Z0-9_]*`; anything else becomes `_`.
func sanitizeLabelName(_ name: String) -> String {
    sanitize(name, allowColon: false)
}

private func sanitize(_ name: String, allowColon: Bool) -> String {
    var out: [UInt8] = []
    for (index, byte) in name.utf8.enumerated() {
        let letter = (byte >= 0x61 && byte <= 0x7A) || (byte >= 0x41 && byte <= 0x5A) || byte == UInt8(ascii: "_")
            || (allowColon && byte == UInt8(ascii: ":"))
        let digit = byte >= 0x30 && byte <= 0x39
        out.append(letter || (digit && index > 0) ? byte : UInt8(ascii: "_"))
    }
    return out.isEmpty ? "_" : String(decoding: out, as: UTF8.self)
}

/// `a="x",b="y"` with keys sorted and values escaped (backslash, double quote, newline).
func renderLabels(_ labels: [String: String]) -> String {
    labels.map { (sanitizeLabelName($0.key), $0.value) }
        .sorted { $0.0 < $1.0 }
        .map { "\($0.0)=\"\(escapeLabelValue($0.1))\"" }
        .joined(separator: ",")
}

func escapeLabelValue(_ value: String) -> String {
    var out = ""
    for character in value.unicodeScalars {
        switch character {
        case "\\": out += "\\\\"
        case "\"": out += "\\\""
        case "\n": out += "\\n"
        default: out.unicodeScalars.append(character)
        }
    }
    return out
}

func escapeHelp(_ text: String) -> String {
    var out = ""
    for character in text.unicodeScalars {
        switch character {
        case "\\": out += "\\\\"
        case "\n": out += "\\n"
        default: out.unicodeScalars.append(character)
        }
    }
    return out
}

/// Integers without a fraction (`1`, `250`), others in Swift's shortest round-trip form (`0.005`,
/// `1e-05`), and the spellings Prometheus expects for the specials.
func formatNumber(_ value: Double) -> String {
    if value.isNaN { return "NaN" }
    if value == .infinity { return "+Inf" }
    if value == -.infinity { return "-Inf" }
    if value == value.rounded(), abs(value) < 1e15 { return String(Int(value)) }
    return value.description
}
