import Logging
import JSON
import RayAPI
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Log line format of `ray-operator webhook --log-format`.
package enum LogFormat: String, Sendable, CaseIterable {
    /// `2026-11-27T04:50:00.123Z INFO  webhook: listening address=:9443 tls=true`
    case text
    /// One JSON object per line: `{"ts":"…","level":"info","logger":"webhook","msg":"listening",…}`
    case json
}

/// A swift-log handler writing one line per record to standard error, in text or JSON. Each line
/// is one write(2), serialised by a lock, so lines from several threads never interleave.
package struct StderrLogHandler: LogHandler {
    package var metadata: Logger.Metadata = [:]
    package var logLevel: Logger.Level
    package let label: String
    package let format: LogFormat
    private let output: LogOutput

    package init(label: String, format: LogFormat, level: Logger.Level, fileDescriptor: Int32 = 2) {
        self.label = label
        self.format = format
        self.logLevel = level
        self.output = LogOutput(fileDescriptor: fileDescriptor)
    }

    package subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    package func log(event: LogEvent) {
        var merged = metadata
        if let extra = event.metadata { merged.merge(extra) { $1 } }
        let line = format == .json
            ? Self.jsonLine(level: event.level, label: label, message: "\(event.message)", metadata: merged)
            : Self.textLine(level: event.level, label: label, message: "\(event.message)", metadata: merged)
        output.write(line)
    }

    static func textLine(level: Logger.Level, label: String, message: String, metadata: Logger.Metadata) -> String {
        var line = Timestamp.nowISO8601() + " " + level.rawValue.uppercased().padding(5) + " " + label + ": " + message
        for key in metadata.keys.sorted() {
            guard let value = metadata[key] else { continue }
            let text = "\(value)"
            let needsQuotes = text.isEmpty || text.utf8.contains { $0 == 0x20 || $0 == 0x22 || $0 == 0x3D || $0 < 0x20 }
            line += " " + key + "=" + (needsQuotes ? JSONText.quote(text) : text)
        }
        return line + "\n"
    }

    static func jsonLine(level: Logger.Level, label: String, message: String, metadata: Logger.Metadata) -> String {
        var line = "{\"ts\":" + JSONText.quote(Timestamp.nowISO8601()) + ",\"level\":" + JSONText.quote(level.rawValue)
            + ",\"logger\":" + JSONText.quote(label) + ",\"msg\":" + JSONText.quote(message)
        for key in metadata.keys.sorted() where !["ts", "level", "logger", "msg"].contains(key) {
            guard let value = metadata[key] else { continue }
            line += "," + JSONText.quote(key) + ":" + JSONText.quote("\(value)")
        }
        return line + "}\n"
    }
}

/// Serialised writes to one file descriptor.
final class LogOutput: Sendable {
    private let fileDescriptor: Int32
    private let lock = Mutex<Void>(())

    init(fileDescriptor: Int32) { self.fileDescriptor = fileDescriptor }

    func write(_ line: String) {
        var bytes = Array(line.utf8)
        lock.withLock { _ in
            var offset = 0
            while offset < bytes.count {
                let n = bytes.withUnsafeMutableBytes { raw -> Int in
                    guard let base = raw.baseAddress else { return -1 }
                    return Glibc.write(fileDescriptor, base + offset, raw.count - offset)
                }
                if n < 0 && errno == EINTR { continue }
                if n <= 0 { return }
                offset += n
            }
        }
    }
}

/// JSON string quoting for log lines: the project's one JSON serializer, so log lines escape
/// exactly as every other JSON we write.
enum JSONText {
    static func quote(_ text: String) -> String { JSONValue.string(text).jsonString }
}

/// UTC wall-clock time as ISO 8601 with milliseconds, without Foundation.
enum Timestamp {
    static func nowISO8601() -> String {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        var seconds = now.tv_sec
        var parts = tm()
        gmtime_r(&seconds, &parts)
        func two(_ value: Int32) -> String { value < 10 ? "0\(value)" : "\(value)" }
        let millis = Int(now.tv_nsec / 1_000_000)
        let ms = millis < 10 ? "00\(millis)" : millis < 100 ? "0\(millis)" : "\(millis)"
        return "\(parts.tm_year + 1900)-\(two(parts.tm_mon + 1))-\(two(parts.tm_mday))T\(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec)).\(ms)Z"
    }
}

private extension String {
    func padding(_ width: Int) -> String {
        count >= width ? self : self + String(repeating: " ", count: width - count)
    }
}
