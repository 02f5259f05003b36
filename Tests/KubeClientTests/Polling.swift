@testable import KubeClient
import Synchronization
import XCTest

/// Polls `condition` every few milliseconds until it holds or `timeout` seconds pass (generous
/// deadlines: the machine is shared); fails the test with `what` on timeout.
@discardableResult
func eventually(_ what: String, timeout: Double = 20, file: StaticString = #filePath, line: UInt = #line,
                _ condition: () -> Bool) -> Bool {
    let deadline = MonotonicTime.now() + timeout
    while MonotonicTime.now() < deadline {
        if condition() { return true }
        sleepSeconds(0.005)
    }
    if condition() { return true }
    XCTFail("timed out after \(timeout) s waiting for \(what)", file: file, line: line)
    return false
}

/// A thread-safe log the handlers append to.
final class Log<Element: Sendable>: Sendable {
    private let entries = Mutex<[Element]>([])
    func append(_ e: Element) { entries.withLock { $0.append(e) } }
    var all: [Element] { entries.withLock { $0 } }
    var count: Int { entries.withLock { $0.count } }
}
