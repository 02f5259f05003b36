#if canImport(Glibc)
import Glibc
#endif

/// Kubernetes `MicroTime`: RFC 3339 in UTC with exactly six fraction digits
/// (`2006-01-02T15:04:05.000000Z`). Lease `acquireTime`/`renewTime` and Event `eventTime` and
/// `series.lastObservedTime` are written in this form; the API server rejects other spellings
/// for these fields on some versions.
package enum MicroTime {
    /// Wall-clock now, in microseconds since the Unix epoch (CLOCK_REALTIME). Only ever written
    /// into objects; durations and expiry use the monotonic clock.
    package static func nowMicroseconds() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Int64(ts.tv_sec) &* 1_000_000 &+ Int64(ts.tv_nsec / 1000)
    }

    /// Now, formatted.
    package static func now() -> String { format(microseconds: nowMicroseconds()) }

    /// Years outside 0…9999 cannot be written in RFC 3339; times are clamped into that range.
    static let earliest: Int64 = -62_167_219_200 * 1_000_000          // 0000-01-01T00:00:00Z
    static let latest: Int64 = 253_402_300_799 * 1_000_000 + 999_999  // 9999-12-31T23:59:59.999999Z

    /// `microseconds` since the epoch as `YYYY-MM-DDTHH:MM:SS.ffffffZ`.
    package static func format(microseconds: Int64) -> String {
        let t = min(max(microseconds, earliest), latest)
        let (seconds, fraction) = floorDivide(t, 1_000_000)
        let (days, secondOfDay) = floorDivide(seconds, 86_400)
        let (year, month, day) = civilDate(daysSinceEpoch: days)
        var out = ""
        out.reserveCapacity(27)
        out += pad(year, 4) + "-" + pad(month, 2) + "-" + pad(day, 2) + "T"
        out += pad(secondOfDay / 3600, 2) + ":" + pad(secondOfDay / 60 % 60, 2) + ":" + pad(secondOfDay % 60, 2)
        out += "." + pad(fraction, 6) + "Z"
        return out
    }

    /// Parses RFC 3339 (`Z` or `±hh:mm` offset, any number of fraction digits, truncated to
    /// microseconds); nil for anything else.
    package static func parse(_ text: String) -> Int64? {
        let b = Array(text.utf8)
        guard b.count >= 20, b.count <= 64 else { return nil }
        func digits(_ start: Int, _ count: Int) -> Int64? {
            guard start >= 0, start &+ count <= b.count else { return nil }
            var value: Int64 = 0
            for i in start..<(start &+ count) {
                let d = b[i]
                guard d >= 0x30, d <= 0x39 else { return nil }
                value = value &* 10 &+ Int64(d &- 0x30)
            }
            return value
        }
        guard let year = digits(0, 4), b[4] == UInt8(ascii: "-"), let month = digits(5, 2), b[7] == UInt8(ascii: "-"),
              let day = digits(8, 2), b[10] == UInt8(ascii: "T") || b[10] == UInt8(ascii: "t"),
              let hour = digits(11, 2), b[13] == UInt8(ascii: ":"), let minute = digits(14, 2),
              b[16] == UInt8(ascii: ":"), let second = digits(17, 2) else { return nil }
        guard (1...12).contains(month), day >= 1, day <= daysIn(month: month, year: year),
              hour < 24, minute < 60, second < 61 else { return nil }
        var i = 19
        var micros: Int64 = 0
        if i < b.count, b[i] == UInt8(ascii: ".") {
            i &+= 1
            var taken = 0
            let start = i
            while i < b.count, b[i] >= 0x30, b[i] <= 0x39 {
                if taken < 6 {
                    micros = micros &* 10 &+ Int64(b[i] &- 0x30)
                    taken &+= 1
                }
                i &+= 1
            }
            guard i > start else { return nil }
            while taken < 6 {
                micros = micros &* 10
                taken &+= 1
            }
        }
        guard i < b.count else { return nil }
        var offsetSeconds: Int64 = 0
        if b[i] == UInt8(ascii: "Z") || b[i] == UInt8(ascii: "z") {
            i &+= 1
        } else if b[i] == UInt8(ascii: "+") || b[i] == UInt8(ascii: "-") {
            guard let oh = digits(i &+ 1, 2), i &+ 3 < b.count, b[i &+ 3] == UInt8(ascii: ":"),
                  let om = digits(i &+ 4, 2), oh < 24, om < 60 else { return nil }
            offsetSeconds = (oh * 3600 + om * 60) * (b[i] == UInt8(ascii: "-") ? -1 : 1)
            i &+= 6
        } else {
            return nil
        }
        guard i == b.count else { return nil }
        let days = daysSinceEpoch(year: year, month: month, day: day)
        let seconds = days * 86_400 + hour * 3600 + minute * 60 + second - offsetSeconds
        return seconds * 1_000_000 + micros
    }

    // Gregorian calendar arithmetic in 400-year eras (146,097 days each), the era starting on
    // 1 March so that the leap day falls at the end of the year.

    static func daysSinceEpoch(year: Int64, month: Int64, day: Int64) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let monthFromMarch = (month + 9) % 12
        let dayOfYear = (153 * monthFromMarch + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    static func civilDate(daysSinceEpoch days: Int64) -> (year: Int64, month: Int64, day: Int64) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthFromMarch = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthFromMarch + 2) / 5 + 1
        let month = monthFromMarch < 10 ? monthFromMarch + 3 : monthFromMarch - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        return (year, month, day)
    }

    static func daysIn(month: Int64, year: Int64) -> Int64 {
        switch month {
        case 2:
            let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
            return leap ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    private static func floorDivide(_ a: Int64, _ b: Int64) -> (Int64, Int64) {
        var q = a / b
        var r = a % b
        if r < 0 {
            q -= 1
            r += b
        }
        return (q, r)
    }

    private static func pad(_ value: Int64, _ width: Int) -> String {
        let digits = String(value)
        return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
    }
}
