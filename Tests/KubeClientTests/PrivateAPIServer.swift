import Foundation
import JSON
import KubeClient
import XCTest

/// A kube-apiserver (with its etcd) of the test's own, started with the shared tools' start.sh
/// in a temporary folder, for tests that restart the server or compact its etcd: they must not
/// disturb the shared instance every other test uses.
///
/// Its port is RAY_E2E_RESTART_PORT, or the shared instance's port + 2 (etcd takes port + 10000
/// and + 10001, so + 1 would collide with the shared etcd's peer port).
final class PrivateAPIServer {
    let workDirectory: String
    let port: Int
    let kubeconfigPath: String
    private let tools: String

    var etcdEndpoint: String { "http://127.0.0.1:\(port + 10000)" }

    /// Starts one; throws XCTSkip when the end-to-end environment is absent.
    static func start(sharedKubeconfig: String) throws -> PrivateAPIServer {
        guard let tools = toolsDirectory() else { throw XCTSkip("kube-apiserver tools not found beside the repository") }
        let shared = try KubeConfiguration.fromKubeconfigFile(sharedKubeconfig)
        let environment = ProcessInfo.processInfo.environment
        let port = environment["RAY_E2E_RESTART_PORT"].flatMap { Int($0) } ?? shared.server.port + 2
        // One folder per port: an instance left running by a test process that was killed before
        // its tear-down is found through its pid files and stopped before this one starts.
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("ray-e2e-private-\(port)").path
        let server = PrivateAPIServer(workDirectory: directory, port: port, kubeconfigPath: directory + "/kubeconfig", tools: tools)
        try server.stop()
        try? FileManager.default.removeItem(atPath: directory)
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        for taken in [port, port + 10000, port + 10001] where !portIsFree(taken) {
            throw E2EFailure("port \(taken) is in use by another program; choose a free base port with RAY_E2E_RESTART_PORT")
        }
        do {
            _ = try run(tools + "/start.sh", [directory, String(port)])
        } catch {
            try? server.stop()  // start.sh leaves what it started running when the API server fails
            throw error
        }
        return server
    }

    private init(workDirectory: String, port: Int, kubeconfigPath: String, tools: String) {
        self.workDirectory = workDirectory
        self.port = port
        self.kubeconfigPath = kubeconfigPath
        self.tools = tools
    }

    /// `../shared/tools/kube-apiserver` from the package root (or RAY_E2E_TOOLS).
    static func toolsDirectory() -> String? {
        if let explicit = ProcessInfo.processInfo.environment["RAY_E2E_TOOLS"] { return explicit }
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let tools = root.deletingLastPathComponent().appendingPathComponent("shared/tools/kube-apiserver").path
        return FileManager.default.isExecutableFile(atPath: tools + "/start.sh") ? tools : nil
    }

    /// Stops everything and waits until it is gone. On SIGTERM the API server drains open
    /// watches for up to a minute, and meanwhile keeps serving them (its etcd client reconnects
    /// to a restarted etcd), so a client would never notice the restart; after a few seconds it
    /// is killed, which is where the drain would end anyway.
    func stop() throws {
        let pids = ["controller-manager", "apiserver", "etcd"].compactMap { name -> Int32? in
            (try? String(contentsOfFile: "\(workDirectory)/\(name).pid", encoding: .utf8))
                .flatMap { Int32($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
        }
        _ = try Self.run(tools + "/stop.sh", [workDirectory])
        let killAt = Date().addingTimeInterval(5), deadline = Date().addingTimeInterval(30)
        var killed = false
        while pids.contains(where: Self.isRunning) {
            if !killed, Date() > killAt {
                for pid in pids where Self.isRunning(pid) { kill(pid, SIGKILL) }
                killed = true
            }
            guard Date() < deadline else { throw E2EFailure("processes \(pids) still running 30 s after stop.sh") }
            usleep(50_000)
        }
    }

    /// Alive and not a zombie: an exited process whose parent has not reaped it yet (the
    /// scripts' children are adopted by whoever reaps orphans here, not always at once) holds no
    /// ports any more.
    static func isRunning(_ pid: Int32) -> Bool {
        guard kill(pid, 0) == 0 else { return false }
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return true }
        let state = stat[stat.index(after: close)...].trimmingCharacters(in: .whitespaces).first
        return state != "Z" && state != "X"
    }

    /// stop.sh then start.sh on the same folder and port: etcd keeps its data, the API server
    /// comes back with an empty watch cache.
    func restart() throws {
        try stop()
        _ = try Self.run(tools + "/start.sh", [workDirectory, String(port)])
    }

    /// etcd's current revision (its v3 JSON gateway).
    func etcdRevision() throws -> Int {
        let answer = try etcd("/v3/kv/range", #"{"key":"AA=="}"#)
        guard let revision = answer["header"]?["revision"]?.stringValue.flatMap({ Int($0) }) else {
            throw E2EFailure("no revision in \(answer.jsonString)")
        }
        return revision
    }

    /// Compacts etcd's history below `revision`.
    func compact(revision: Int) throws {
        _ = try etcd("/v3/kv/compaction", #"{"revision":"\#(revision)","physical":true}"#)
    }

    /// Whether reading at `revision` is refused as compacted.
    func isCompacted(revision: Int) throws -> Bool {
        let answer = try etcd("/v3/kv/range", #"{"key":"AA==","revision":"\#(revision)"}"#)
        return (answer["error"]?.stringValue ?? answer["message"]?.stringValue ?? "").contains("compacted")
    }

    private func etcd(_ path: String, _ body: String) throws -> JSONValue {
        let output = try Self.run("/usr/bin/env", ["curl", "-sS", "-X", "POST", etcdEndpoint + path, "-d", body])
        do {
            return try JSONValue.parse(output)
        } catch {
            throw E2EFailure("etcd \(path): \(output)")
        }
    }

    /// Whether nothing listens on 127.0.0.1:`port` (a bind succeeds).
    static func portIsFree(_ port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        // As servers do: connections of a previous instance lingering in TIME_WAIT do not count.
        var reuse: Int32 = 1
        _ = setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &reuse, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(truncatingIfNeeded: port)).bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
    }

    /// Runs a program and answers its standard output. posix_spawn and waitpid rather than
    /// Foundation's Process, whose waitUntilExit was seen to miss the exit of start.sh (the shell
    /// stayed a zombie and the test hung).
    @discardableResult
    static func run(_ executable: String, _ arguments: [String]) throws -> String {
        let outputPath = FileManager.default.temporaryDirectory.appendingPathComponent("ray-e2e-run-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: outputPath) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outputPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, executable, &actions, nil, argv, environ)
        guard spawned == 0 else { throw E2EFailure("cannot start \(executable): error \(spawned)") }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 {
            guard errno == EINTR else { throw E2EFailure("waitpid \(executable): errno \(errno)") }
        }
        let text = (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? ""
        // WIFEXITED/WEXITSTATUS are macros: exited normally when the low 7 bits are 0.
        let exitCode = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        guard exitCode == 0 else {
            throw E2EFailure("\(executable) \(arguments.joined(separator: " ")) exited \(exitCode): \(text)")
        }
        return text
    }
}

struct E2EFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// A KubeAPI in front of another that can be cut off from it, like a network partition between
/// one client and the API server: while partitioned every call fails with a transport error,
/// and the streams it handed out are closed.
final class PartitionableKubeAPI: KubeAPI, Sendable {
    let inner: any KubeAPI
    private let state = NSLock()
    nonisolated(unsafe) private var partitioned = false
    nonisolated(unsafe) private var streams: [any WatchStream] = []

    init(_ inner: any KubeAPI) { self.inner = inner }

    func partition() {
        let open = state.withLock { () -> [any WatchStream] in
            partitioned = true
            defer { streams.removeAll() }
            return streams
        }
        for stream in open { stream.close() }
    }

    func heal() { state.withLock { partitioned = false } }

    private func check() throws(KubeError) {
        if state.withLock({ partitioned }) { throw .transport("partitioned from the API server") }
    }

    func get(_ r: KubeResource, namespace: String?, name: String) throws(KubeError) -> JSONValue {
        try check(); return try inner.get(r, namespace: namespace, name: name)
    }
    func list(_ r: KubeResource, namespace: String?, options: ListOptions) throws(KubeError) -> JSONValue {
        try check(); return try inner.list(r, namespace: namespace, options: options)
    }
    func create(_ r: KubeResource, namespace: String?, object: JSONValue) throws(KubeError) -> JSONValue {
        try check(); return try inner.create(r, namespace: namespace, object: object)
    }
    func update(_ r: KubeResource, namespace: String?, name: String, object: JSONValue, subresource: String?) throws(KubeError) -> JSONValue {
        try check(); return try inner.update(r, namespace: namespace, name: name, object: object, subresource: subresource)
    }
    func mergePatch(_ r: KubeResource, namespace: String?, name: String, patch: JSONValue, subresource: String?) throws(KubeError) -> JSONValue {
        try check(); return try inner.mergePatch(r, namespace: namespace, name: name, patch: patch, subresource: subresource)
    }
    func delete(_ r: KubeResource, namespace: String?, name: String, options: DeleteOptions) throws(KubeError) {
        try check(); try inner.delete(r, namespace: namespace, name: name, options: options)
    }
    func deleteCollection(_ r: KubeResource, namespace: String?, labelSelector: String, options: DeleteOptions) throws(KubeError) {
        try check(); try inner.deleteCollection(r, namespace: namespace, labelSelector: labelSelector, options: options)
    }
    func watch(_ r: KubeResource, namespace: String?, options: WatchOptions) throws(KubeError) -> any WatchStream {
        try check()
        let stream = try inner.watch(r, namespace: namespace, options: options)
        let keep = state.withLock { () -> Bool in
            guard !partitioned else { return false }
            streams.append(stream)
            return true
        }
        if !keep {
            stream.close()
            throw .transport("partitioned from the API server")
        }
        return stream
    }
}
