import Foundation
import Logging
import XCTest
@testable import Webhook

/// The text and JSON log lines of `--log-format`.
final class WebhookLogHandlerTests: XCTestCase {
    private func capture(_ format: LogFormat, _ body: (Logger) -> Void) throws -> String {
        let path = NSTemporaryDirectory() + "log-\(UUID().uuidString)"
        let fd = open(path, O_CREAT | O_WRONLY | O_TRUNC, 0o600)
        XCTAssertGreaterThanOrEqual(fd, 0)
        defer { try? FileManager.default.removeItem(atPath: path) }
        var logger = Logger(label: "webhook") { StderrLogHandler(label: $0, format: format, level: .info, fileDescriptor: fd) }
        logger[metadataKey: "pod"] = "webhook-0"
        body(logger)
        close(fd)
        return try String(contentsOfFile: path, encoding: .utf8)
    }

    func testJSONLinesParseAndCarryMetadata() throws {
        let text = try capture(.json) { logger in
            logger.info("listening", metadata: ["address": ":9443", "quote": "a \"b\"\n\tc"])
            logger.debug("below the level")
            logger.error("boom")
        }
        let lines = text.split(separator: "\n")
        XCTAssertEqual(lines.count, 2)
        let first = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(lines[0].utf8)) as? [String: String])
        XCTAssertEqual(first["msg"], "listening")
        XCTAssertEqual(first["level"], "info")
        XCTAssertEqual(first["logger"], "webhook")
        XCTAssertEqual(first["address"], ":9443")
        XCTAssertEqual(first["quote"], "a \"b\"\n\tc")
        XCTAssertEqual(first["pod"], "webhook-0")
        XCTAssertNotNil(first["ts"].flatMap { ISO8601DateFormatter().date(from: $0.replacingOccurrences(of: #"\.\d{3}"#, with: "", options: .regularExpression)) })
        let second = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(lines[1].utf8)) as? [String: String])
        XCTAssertEqual(second["level"], "error")
    }

    func testTextLines() throws {
        let text = try capture(.text) { logger in
            logger.warning("no certificate", metadata: ["dir": "/tmp/x y"])
        }
        XCTAssertTrue(text.hasSuffix(#" WARNING webhook: no certificate dir="/tmp/x y" pod=webhook-0"# + "\n"), text)
    }
}
