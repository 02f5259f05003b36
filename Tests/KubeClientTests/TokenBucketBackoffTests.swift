import KubeClient
import Synchronization
import XCTest

final class TokenBucketBackoffTests: XCTestCase {
    final class FakeClock: Sendable {
        let t = Mutex(0.0)
        func advance(_ s: Double) { t.withLock { $0 += s } }
        var now: @Sendable () -> Double { { [self] in t.withLock { $0 } } }
    }

    func testBurstThenQPS() {
        let clock = FakeClock()
        let bucket = TokenBucket(qps: 10, burst: 3, now: clock.now)
        XCTAssertEqual(bucket.take(), 0)
        XCTAssertEqual(bucket.take(), 0)
        XCTAssertEqual(bucket.take(), 0)
        XCTAssertEqual(bucket.take(), 0.1, accuracy: 1e-9)
        XCTAssertEqual(bucket.take(), 0.2, accuracy: 1e-9)
        clock.advance(1)
        // 0.8 tokens of debt repaid, 3 saved at most: 10 × 1 s − 2 owed = 8 → capped at 3.
        XCTAssertEqual(bucket.take(), 0)
    }

    func testBackoffDoublesToCap() {
        var b = Backoff(initial: 0.005, cap: 0.04)
        var g = SystemRandomNumberGenerator()
        let delays = (0..<6).map { _ in b.next(using: &g) }
        XCTAssertEqual(delays, [0.005, 0.01, 0.02, 0.04, 0.04, 0.04])
        b.reset()
        XCTAssertEqual(b.next(using: &g), 0.005)
    }

    func testJitterStaysInRange() {
        var b = Backoff(initial: 1, cap: 8, jitter: 0.5)
        for _ in 0..<100 {
            b.reset()
            let d = b.next()
            XCTAssertGreaterThanOrEqual(d, 1)
            XCTAssertLessThan(d, 1.5)
        }
    }
}
