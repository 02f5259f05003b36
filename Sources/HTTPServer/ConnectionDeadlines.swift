/// The deadlines of the body and response phases, which depend on more than one clock.
///
/// Why: a gap timeout alone (the longest pause between two reads or writes) lets a client hold a
/// connection for ever by sending, or reading, one byte just before each gap runs out: 300 such
/// connections at one byte every 8 s outlived a 10 s gap timeout indefinitely. So the body also
/// has an overall deadline and a minimum average rate, and the response an overall deadline.
/// Each phase keeps one deadline value (the earliest of its clocks), which the loop's sweep
/// compares with the time as it does for every other phase.
struct BodyDeadlines {
    /// When the body phase began (headers complete), monotonic ns.
    var start: UInt64
    /// Body bytes received so far (framing included), for the rate.
    var received: Int = 0
    /// When the last body bytes arrived (monotonic ns).
    var lastRead: UInt64

    init(start: UInt64) {
        self.start = start
        self.lastRead = start
    }

    /// The earliest of the gap, overall and rate deadlines.
    func deadline(_ configuration: ServerConfiguration) -> UInt64 {
        var earliest = MonotonicClock.deadline(after: configuration.bodyReadTimeout, from: lastRead)
        if configuration.requestBodyTimeout > 0 {
            earliest = min(earliest, MonotonicClock.deadline(after: configuration.requestBodyTimeout, from: start))
        }
        if let rate = rateDeadline(configuration) { earliest = min(earliest, rate) }
        return max(earliest, 1)
    }

    /// When `received` bytes fall below the minimum average rate if nothing more arrives:
    /// start + grace + received / rate.
    func rateDeadline(_ configuration: ServerConfiguration) -> UInt64? {
        let rate = configuration.minBodyBytesPerSecond
        guard rate > 0 else { return nil }
        let seconds = configuration.bodyRateGracePeriod + Double(received) / Double(rate)
        return MonotonicClock.deadline(after: seconds, from: start)
    }

    /// While the request waits for in-flight memory budget nothing is read, so only the overall
    /// deadline runs (the client is not the slow one).
    func waitingDeadline(_ configuration: ServerConfiguration) -> UInt64 {
        let overall = configuration.requestBodyTimeout > 0 ? configuration.requestBodyTimeout : configuration.bodyReadTimeout
        return MonotonicClock.deadline(after: overall, from: start)
    }

    /// Why the body phase timed out at `now`, naming the limit, for the 408's text.
    func reason(_ configuration: ServerConfiguration, now: UInt64) -> String {
        if configuration.requestBodyTimeout > 0,
           now >= MonotonicClock.deadline(after: configuration.requestBodyTimeout, from: start) {
            return "the request body did not arrive within \(seconds(configuration.requestBodyTimeout)) s (request body timeout)"
        }
        if let rate = rateDeadline(configuration), now >= rate {
            return "the request body arrived slower than \(configuration.minBodyBytesPerSecond) bytes/s (\(received) bytes in \(seconds(Double(now &- start) / 1e9)) s; minimum body rate)"
        }
        return "no request body bytes arrived for \(seconds(configuration.bodyReadTimeout)) s (body read timeout)"
    }
}

/// The response phase: a gap between two writes, and the whole response.
enum ResponseDeadlines {
    static func deadline(_ configuration: ServerConfiguration, start: UInt64, now: UInt64) -> UInt64 {
        var earliest = MonotonicClock.deadline(after: configuration.writeTimeout, from: now)
        if configuration.responseWriteTimeout > 0 {
            earliest = min(earliest, MonotonicClock.deadline(after: configuration.responseWriteTimeout, from: start))
        }
        return max(earliest, 1)
    }
}

/// Seconds for messages: at most one decimal.
private func seconds(_ value: Double) -> String {
    let tenths = (value * 10).rounded()
    guard tenths.isFinite, abs(tenths) < 1e15 else { return "\(value)" }
    let whole = Int(tenths) / 10
    let fraction = abs(Int(tenths) % 10)
    return fraction == 0 ? "\(whole)" : "\(whole).\(fraction)"
}
