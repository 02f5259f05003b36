/// Durations as the controller's flags take them: Go's `time.Duration` spelling for the units an
/// operator uses (`300s`, `5m`, `1m30s`, `1.5s`, `500ms`, `2h`), or a bare number of seconds.
package enum DurationParsing {
    package struct Failure: Error, CustomStringConvertible, Equatable {
        package var description: String
    }

    /// Seconds; throws for negative, empty, non-finite or unknown-unit input.
    package static func seconds(_ text: String) throws(Failure) -> Double {
        let trimmed = text.trimmingCharacters(in: " \t")
        guard !trimmed.isEmpty else { throw Failure(description: "empty duration") }
        if let plain = Double(trimmed) {
            guard plain.isFinite, plain >= 0 else { throw Failure(description: "duration \"\(text)\" must be a non-negative number") }
            return plain
        }
        var total = 0.0
        var rest = Substring(trimmed)
        while !rest.isEmpty {
            let number = rest.prefix { $0.isNumber || $0 == "." }
            guard !number.isEmpty, let value = Double(number) else {
                throw Failure(description: "duration \"\(text)\": expected a number at \"\(rest)\"")
            }
            rest = rest.dropFirst(number.count)
            let unit = rest.prefix { $0.isLetter }
            rest = rest.dropFirst(unit.count)
            let scale: Double
            switch unit {
            case "ms": scale = 0.001
            case "s": scale = 1
            case "m": scale = 60
            case "h": scale = 3600
            default: throw Failure(description: "duration \"\(text)\": unit must be ms, s, m or h")
            }
            total += value * scale
        }
        guard total.isFinite else { throw Failure(description: "duration \"\(text)\" is too large") }
        return total
    }
}

extension String {
    func trimmingCharacters(in set: String) -> String {
        var s = Substring(self)
        while let f = s.first, set.contains(f) { s.removeFirst() }
        while let l = s.last, set.contains(l) { s.removeLast() }
        return String(s)
    }
}
