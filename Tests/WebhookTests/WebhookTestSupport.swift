import Foundation
import XCTest

/// Output of a finished subprocess.
struct WebhookProcessResult {
    var status: Int32
    var stdout: String
    var stderr: String
}

/// A running subprocess whose output is collected in the background.
final class WebhookChild: @unchecked Sendable {
    let process = Process()
    private let lock = NSLock()
    private var out = Data()
    private var err = Data()
    /// Pipes not yet at end of file; `wait` returns once both are, so the last bytes are in.
    private var openPipes = 2

    init(_ arguments: [String], environment: [String: String] = [:], executable: String = "/usr/bin/env") throws {
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let outPipe = Pipe(), errPipe = Pipe()
        process.standardOutput = outPipe
        process.standardError = errPipe
        process.standardInput = FileHandle(forReadingAtPath: "/dev/null")
        outPipe.fileHandleForReading.readabilityHandler = { [weak self] handle in
            self?.collect(handle, into: \.out)
        }
        errPipe.fileHandleForReading.readabilityHandler = { [weak self] handle in
            self?.collect(handle, into: \.err)
        }
        try process.run()
    }

    /// Appends what the pipe has; an empty read is its end of file.
    private func collect(_ handle: FileHandle, into buffer: ReferenceWritableKeyPath<WebhookChild, Data>) {
        let data = handle.availableData
        lock.lock()
        defer { lock.unlock() }
        if data.isEmpty {
            handle.readabilityHandler = nil
            openPipes -= 1
        } else {
            self[keyPath: buffer].append(data)
        }
    }

    private var pipesClosed: Bool { lock.lock(); defer { lock.unlock() }; return openPipes <= 0 }

    var stdout: String { lock.lock(); defer { lock.unlock() }; return String(decoding: out, as: UTF8.self) }
    var stderr: String { lock.lock(); defer { lock.unlock() }; return String(decoding: err, as: UTF8.self) }

    /// Waits for exit (terminating after `timeout`); returns the exit status.
    @discardableResult
    func wait(timeout: Double) -> Int32 {
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { usleep(20_000) }
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
        }
        process.waitUntilExit()
        // The last bytes are in once both pipes are at end of file. A grandchild that inherited
        // a pipe could keep it open: bounded, then what was collected is what there is.
        let drained = Date().addingTimeInterval(10)
        while !pipesClosed && Date() < drained { usleep(5_000) }
        return process.terminationStatus
    }

    /// Waits until stderr matches `pattern` (a regex with one capture group); returns the capture.
    func waitForLog(_ pattern: String, timeout: Double) -> String? {
        let deadline = Date().addingTimeInterval(timeout)
        let regex = try? NSRegularExpression(pattern: pattern)
        while Date() < deadline {
            let text = stderr
            if let regex, let match = regex.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)),
               match.numberOfRanges > 1, let range = Range(match.range(at: 1), in: text) {
                return String(text[range])
            }
            if !process.isRunning { return nil }
            usleep(20_000)
        }
        return nil
    }

    func signal(_ number: Int32) { kill(process.processIdentifier, number) }
}

/// Runs a command to completion.
func webhookRun(_ arguments: [String], environment: [String: String] = [:], timeout: Double = 60) -> WebhookProcessResult {
    guard let child = try? WebhookChild(arguments, environment: environment) else {
        return WebhookProcessResult(status: -1, stdout: "", stderr: "spawn failed")
    }
    let status = child.wait(timeout: timeout)
    return WebhookProcessResult(status: status, stdout: child.stdout, stderr: child.stderr)
}

/// The `ray-operator` binary built next to the test bundle.
func webhookBinary() -> String? {
    let directory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    let path = directory.appendingPathComponent("ray-operator").path
    return FileManager.default.isExecutableFile(atPath: path) ? path : nil
}

func webhookTempDirectory(_ name: String) -> String {
    let path = NSTemporaryDirectory() + "\(name)-\(UUID().uuidString)"
    try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}

/// A certificate directory laid out as the kubelet mounts a Secret: timestamped data directories,
/// `..data` pointing at the current one, and `tls.crt`/`tls.key` symlinks through `..data`.
/// `swap` replaces the contents atomically the way the kubelet does (rename of a new `..data`).
final class KubeletSecretDirectory {
    let path: String
    private var generation = 0
    private var current: String?

    init(path: String) {
        self.path = path
    }

    /// Writes a new key pair into a fresh data directory and swaps `..data` to it.
    func swap(certificate: Data, key: Data) throws {
        generation += 1
        let name = String(format: "..2026_11_27_04_00_%02d.%09d", generation, generation)
        let dataDirectory = path + "/" + name
        try FileManager.default.createDirectory(atPath: dataDirectory, withIntermediateDirectories: true)
        try certificate.write(to: URL(fileURLWithPath: dataDirectory + "/tls.crt"))
        try key.write(to: URL(fileURLWithPath: dataDirectory + "/tls.key"))
        let temporary = path + "/..data_tmp"
        try? FileManager.default.removeItem(atPath: temporary)
        try FileManager.default.createSymbolicLink(atPath: temporary, withDestinationPath: name)
        guard rename(temporary, path + "/..data") == 0 else { throw WebhookTestError("rename ..data failed") }
        for file in ["tls.crt", "tls.key"] where (try? FileManager.default.destinationOfSymbolicLink(atPath: path + "/" + file)) == nil {
            try FileManager.default.createSymbolicLink(atPath: path + "/" + file, withDestinationPath: "..data/" + file)
        }
        if let current { try? FileManager.default.removeItem(atPath: path + "/" + current) }
        current = name
    }
}

/// A fresh self-signed ECDSA certificate (PEM cert, PEM key) from the openssl CLI.
func webhookMakeCertificate(in directory: String, commonName: String) throws -> (certificate: Data, key: Data) {
    let cert = directory + "/\(commonName).crt", key = directory + "/\(commonName).key"
    let result = webhookRun(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                             "-keyout", key, "-out", cert, "-days", "2", "-subj", "/CN=\(commonName)",
                             "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"])
    guard result.status == 0 else { throw WebhookTestError("openssl: \(result.stderr)") }
    return (try Data(contentsOf: URL(fileURLWithPath: cert)), try Data(contentsOf: URL(fileURLWithPath: key)))
}

struct WebhookTestError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// Python prelude for TLS clients (no verification; the certificate's SHA-256 is checked instead).
let webhookPythonPrelude = """
import hashlib, os, socket, ssl, sys, threading, time
PORT = int(os.environ["SERVER_PORT"])
_context = []
def context():
    if _context:
        return _context[0]
    c = ssl.create_default_context()
    c.check_hostname = False
    c.verify_mode = ssl.CERT_NONE
    _context.append(c)
    return c
def connect(timeout=10):
    s = socket.create_connection(("127.0.0.1", PORT), timeout=timeout)
    return context().wrap_socket(s, server_hostname="localhost")
def fingerprint(s):
    return hashlib.sha256(s.getpeercert(binary_form=True)).hexdigest()
def read_response(s):
    data = b""
    while b"\\r\\n\\r\\n" not in data:
        chunk = s.recv(65536)
        if not chunk:
            return data
        data += chunk
    head, _, rest = data.partition(b"\\r\\n\\r\\n")
    length = 0
    for line in head.split(b"\\r\\n")[1:]:
        k, _, v = line.partition(b":")
        if k.strip().lower() == b"content-length":
            length = int(v.strip())
    while len(rest) < length:
        chunk = s.recv(65536)
        if not chunk:
            return b""
        rest += chunk
    return head + b"\\r\\n\\r\\n" + rest[:length]
REQUEST = b"POST /convert HTTP/1.1\\r\\nHost: x\\r\\nContent-Type: application/json\\r\\nContent-Length: 2\\r\\n\\r\\n{}"

"""

/// Polls `condition` until it holds or `timeout` passes; returns whether it held. Tests wait on
/// the fact they need instead of sleeping and hoping it happened.
@discardableResult
func webhookPoll(timeout: Double, _ condition: () -> Bool) -> Bool {
    let deadline = Date().addingTimeInterval(timeout)
    while !condition() {
        if Date() > deadline { return false }
        usleep(10_000)
    }
    return true
}

/// A flag set on one thread and read on another.
final class WebhookFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false
    func set() { lock.lock(); value = true; lock.unlock() }
    var isSet: Bool { lock.lock(); defer { lock.unlock() }; return value }
}
