import Foundation
import JSON
import KubeClient
import XCTest

/// A watch across an API server restart: the open stream reports the break (it does not hang or
/// pretend to continue), calls fail with a transport error while the server is down, and a new
/// watch from the last resourceVersion seen picks up exactly what changed since.
///
/// Runs only against an API server started by the shared tools' start.sh (its work folder holds the
/// kubeconfig and pid files), which it stops and starts again on the same folder and port.
final class APIServerRestartTests: APIServerTestCase {
    var workDirectory: String!
    var tools: String!

    override func setUpWithError() throws {
        try super.setUpWithError()
        let kubeconfig = try XCTUnwrap(Self.kubeconfigPath)
        workDirectory = (kubeconfig as NSString).deletingLastPathComponent
        let repository = (((#filePath as NSString).deletingLastPathComponent as NSString).deletingLastPathComponent as NSString).deletingLastPathComponent
        tools = ((repository as NSString).deletingLastPathComponent as NSString).appendingPathComponent("shared/tools/kube-apiserver")
        guard FileManager.default.fileExists(atPath: workDirectory + "/apiserver.pid"),
              FileManager.default.isExecutableFile(atPath: tools + "/start.sh") else {
            throw XCTSkip("the API server was not started by \(tools ?? "?")/start.sh; cannot restart it")
        }
    }

    /// Runs a tools script with its output in a file (posix_spawn and waitpid: Foundation's Process
    /// can miss the exit of a child whose own children live on, as start.sh's do).
    func run(_ script: String, _ arguments: [String]) throws -> (status: Int32, output: String) {
        let outputPath = NSTemporaryDirectory() + "restart-\(UUID().uuidString).out"
        defer { try? FileManager.default.removeItem(atPath: outputPath) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outputPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        let argv = ([tools + "/" + script] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, tools + "/" + script, &actions, nil, argv, environ)
        guard spawned == 0 else { throw XCTSkip("cannot run \(script): error \(spawned)") }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        let output = (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? ""
        return ((status >> 8) & 0xFF, output)
    }

    func pids() -> [pid_t] {
        ["apiserver", "etcd", "controller-manager"].compactMap {
            (try? String(contentsOfFile: workDirectory + "/\($0).pid", encoding: .utf8)).flatMap { pid_t($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
        }
    }

    /// Alive and not a zombie (an exited child nobody has reaped yet holds no port).
    func isRunning(_ pid: pid_t) -> Bool {
        guard kill(pid, 0) == 0 else { return false }
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return true }
        return !stat[stat.index(after: close)...].trimmingCharacters(in: .whitespaces).hasPrefix("Z")
    }

    func startServer() throws {
        let started = try run("start.sh", [workDirectory, String(configuration.server.port)])
        XCTAssertEqual(started.status, 0, "start.sh failed")
        try waitUntil("the API server to answer again", timeout: 120) {
            (try? client.get(.namespaces, namespace: nil, name: namespace)) != nil
        }
    }

    /// The next event that is not a bookmark; nil when the stream ended.
    func nextChange(_ stream: any WatchStream) throws -> WatchEvent? {
        while let event = try stream.next() {
            if event.type != .bookmark { return event }
        }
        return nil
    }

    func describe(_ event: WatchEvent?) -> String {
        guard let event else { return "end" }
        return "\(event.type.rawValue) \(event.object["metadata"]?["name"]?.stringValue ?? "?")"
    }

    func testWatchAcrossARestart() throws {
        let version = try XCTUnwrap(try client.list(.pods, namespace: namespace, options: ListOptions())["metadata"]?["resourceVersion"]?.stringValue)
        let stream = try client.watch(.pods, namespace: namespace, options: WatchOptions(resourceVersion: version, timeoutSeconds: 600))
        defer { stream.close() }
        _ = try client.create(.pods, namespace: namespace, object: pod("before"))
        let added = try XCTUnwrap(try nextChange(stream))
        XCTAssertEqual(describe(added), "ADDED before")
        var lastSeen = try XCTUnwrap(added.object["metadata"]?["resourceVersion"]?.stringValue)

        let running = pids()
        XCTAssertEqual(try run("stop.sh", [workDirectory]).status, 0)
        var restarted = false
        defer { if !restarted { try? startServer() } }

        // The open stream reports the break (the server may send a last bookmark first): the end
        // of the stream or a transport error, never a hang and never a made-up event.
        let brokenAt = Date()
        do {
            while let event = try stream.next() {
                XCTAssertEqual(event.type, .bookmark, "no change can come from a stopping server: \(describe(event))")
                if let version = event.object["metadata"]?["resourceVersion"]?.stringValue { lastSeen = version }
            }
        } catch {
            guard case .transport = error as? KubeError else { return XCTFail("expected a transport error, got \(error)") }
        }
        XCTAssertLessThan(Date().timeIntervalSince(brokenAt), 90)
        print("APIServerRestartTests: the open watch reported the stop after \(Int(Date().timeIntervalSince(brokenAt))) s")
        waitUntil("the API server and etcd to exit", timeout: 90) { running.allSatisfy { !isRunning($0) } }
        assertKubeError(try client.get(.pods, namespace: namespace, name: "before"), "while the server is down") {
            guard case .transport = $0 else { return false }
            return true
        }

        try startServer()
        restarted = true
        _ = try client.create(.pods, namespace: namespace, object: pod("after"))
        _ = try client.mergePatch(.pods, namespace: namespace, name: "before", patch: ["metadata": ["labels": ["restarted": "yes"]]], subresource: nil)

        // Watch again from the last version seen. A restarted API server's watch cache starts at the
        // version it listed when it came up, so an older version is answered with 410 Expired (the
        // informer then relists); a version still in the cache replays every change since.
        let resumed = try client.watch(.pods, namespace: namespace, options: WatchOptions(resourceVersion: lastSeen, timeoutSeconds: 60))
        defer { resumed.close() }
        let first = try nextChange(resumed)
        print("APIServerRestartTests: re-watch from \(lastSeen) began with \(describe(first))")
        if first?.type == .error {
            let status = try XCTUnwrap(first?.status)
            XCTAssertEqual(status.code, 410, "\(status)")
            XCTAssertTrue(KubeError.api(status).isGone)
            // the relist: both pods, with the change made after the restart
            let list = try client.listAll(.pods, namespace: namespace)
            XCTAssertEqual(names(list), ["after", "before"])
            XCTAssertEqual((list["items"]?.arrayValue ?? []).first { $0["metadata"]?["name"]?.stringValue == "before" }?["metadata"]?["labels"]?["restarted"]?.stringValue, "yes")
            // and a watch from the list's version sees what comes next
            let listVersion = try XCTUnwrap(list["metadata"]?["resourceVersion"]?.stringValue)
            let fresh = try client.watch(.pods, namespace: namespace, options: WatchOptions(resourceVersion: listVersion, timeoutSeconds: 60))
            defer { fresh.close() }
            try client.delete(.pods, namespace: namespace, name: "after", options: DeleteOptions(gracePeriodSeconds: 0))
            var seen: [String] = []
            while let event = try nextChange(fresh) {
                seen.append(describe(event))
                if event.type == .deleted { break }
            }
            XCTAssertEqual(seen.last, "DELETED after", "\(seen)")
            XCTAssertFalse(seen.contains("ADDED after") || seen.contains("ADDED before"), "nothing from before the list is replayed: \(seen)")
        } else {
            let second = try nextChange(resumed)
            XCTAssertEqual([describe(first), describe(second)], ["ADDED after", "MODIFIED before"])
        }
    }
}
