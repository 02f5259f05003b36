import XCTest
@testable import Admission
@testable import Conversion
@testable import Threads
import JSON
import RayAPI
#if canImport(Glibc)
import Glibc
#endif

/// Big ConversionReviews converted in parallel parts (`ConversionResponseWriter`), their trees freed
/// on the release thread (`DeferredRelease`): the bytes must be exactly the serial path's.
final class ConversionParallelTests: XCTestCase {
    static let desiredVersions = [RayAPIGroup.v1, RayAPIGroup.v1alpha1]

    /// `count` objects of mixed shapes and both versions (the seed samples, KubeRay manifests and
    /// random clusters), each with its own name.
    func objects(_ count: Int, seed: UInt64) -> [JSONValue] {
        let fixtures = [SeedSamples.complete, SeedSamples.heterogeneous, SeedSamples.mini,
                        KubeRayManifests.autoscaler, KubeRayManifests.minimal].map { Fixture.object($0) }
        var random = RandomObjects(seed: seed)
        return (0..<count).map { i in
            var object: JSONValue
            if i % 3 == 2 {
                object = random.cluster(version: i % 2 == 0 ? RayAPIGroup.v1 : RayAPIGroup.v1alpha1)
            } else {
                object = fixtures[i % fixtures.count]
            }
            if object["metadata"]?.objectValue != nil {
                object["metadata"]?["name"] = .string("cluster-\(i)")
                object["metadata"]?["namespace"] = "ray"
            }
            return object
        }
    }

    func request(_ objects: [JSONValue], to version: String) -> ConversionReviewRequest {
        ConversionReviewRequest(apiVersion: "apiextensions.k8s.io/v1", uid: "705ab4f5-6393-11e8-b7cc-42010a800002",
                                desiredAPIVersion: version, objects: objects)
    }

    func body(_ request: ConversionReviewRequest) -> [UInt8] {
        JSONValue.object(JSONObject([
            ("apiVersion", .string(request.apiVersion)), ("kind", "ConversionReview"),
            ("request", .object(JSONObject([("uid", request.uid), ("desiredAPIVersion", .string(request.desiredAPIVersion)),
                                            ("objects", .array(request.objects))]))),
        ])).serialized()
    }

    /// Objects that convert, so that a review of them succeeds (random clusters may not).
    func convertible(_ count: Int, seed: UInt64, to version: String) -> [JSONValue] {
        objects(count * 2, seed: seed).filter { (try? RayClusterConverter.convert($0, to: version)) != nil }.prefix(count).map { $0 }
    }

    func testPartsCoverTheObjectsInOrder() {
        for total in [0, 1, 2, 63, 64, 65, 1000, 1001] {
            for count in 1...9 {
                let ranges = ParallelMap.ranges(total: total, count: count)
                XCTAssertEqual(ranges.first?.lowerBound, 0)
                XCTAssertEqual(ranges.last?.upperBound, total)
                for (a, b) in zip(ranges, ranges.dropFirst()) { XCTAssertEqual(a.upperBound, b.lowerBound) }
                XCTAssertEqual(ranges.count, total == 0 ? 1 : min(count, total))
                let sizes = ranges.map(\.count)
                XCTAssertLessThanOrEqual((sizes.max() ?? 0) - (sizes.min() ?? 0), 1, "\(total)/\(count): \(sizes)")
            }
        }
    }

    func testMapRunsThePartsOnSeparateThreadsAndKeepsTheirOrder() {
        let caller = pthread_self()
        let results = ParallelMap.map(4) { k in (k, pthread_self()) }
        XCTAssertEqual(results.map(\.0), [0, 1, 2, 3])
        XCTAssertEqual(results[0].1, caller, "part 0 runs on the calling thread")
        let others = Set(results.dropFirst().map { UInt($0.1) })
        XCTAssertEqual(others.count, 3, "every other part has a thread of its own")
        XCTAssertFalse(others.contains(UInt(caller)))
    }

    func testSharedMapComputesEveryIndexOnceInOrder() {
        let mutex = TestMutex()
        var calls = Array(repeating: 0, count: 100)
        var threads = Set<UInt>()
        let results = ParallelMap.map(100, threads: 3) { k -> Int in
            mutex.locked {
                calls[k] += 1
                threads.insert(UInt(pthread_self()))
            }
            // Each thread's first piece waits (up to 5 s) until all three threads hold one, so
            // none can take every piece before the others have started, however loaded the machine.
            var waited = 0
            while mutex.locked({ threads.count }) < 3 && waited < 5000 {
                usleep(1000)
                waited += 1
            }
            return k * k
        }
        XCTAssertEqual(results, (0..<100).map { $0 * $0 })
        XCTAssertEqual(calls, Array(repeating: 1, count: 100))
        XCTAssertEqual(threads.count, 3)
        XCTAssertEqual(ParallelMap.map(5, threads: 1) { $0 }, [0, 1, 2, 3, 4])
        XCTAssertEqual(ParallelMap.map(0, threads: 4) { $0 }, [])
        // Pieces: one for one thread; otherwise at least 32 objects each, at most 8 per thread.
        XCTAssertEqual(ConversionResponseWriter.pieceCount(1000, threads: 1), 1)
        XCTAssertEqual(ConversionResponseWriter.pieceCount(1000, threads: 2), 16)
        XCTAssertEqual(ConversionResponseWriter.pieceCount(100, threads: 2), 3)
        XCTAssertEqual(ConversionResponseWriter.pieceCount(10, threads: 2), 1)
    }

    func testSuccessfulReviewsAreByteIdenticalToTheSerialPath() throws {
        for (n, version) in Self.desiredVersions.enumerated() {
            let objects = convertible(300, seed: UInt64(n), to: version)
            XCTAssertEqual(objects.count, 300)
            let request = request(objects, to: version)
            let serial = ConversionReview.respond(to: request).serialized()
            XCTAssertEqual(try JSONValue.parse(serial)["response"]?["result"]?["status"], "Success")
            for parts in [1, 2, 3, 7] {
                let output = ConversionResponseWriter.write(request, reservingCapacity: 1000, parts: parts)
                XCTAssertTrue(output == serial, "\(version), \(parts) parts: parallel and serial bytes differ")
            }
            // And through the endpoint, body in, bytes out (whatever the machine's core count).
            let reply = ConversionEndpoint.convert(body: body(request), contentType: "application/json")
            XCTAssertEqual(reply.status, 200)
            XCTAssertTrue(reply.body == serial, "\(version): endpoint and serial bytes differ")
        }
    }

    func testFailureNamesTheFirstFailingObjectInRequestOrder() throws {
        let count = 200
        for (n, version) in Self.desiredVersions.enumerated() {
            let good = convertible(count, seed: UInt64(10 + n), to: version)
            // Positions at the start, at and around part boundaries of 2, 3 and 7 parts, the end;
            // and pairs, where only the first may be named.
            let cases: [[Int]] = [[0], [1], [28], [66], [99], [100], [101], [133], [150], [199],
                                  [100, 5], [150, 120], [199, 0], [57, 58, 171]]
            for failing in cases {
                var objects = good
                for index in failing { objects[index]["apiVersion"] = "ray.io/v2" }
                let request = request(objects, to: version)
                let serial = ConversionReview.respond(to: request).serialized()
                let message = try JSONValue.parse(serial)["response"]?["result"]?["message"]?.stringValue ?? ""
                let first = failing.min() ?? -1
                XCTAssertTrue(message.contains("(objects[\(first)])"), message)
                XCTAssertTrue(message.contains("cluster-\(first)"), message)
                for parts in [1, 2, 3, 7] {
                    let output = ConversionResponseWriter.write(request, reservingCapacity: 0, parts: parts)
                    XCTAssertEqual(String(decoding: output, as: UTF8.self), String(decoding: serial, as: UTF8.self),
                                   "\(version), failing \(failing), \(parts) parts")
                }
                let reply = ConversionEndpoint.convert(body: body(request), contentType: "application/json")
                XCTAssertEqual(reply.body, serial)
            }
        }
    }

    /// Random objects, many of which do not convert: whatever happens, the parallel bytes are the
    /// serial bytes.
    func testRandomReviewsMatchTheSerialPath() {
        for seed in UInt64(0)..<6 {
            for version in Self.desiredVersions {
                var random = RandomObjects(seed: 500 &+ seed)
                let objects = (0..<(64 + Int(seed) * 37)).map { i in
                    random.cluster(version: i % 2 == 0 ? RayAPIGroup.v1 : RayAPIGroup.v1alpha1)
                }
                let request = request(objects, to: version)
                let serial = ConversionReview.respond(to: request).serialized()
                for parts in [2, 5] {
                    XCTAssertTrue(ConversionResponseWriter.write(request, reservingCapacity: 4096, parts: parts) == serial,
                                  "seed \(seed), \(version), \(parts) parts: parallel and serial bytes differ")
                }
            }
        }
    }

    func testEmptyAndSmallReviewsStaySerialAndIdentical() {
        XCTAssertEqual(ConversionResponseWriter.partCount(ConversionResponseWriter.parallelObjectThreshold, 4), 4)
        for count in [0, 1, ConversionResponseWriter.parallelObjectThreshold - 1] {
            let request = request(convertible(count, seed: 99, to: RayAPIGroup.v1), to: RayAPIGroup.v1)
            let output = ConversionResponseWriter.write(request, reservingCapacity: 0, parts: 4)
            XCTAssertEqual(output, ConversionReview.respond(to: request).serialized())
            XCTAssertEqual(ConversionResponseWriter.partCount(count, 4), 1, "one part below the threshold")
        }
    }

    // MARK: - Converting straight from the body

    /// A review body over the split threshold.
    func bigBody(seed: UInt64 = 21, to version: String = RayAPIGroup.v1) -> [UInt8] {
        var count = 100
        while true {
            let bytes = body(request(objects(count, seed: seed), to: version))
            if bytes.count >= ConversionReviewSplit.minimumBytes { return bytes }
            count *= 2
        }
    }

    /// Whatever the body, the split is either declined or answers exactly what the whole path does.
    func assertSplitMatchesWholePath(_ body: [UInt8], expectSplit: Bool? = nil, parts: Int = 3,
                                     _ label: String, file: StaticString = #filePath, line: UInt = #line) {
        let whole = ConversionEndpoint.convertWhole(body: body, reservingCapacity: 0, release: nil)
        let split = ConversionReviewSplit.convert(body, reservingCapacity: 0, parts: parts)
        if let expectSplit { XCTAssertEqual(split != nil, expectSplit, "split? \(label)", file: file, line: line) }
        guard let split else { return }
        XCTAssertEqual(whole.status, 200, "split accepted what the whole path rejects: \(label)", file: file, line: line)
        // A Bool assertion: the bodies are megabytes, not worth printing.
        XCTAssertTrue(split == whole.body, "split and whole answers differ: \(label)", file: file, line: line)
    }

    func testLayoutFindsEveryObject() throws {
        let body = bigBody()
        let whole = try JSONValue.parse(body)
        let objects = try XCTUnwrap(whole["request"]?["objects"]?.arrayValue)
        let layout = try XCTUnwrap(body.withUnsafeBufferPointer { ConversionReviewLayout.scan($0) })
        XCTAssertEqual(body[layout.open], UInt8(ascii: "["))
        XCTAssertEqual(body[layout.close], UInt8(ascii: "]"))
        XCTAssertEqual(layout.elements.count, objects.count)
        for (range, object) in zip(layout.elements, objects) {
            XCTAssertEqual(try JSONValue.parse(body[range]), object)
        }
        for text in [#"{"request":{"objects":[]}}"#, #"{"request":{"objects":[ ]}}"#] {
            let layout = Array(text.utf8).withUnsafeBufferPointer { ConversionReviewLayout.scan($0) }
            XCTAssertEqual(layout?.elements, [], text)
        }
        let one = Array(#"{"request":{"objects":[ {"a":"],[{\"objects\":["} ]}}"#.utf8)
        XCTAssertEqual(one.withUnsafeBufferPointer { ConversionReviewLayout.scan($0) }?.elements.count, 1)
    }

    func testLayoutAndSplitLimits() {
        // The element count the pre-scan splits at most; one more and the body is parsed whole.
        func review(_ elements: Int) -> [UInt8] {
            Array(#"{"kind":"ConversionReview","request":{"objects":["#.utf8)
                + Array(repeating: Array("{},".utf8), count: elements - 1).flatMap { $0 } + Array("{}]}}".utf8)
        }
        let limit = ConversionReviewLayout.maximumElements
        XCTAssertEqual(review(limit).withUnsafeBufferPointer { ConversionReviewLayout.scan($0) }?.elements.count, limit)
        XCTAssertTrue(review(limit + 1).withUnsafeBufferPointer { ConversionReviewLayout.scan($0) } == nil)
        // Bodies under `minimumBytes` are converted the whole way, however many objects they hold.
        let objects = convertible(ConversionResponseWriter.parallelObjectThreshold, seed: 31, to: RayAPIGroup.v1)
        let small = body(request(objects, to: RayAPIGroup.v1))
        XCTAssertLessThan(small.count, ConversionReviewSplit.minimumBytes)
        assertSplitMatchesWholePath(small, expectSplit: false, "small body")
        var padded = objects
        padded[0]["metadata"]?["annotations"] = .object(JSONObject([("pad", .string(String(repeating: "p", count: ConversionReviewSplit.minimumBytes - small.count + 64)))]))
        assertSplitMatchesWholePath(body(request(padded, to: RayAPIGroup.v1)), expectSplit: true, "just over the size threshold")
    }

    func testSplitEqualsTheWholePath() throws {
        for version in Self.desiredVersions {
            for parts in [2, 3, 8] {
                assertSplitMatchesWholePath(bigBody(to: version), expectSplit: true, parts: parts, "plain, \(version), \(parts) parts")
            }
        }
        // Spaced out (spaces everywhere, inside strings too) and with other members around the objects.
        let text = String(decoding: bigBody(seed: 22), as: UTF8.self)
        let spaced = text.replacingOccurrences(",", " , ").replacingOccurrences(":", " : ").replacingOccurrences("[", "[  ")
        assertSplitMatchesWholePath(Array(spaced.utf8), expectSplit: true, "spaced")
        let extra = text.replacingOccurrences(#""request":{"#, #""x":{"objects":[1,2]},"request":{"objects2":[3],"#, once: true)
        assertSplitMatchesWholePath(Array(extra.utf8), expectSplit: true, "other members")
        // Too few objects to split, however big the body.
        let few = request(Array(repeating: Fixture.object(SeedSamples.complete), count: 8).map { object in
            var object = object
            object["metadata"]?["annotations"] = .object(JSONObject([("big", .string(String(repeating: "x", count: 40_000)))]))
            return object
        }, to: RayAPIGroup.v1)
        XCTAssertGreaterThan(body(few).count, ConversionReviewSplit.minimumBytes)
        assertSplitMatchesWholePath(body(few), expectSplit: false, "few objects")
    }

    func testSplitNamesTheFirstFailingObject() throws {
        for version in Self.desiredVersions {
            var good = convertible(100, seed: 23, to: version)
            while body(request(good, to: version)).count < ConversionReviewSplit.minimumBytes { good += good }
            let count = good.count
            for failing in [[0], [count / 2], [count / 2 + 1, 5], [count - 1], [count / 3, count / 2, 2 * count / 3]] {
                var objects = good
                for index in failing { objects[index]["apiVersion"] = "ray.io/v2" }
                let body = body(request(objects, to: version))
                let whole = ConversionEndpoint.convertWhole(body: body, reservingCapacity: 0, release: nil)
                let message = (try? JSONValue.parse(whole.body))?["response"]?["result"]?["message"]?.stringValue ?? ""
                XCTAssertTrue(message.contains("(objects[\(failing.min() ?? -1)])"), message)
                for parts in [2, 3, 7] {
                    assertSplitMatchesWholePath(body, expectSplit: true, parts: parts, "\(version), failing \(failing), \(parts) parts")
                }
            }
        }
    }

    func testSplitDeclinesOrMatchesOnOddBodies() {
        let text = String(decoding: bigBody(), as: UTF8.self)
        func variant(_ from: String, _ to: String, last: Bool = false) -> [UInt8] {
            Array(text.replacingOccurrences(from, to, once: true, last: last).utf8)
        }
        let cases: [(String, [UInt8], Bool)] = [
            ("duplicate objects", variant(#""request":{"#, #""request":{"objects":[],"#), false),
            ("escaped duplicate objects", variant(#""request":{"#, #""request":{"obj\u0065cts":[],"#), false),
            ("duplicate objects after", variant("]}}", #"],"objects":[]}}"#, last: true), false),
            ("escaped duplicate objects after", variant("]}}", #"],"obj\u0065cts":[]}}"#, last: true), false),
            ("escaped request", variant(#""request":{"#, #""requ\u0065st":{"#), false),
            ("duplicate request", variant("}", #","request":{"uid":"u","desiredAPIVersion":"ray.io/v1","objects":[]}}"#, last: true), false),
            ("missing comma", variant(#"},{"apiVersion""#, #"} {"apiVersion""#), false),
            ("empty element", variant(#"},{"apiVersion""#, #"},,{"apiVersion""#), false),
            ("trailing comma", variant("]}}", ",]}}", last: true), false),
            ("broken element", variant(#""kind":"RayCluster""#, #""kind":RayCluster""#), false),
            ("broken last element", variant(#""kind":"RayCluster""#, #""kind":RayCluster""#, last: true), false),
            ("trailing garbage", Array((text + "x").utf8), false),
            ("byte order mark", [0xEF, 0xBB, 0xBF] + Array(text.utf8), false),
            ("unterminated", Array(text.utf8.dropLast(40)), false),
            ("objects not an array", variant(#""objects":["#, #""objects":{"a":["#), false),
            ("request an array", variant(#""request":{"#, #""request":[{"#), false),
            ("no uid", variant(#""uid":"#, #""uuid":"#), false),
        ]
        for (label, body, expectSplit) in cases {
            assertSplitMatchesWholePath(body, expectSplit: expectSplit, label)
        }
    }

    func testSplitKeepsTheDepthLimit() {
        let text = String(decoding: bigBody(), as: UTF8.self)
        let limit = JSONParseLimits().maxDepth
        // An object holding arrays nested to exactly the limit, and one level more: the root,
        // request and the objects array are three levels, the object itself a fourth.
        for (nesting, fits) in [(limit - 4, true), (limit - 3, false)] {
            let deep = String(repeating: "[", count: nesting) + String(repeating: "]", count: nesting)
            let body = Array(text.replacingOccurrences(#""kind":"RayCluster""#, #""kind":"RayCluster","deep":"# + deep, once: true).utf8)
            XCTAssertEqual((try? JSONValue.parse(body)) != nil, fits, "nesting \(nesting)")
            assertSplitMatchesWholePath(body, expectSplit: fits, "nesting \(nesting)")
        }
    }

    // MARK: - Deferred release

    /// Watched through weak references; optionally blocks in deinit until `gate` opens (a stuck
    /// release thread).
    final class Tracked: Sendable {
        let gate: Gate?
        init(gate: Gate? = nil) { self.gate = gate }
        deinit { gate?.wait() }
    }

    func testReleaseThreadActuallyFrees() {
        let release = DeferredRelease(capacity: 4)
        weak var watched: Tracked?
        do {
            let object = Tracked()
            watched = object
            XCTAssertEqual(release.release([object] as [Tracked]), .queued)
        }
        XCTAssertTrue(waitUntil { release.currentCounts.released == 1 })
        XCTAssertNil(watched, "the release thread dropped the last reference")
        let counts = release.currentCounts
        XCTAssertEqual(counts.queued, 1)
        XCTAssertEqual(counts.freedInline, 0)
        XCTAssertEqual(counts.waiting, 0)
    }

    func testABurstCannotGrowTheQueuePastItsBound() {
        let capacity = 3
        let release = DeferredRelease(capacity: capacity)
        let gate = Gate()
        // The first batch blocks the release thread in its deinit: everything after it waits.
        XCTAssertEqual(release.release(Tracked(gate: gate)), .queued)
        XCTAssertTrue(waitUntil { release.currentCounts.waiting == 0 }, "the thread took the blocking batch")
        var outcomes: [DeferredRelease.Outcome] = []
        weak var inlineWatched: Tracked?
        for i in 0..<20 {
            let object = Tracked()
            if i == 10 { inlineWatched = object }
            outcomes.append(release.release(object))
            XCTAssertLessThanOrEqual(release.currentCounts.waiting, capacity)
        }
        XCTAssertEqual(outcomes.prefix(capacity).filter { $0 == .queued }.count, capacity)
        XCTAssertEqual(outcomes.dropFirst(capacity).filter { $0 == .freedInline }.count, 20 - capacity)
        XCTAssertNil(inlineWatched, "a batch refused by a full queue is freed on the spot")
        var counts = release.currentCounts
        XCTAssertEqual(counts.highWater, capacity)
        XCTAssertEqual(counts.freedInline, 20 - capacity)
        gate.open()
        XCTAssertTrue(waitUntil { release.currentCounts.released == 1 + capacity })
        counts = release.currentCounts
        XCTAssertEqual(counts.waiting, 0)
        XCTAssertEqual(counts.queued, 1 + capacity)
    }

    func testEndpointHandsBigReviewsToTheReleaseThread() {
        let release = DeferredRelease(capacity: 4)
        let threshold = ConversionEndpoint.releaseThreshold
        let small = request(convertible(threshold - 1, seed: 7, to: RayAPIGroup.v1), to: RayAPIGroup.v1)
        XCTAssertEqual(ConversionEndpoint.convert(body: body(small), contentType: "application/json", release: release).status, 200)
        XCTAssertEqual(release.currentCounts.queued, 0, "small reviews are freed inline")
        let big = request(convertible(threshold, seed: 7, to: RayAPIGroup.v1), to: RayAPIGroup.v1)
        XCTAssertEqual(ConversionEndpoint.convert(body: body(big), contentType: "application/json", release: release).status, 200)
        XCTAssertEqual(release.currentCounts.queued + release.currentCounts.freedInline, 1)
        XCTAssertTrue(waitUntil { release.currentCounts.released + release.currentCounts.freedInline == 1 })
    }

    /// Polls `condition` for up to 10 s.
    func waitUntil(_ condition: () -> Bool) -> Bool {
        for _ in 0..<10_000 {
            if condition() { return true }
            usleep(1000)
        }
        return condition()
    }
}

/// A pthread mutex for the test's counters.
final class TestMutex: @unchecked Sendable {
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    init() {
        mutex = .allocate(capacity: 1)
        mutex.initialize(to: pthread_mutex_t())
        pthread_mutex_init(mutex, nil)
    }
    func locked<T>(_ body: () -> T) -> T {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return body()
    }
}

/// Closed until `open()`; `wait()` blocks while closed.
final class Gate: @unchecked Sendable {
    private let lock = TestMutex()
    private var isOpen = false
    func open() { lock.locked { isOpen = true } }
    func wait() {
        while !lock.locked({ isOpen }) { usleep(1000) }
    }
}

extension String {
    /// `self` with `target` replaced by `replacement`: everywhere, or only its first (or last)
    /// occurrence. (The tests import no Foundation.)
    func replacingOccurrences(_ target: String, _ replacement: String, once: Bool = false, last: Bool = false) -> String {
        let source = Array(utf8), needle = Array(target.utf8)
        guard !needle.isEmpty, source.count >= needle.count else { return self }
        var matches: [Int] = []
        var i = 0
        while i <= source.count - needle.count {
            if source[i] == needle[0] && Array(source[i..<(i + needle.count)]) == needle {
                matches.append(i)
                i += needle.count
            } else {
                i += 1
            }
        }
        if once { matches = last ? Array(matches.suffix(1)) : Array(matches.prefix(1)) }
        var result: [UInt8] = []
        var previous = 0
        for match in matches {
            result += source[previous..<match]
            result += Array(replacement.utf8)
            previous = match + needle.count
        }
        result += source[previous...]
        return String(decoding: result, as: UTF8.self)
    }
}
