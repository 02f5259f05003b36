import Foundation
import Synchronization
import XCTest
@testable import HTTPServer
@testable import TLS
@testable import Threads

/// The certificate watcher against real files laid out as the kubelet lays out a mounted Secret.
final class CertificateWatcherTests: XCTestCase {
    typealias Support = ServerPartsSupport
    var root = ""

    override func setUpWithError() throws { root = try Support.temporaryDirectory("certwatch") }
    override func tearDown() { Support.remove(root) }

    /// Collects what the callbacks saw.
    final class Events: Sendable {
        let reloaded = Mutex<[String]>([])
        let errors = Mutex<[String]>([])
        let current = Mutex<TLSContext?>(nil)
        var reloadFingerprints: [String] { reloaded.withLock { $0 } }
        var errorMessages: [String] { errors.withLock { $0 } }
    }

    /// A fresh (certificate chain, key, fingerprint) from the development generator.
    func makePair(_ name: String) throws -> (cert: [UInt8], key: [UInt8], fingerprint: String) {
        let paths = try DevelopmentCertificate.generate(hosts: ["localhost", "127.0.0.1"], into: root + "/gen-" + name)
        let context = try TLSContext.load(TLSFiles(certificatePath: paths.certPath, keyPath: paths.keyPath))
        return (try Support.read(paths.certPath), try Support.read(paths.keyPath), context.fingerprint)
    }

    func writeAtomic(_ bytes: [UInt8], _ path: String) throws {
        try Support.write(bytes, to: path + ".tmp")
        XCTAssertEqual(rename(path + ".tmp", path), 0)
    }

    /// The kubelet's layout: `<dir>/..<ts>/{tls.crt,tls.key}`, `..data -> ..<ts>`, `tls.crt -> ..data/tls.crt`.
    func kubeletLayout(_ directory: String, first: (cert: [UInt8], key: [UInt8], fingerprint: String)) throws {
        try FileManager.default.createDirectory(atPath: directory + "/..2026_11_27_00_00_00.000000001", withIntermediateDirectories: true)
        try Support.write(first.cert, to: directory + "/..2026_11_27_00_00_00.000000001/tls.crt")
        try Support.write(first.key, to: directory + "/..2026_11_27_00_00_00.000000001/tls.key")
        XCTAssertEqual(symlink("..2026_11_27_00_00_00.000000001", directory + "/..data"), 0)
        XCTAssertEqual(symlink("..data/tls.crt", directory + "/tls.crt"), 0)
        XCTAssertEqual(symlink("..data/tls.key", directory + "/tls.key"), 0)
    }

    /// What the kubelet does on a Secret update: new timestamped dir, `..data_tmp` symlink renamed
    /// over `..data` (atomic), old dir removed.
    func kubeletSwap(_ directory: String, to pair: (cert: [UInt8], key: [UInt8], fingerprint: String), stamp: String) throws {
        let old = try FileManager.default.destinationOfSymbolicLink(atPath: directory + "/..data")
        let fresh = "..2026_11_27_\(stamp)"
        try FileManager.default.createDirectory(atPath: directory + "/" + fresh, withIntermediateDirectories: true)
        try Support.write(pair.cert, to: directory + "/" + fresh + "/tls.crt")
        try Support.write(pair.key, to: directory + "/" + fresh + "/tls.key")
        XCTAssertEqual(symlink(fresh, directory + "/..data_tmp"), 0)
        XCTAssertEqual(rename(directory + "/..data_tmp", directory + "/..data"), 0)
        try FileManager.default.removeItem(atPath: directory + "/" + old)
    }

    func waitUntil(_ seconds: Double = 10, _ condition: () -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if condition() { return true }
            usleep(10_000)
        }
        return condition()
    }

    func makeWatcher(_ files: TLSFiles, poll: Double, debounce: Double = 0.1, initial: TLSContext? = nil, events: Events) -> CertificateWatcher {
        CertificateWatcher(files: files, pollInterval: poll, debounce: debounce, initial: initial,
                           onReload: { context in
                               events.current.withLock { $0 = context }
                               events.reloaded.withLock { $0.append(context.fingerprint) }
                           },
                           onError: { message in events.errors.withLock { $0.append(message) } })
    }

    func testKubeletSymlinkSwapIsSeenThroughInotify() throws {
        let directory = root + "/serving-certs"
        let first = try makePair("a"), second = try makePair("b"), third = try makePair("c")
        try kubeletLayout(directory, first: first)
        let events = Events()
        // a poll interval of an hour: only inotify can notice the swaps in this test
        let watcher = makeWatcher(TLSFiles(directory: directory), poll: 3600, events: events)
        watcher.start()
        defer { watcher.stop() }
        usleep(100_000)
        XCTAssertEqual(watcher.reloadCount, 0, "the baseline is not a reload")

        try kubeletSwap(directory, to: second, stamp: "01")
        XCTAssertTrue(waitUntil { watcher.reloadCount == 1 }, "reload after the first swap")
        XCTAssertEqual(events.reloadFingerprints, [second.fingerprint])

        // the old timestamped directory is gone; the watch on the Secret directory still works
        try kubeletSwap(directory, to: third, stamp: "02")
        XCTAssertTrue(waitUntil { watcher.reloadCount == 2 }, "reload after the second swap")
        XCTAssertEqual(events.reloadFingerprints, [second.fingerprint, third.fingerprint])
        XCTAssertEqual(watcher.errorCount, 0, events.errorMessages.joined())
        XCTAssertEqual(watcher.loadCount, 2)
    }

    func testPollAloneFindsChanges() throws {
        let directory = root + "/plain"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let first = try makePair("a"), second = try makePair("b")
        try Support.write(first.cert, to: directory + "/tls.crt")
        try Support.write(first.key, to: directory + "/tls.key")
        let events = Events()
        let watcher = makeWatcher(TLSFiles(directory: directory), poll: 0.3, events: events)
        watcher.inotifyEnabled = false
        watcher.start()
        defer { watcher.stop() }
        try writeAtomic(second.key, directory + "/tls.key")
        try writeAtomic(second.cert, directory + "/tls.crt")
        XCTAssertTrue(waitUntil { watcher.reloadCount == 1 })
        XCTAssertEqual(events.reloadFingerprints, [second.fingerprint])
        // nothing changes: further polls do not reload
        usleep(800_000)
        XCTAssertEqual(watcher.reloadCount, 1)
    }

    func testCorruptCertificateKeepsTheOldOneAndIsReportedOnce() throws {
        let directory = root + "/plain"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let first = try makePair("a"), second = try makePair("b")
        try Support.write(first.cert, to: directory + "/tls.crt")
        try Support.write(first.key, to: directory + "/tls.key")
        let events = Events()
        let watcher = makeWatcher(TLSFiles(directory: directory), poll: 0.2, events: events)
        watcher.start()
        defer { watcher.stop() }

        try writeAtomic(Array("-----BEGIN CERTIFICATE-----\nnot base64 at all\n-----END CERTIFICATE-----\n".utf8), directory + "/tls.crt")
        XCTAssertTrue(waitUntil { watcher.errorCount == 1 })
        XCTAssertEqual(watcher.reloadCount, 0)
        XCTAssertTrue(events.errorMessages.first?.contains("tls.crt") == true, events.errorMessages.joined())
        XCTAssertTrue(events.errorMessages.first?.contains("keeping the current certificate") == true)
        // several polls later the same bad contents are not reported again
        usleep(700_000)
        XCTAssertEqual(watcher.errorCount, 1)

        // a key that does not match the (good) certificate is also refused
        try writeAtomic(first.cert, directory + "/tls.crt")
        XCTAssertTrue(waitUntil { watcher.reloadCount == 1 }, "back to a good pair")
        try writeAtomic(second.key, directory + "/tls.key")
        XCTAssertTrue(waitUntil { watcher.errorCount == 2 })
        XCTAssertTrue(events.errorMessages.last?.contains("does not match") == true, events.errorMessages.joined())
        // the matching certificate arrives: reload
        try writeAtomic(second.cert, directory + "/tls.crt")
        XCTAssertTrue(waitUntil { watcher.reloadCount == 2 })
        XCTAssertEqual(events.reloadFingerprints.last, second.fingerprint)

        // the key file disappears: reported, nothing reloaded
        XCTAssertEqual(unlink(directory + "/tls.key"), 0)
        XCTAssertTrue(waitUntil { watcher.errorCount == 3 })
        XCTAssertTrue(events.errorMessages.last?.contains("cannot open") == true, events.errorMessages.joined())
        XCTAssertEqual(watcher.reloadCount, 2)
    }

    func testPairWrittenOneFileAfterTheOtherIsNotAnError() throws {
        let directory = root + "/plain"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let first = try makePair("a")
        try Support.write(first.cert, to: directory + "/tls.crt")
        try Support.write(first.key, to: directory + "/tls.key")
        let events = Events()
        // debounce 0.5 s: a 20 ms gap falls inside one debounce window; a 700 ms gap makes the
        // first check fail (certificate new, key old), and the retry 0.5 s later sees the new key.
        // Margins of hundreds of ms keep this deterministic on a loaded machine.
        let watcher = makeWatcher(TLSFiles(directory: directory), poll: 3600, debounce: 0.5, events: events)
        watcher.start()
        defer { watcher.stop() }
        for (index, delay) in [20_000, 700_000, 20_000, 700_000].enumerated() {
            let pair = try makePair("p\(index)")
            // certificate first, key a little later (a careless writer, or cert-manager via a sidecar)
            try writeAtomic(pair.cert, directory + "/tls.crt")
            usleep(useconds_t(delay))
            try writeAtomic(pair.key, directory + "/tls.key")
            XCTAssertTrue(waitUntil { watcher.reloadCount == index + 1 }, "pair \(index)")
            XCTAssertEqual(events.reloadFingerprints.last, pair.fingerprint)
        }
        XCTAssertEqual(watcher.errorCount, 0, events.errorMessages.joined(separator: "\n"))
    }

    func testInitialContextComparedAtStart() throws {
        let directory = root + "/plain"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let first = try makePair("a"), second = try makePair("b")
        try Support.write(first.cert, to: directory + "/tls.crt")
        try Support.write(first.key, to: directory + "/tls.key")
        let served = try TLSContext.load(TLSFiles(directory: directory))
        let events = Events()
        let same = makeWatcher(TLSFiles(directory: directory), poll: 3600, initial: served, events: events)
        same.start()
        same.stop()
        XCTAssertEqual(same.reloadCount, 0)
        // the files changed between the first load and start(): reload at once
        try Support.write(second.cert, to: directory + "/tls.crt")
        try Support.write(second.key, to: directory + "/tls.key")
        let changed = makeWatcher(TLSFiles(directory: directory), poll: 3600, initial: served, events: events)
        changed.start()
        XCTAssertEqual(changed.reloadCount, 1)
        changed.stop()
        XCTAssertEqual(events.reloadFingerprints, [second.fingerprint])
    }

    func testClientCAChangeReloads() throws {
        let directory = root + "/plain"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let pair = try makePair("a"), caA = try makePair("ca-a"), caB = try makePair("ca-b")
        try Support.write(pair.cert, to: directory + "/tls.crt")
        try Support.write(pair.key, to: directory + "/tls.key")
        try Support.write(caA.cert, to: root + "/client-ca.crt")
        let events = Events()
        let watcher = makeWatcher(TLSFiles(directory: directory, clientCAPath: root + "/client-ca.crt"), poll: 3600, events: events)
        watcher.start()
        defer { watcher.stop() }
        try writeAtomic(caB.cert, root + "/client-ca.crt")
        XCTAssertTrue(waitUntil { watcher.reloadCount == 1 }, events.errorMessages.joined())
        XCTAssertEqual(events.current.withLock { $0?.verifiesClients }, true)
    }

    func testStopIsPromptIdempotentAndFinal() throws {
        let directory = root + "/plain"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let first = try makePair("a"), second = try makePair("b")
        try Support.write(first.cert, to: directory + "/tls.crt")
        try Support.write(first.key, to: directory + "/tls.key")
        let events = Events()
        let watcher = makeWatcher(TLSFiles(directory: directory), poll: 0.1, events: events)
        watcher.start()
        watcher.start()
        watcher.stop()
        watcher.stop()
        try writeAtomic(second.key, directory + "/tls.key")
        try writeAtomic(second.cert, directory + "/tls.crt")
        usleep(500_000)
        XCTAssertEqual(watcher.reloadCount, 0, "no callback after stop()")

        // stop() from inside a callback must not deadlock
        let holder = Mutex<CertificateWatcher?>(nil)
        let stopped = Atomic<Bool>(false)
        let selfStopping = CertificateWatcher(files: TLSFiles(directory: directory), pollInterval: 3600, onReload: { _ in
            holder.withLock { $0 }?.stop()
            stopped.store(true, ordering: .sequentiallyConsistent)
        }, onError: { _ in })
        holder.withLock { $0 = selfStopping }
        selfStopping.start()
        try writeAtomic(first.key, directory + "/tls.key")
        try writeAtomic(first.cert, directory + "/tls.crt")
        XCTAssertTrue(waitUntil { stopped.load(ordering: .sequentiallyConsistent) })
        holder.withLock { $0 = nil }
    }

    /// End to end: a TLS server whose context is swapped by the watcher serves the new certificate
    /// to new connections, and no connection fails during a burst of swaps.
    func testNewConnectionsGetTheNewCertificate() throws {
        let directory = root + "/serving-certs"
        let first = try makePair("a")
        try kubeletLayout(directory, first: first)
        let events = Events()
        let initial = try TLSContext.load(TLSFiles(directory: directory))
        events.current.withLock { $0 = initial }
        let watcher = makeWatcher(TLSFiles(directory: directory), poll: 10, events: events)
        watcher.start()
        defer { watcher.stop() }
        let server = try Support.TinyTLSServer { events.current.withLock { $0 } ?? initial }
        defer { server.stop() }

        func servedFingerprint() throws -> String {
            let script = """
            import hashlib, socket, ssl, sys
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
            with socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=10) as raw:
                with ctx.wrap_socket(raw) as s:
                    der = s.getpeercert(binary_form=True)
                    s.sendall(b"GET / HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n"); s.recv(100)
                    print(hashlib.sha256(der).hexdigest())
            """
            let output = try Support.run("/usr/bin/env", ["python3", "-c", script, String(server.port)])
            XCTAssertEqual(output.status, 0, output.stderr)
            return output.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        XCTAssertEqual(try servedFingerprint(), first.fingerprint)
        var latest = first.fingerprint
        for round in 0..<3 {
            let next = try makePair("n\(round)")
            try kubeletSwap(directory, to: next, stamp: "r\(round)")
            XCTAssertTrue(waitUntil { watcher.reloadCount == round + 1 })
            latest = next.fingerprint
            XCTAssertEqual(try servedFingerprint(), latest)
        }
        XCTAssertTrue(server.connections.allSatisfy(\.handshakeOK))
        XCTAssertEqual(watcher.errorCount, 0)
    }
}
