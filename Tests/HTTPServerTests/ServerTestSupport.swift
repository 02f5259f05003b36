import Foundation
import Logging
import XCTest
@testable import HTTPServer
@testable import TLS
@testable import Threads

/// Output of a finished subprocess.
struct ServerProcessResult {
    var status: Int32
    var stdout: String
    var stderr: String
    var timedOut: Bool
}

/// Runs a real client (curl, openssl, python3) to completion, with a timeout.
func runProcess(_ arguments: [String], stdin: Data? = nil, timeout: Double = 30, environment: [String: String]? = nil) -> ServerProcessResult {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = arguments
    if let environment { process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 } }
    let outPipe = Pipe(), errPipe = Pipe(), inPipe = Pipe()
    process.standardOutput = outPipe
    process.standardError = errPipe
    process.standardInput = inPipe
    do { try process.run() } catch {
        return ServerProcessResult(status: -1, stdout: "", stderr: "spawn failed: \(error)", timedOut: false)
    }
    let outData = ServerLockedData(), errData = ServerLockedData()
    let group = DispatchGroup()
    // Dedicated threads (not GCD's pool, which a few blocked readers can starve on 2 cores).
    group.enter()
    Thread { outData.set(outPipe.fileHandleForReading.readDataToEndOfFile()); group.leave() }.start()
    group.enter()
    Thread { errData.set(errPipe.fileHandleForReading.readDataToEndOfFile()); group.leave() }.start()
    if let stdin { try? inPipe.fileHandleForWriting.write(contentsOf: stdin) }
    try? inPipe.fileHandleForWriting.close()
    var timedOut = false
    let deadline = Date().addingTimeInterval(timeout)
    while process.isRunning {
        if Date() > deadline {
            timedOut = true
            process.terminate()
            break
        }
        usleep(10_000)
    }
    process.waitUntilExit()
    _ = group.wait(timeout: .now() + 30)
    return ServerProcessResult(status: process.terminationStatus,
                         stdout: String(decoding: outData.get(), as: UTF8.self),
                         stderr: String(decoding: errData.get(), as: UTF8.self), timedOut: timedOut)
}

final class ServerLockedData: @unchecked Sendable {
    private let lock = NSLock()
    private var data = Data()
    func set(_ value: Data) { lock.lock(); data = value; lock.unlock() }
    func get() -> Data { lock.lock(); defer { lock.unlock() }; return data }
}

/// A fresh temporary directory, removed by the caller (tests use `addTeardownBlock`).
func makeServerTempDirectory(_ name: String = "server-test") -> String {
    let path = NSTemporaryDirectory() + "\(name)-\(UUID().uuidString)"
    try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}

/// A self-signed ECDSA P-256 certificate for localhost/127.0.0.1/::1 made with the openssl CLI.
struct ServerTestCertificate {
    var certificatePath: String
    var keyPath: String
    var commonName: String

    static func make(in directory: String, name: String = "tls", commonName: String = "localhost", rsa: Bool = false) throws -> ServerTestCertificate {
        let cert = "\(directory)/\(name).crt", key = "\(directory)/\(name).key"
        let keyArgs = rsa ? ["-newkey", "rsa:2048"] : ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1"]
        let result = runProcess(["openssl", "req", "-x509"] + keyArgs + ["-nodes", "-keyout", key, "-out", cert, "-days", "2",
                          "-subj", "/CN=\(commonName)", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1"])
        guard result.status == 0 else { throw ServerTestError("openssl req failed: \(result.stderr)") }
        return ServerTestCertificate(certificatePath: cert, keyPath: key, commonName: commonName)
    }

    var files: TLSFiles { TLSFiles(certificatePath: certificatePath, keyPath: keyPath) }
}

struct ServerTestError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// Routes most tests use.
enum ServerTestRoutes {
    static let echo = Route("/echo", methods: [.post, .put], acceptedMediaType: "application/json") { request in
        HTTPResponse.json(200, Array(#"{"bytes":\#(request.body.count)}"#.utf8))
    }
    static let hello = Route("/hello", methods: [.get]) { _ in
        HTTPResponse(status: 200, headers: [("Content-Type", "text/plain")], body: Array("hello\n".utf8))
    }
    static let slow = Route("/slow", methods: [.get]) { request in
        let seconds = Double(request.head.query?.split(separator: "=").last.map(String.init) ?? "1") ?? 1
        usleep(UInt32(max(0, min(seconds, 30)) * 1_000_000))
        return HTTPResponse(status: 200, body: Array("slow done\n".utf8))
    }
    static let small = Route("/small", methods: [.post], maxBodyBytes: 1024) { request in
        HTTPResponse(status: 200, body: Array("got \(request.body.count)\n".utf8))
    }
    static var router: Router { Router([echo, hello, slow, small]) }
}

/// A real server on 127.0.0.1 with a random port and a fresh certificate.
final class ServerUnderTest {
    let server: Server
    let port: Int
    let directory: String
    let certificate: ServerTestCertificate

    init(configuration: ServerConfiguration = ServerConfiguration(ioThreads: 2, workerThreads: 2),
         router: Router = ServerTestRoutes.router, host: String = "127.0.0.1", tls: Bool = true) throws {
        directory = makeServerTempDirectory()
        certificate = try ServerTestCertificate.make(in: directory)
        var logger = Logger(label: "test-server")
        logger.logLevel = .warning
        server = Server(configuration: configuration, logger: logger)
        if tls { server.setTLSContext(try TLSContext.load(certificate.files)) }
        port = try server.addListener(ListenAddress(host: host, port: 0), tls: tls, router: router, name: "test")
        try server.start()
    }

    var url: String { "https://127.0.0.1:\(port)" }

    func stop() {
        server.stopNow()
        try? FileManager.default.removeItem(atPath: directory)
    }
}

/// Python helpers run with `python3 -c`; `SERVER_PORT` etc. come through the environment.
func runPython(_ script: String, environment: [String: String] = [:], timeout: Double = 60) -> ServerProcessResult {
    runProcess(["python3", "-c", script], timeout: timeout, environment: environment)
}

/// Python prelude: `connect()` returns a TLS socket to the test server (no verification).
let serverPythonPrelude = """
import os, socket, ssl, sys, time
PORT = int(os.environ["SERVER_PORT"])
HOST = os.environ.get("SERVER_HOST", "127.0.0.1")
_context = []
def context():
    if _context:
        return _context[0]
    c = ssl.create_default_context()
    c.check_hostname = False
    c.verify_mode = ssl.CERT_NONE
    c.set_alpn_protocols(["http/1.1"])
    _context.append(c)
    return c
def connect(tls=True, timeout=10):
    s = socket.create_connection((HOST, PORT), timeout=timeout)
    if tls:
        s = context().wrap_socket(s, server_hostname="localhost")
    return s
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
            break
        rest += chunk
    return head + b"\\r\\n\\r\\n" + rest[:length]
def status_of(response):
    try:
        return int(response.split(b" ", 2)[1])
    except Exception:
        return 0

"""

/// Polls `condition` until it holds or `timeout` passes; returns whether it held. Tests wait on
/// the fact they need (a request reached its handler, the server is draining) instead of sleeping
/// and hoping it happened, which a loaded 2-core machine does not guarantee.
@discardableResult
func pollUntil(timeout: TimeInterval, _ condition: () -> Bool) -> Bool {
    let deadline = Date().addingTimeInterval(timeout)
    while !condition() {
        if Date() > deadline { return false }
        usleep(10_000)
    }
    return true
}

/// A route whose handler blocks until the test opens the gate, counting the requests inside it:
/// "a request is in flight" becomes an observable fact rather than a guess about timing.
final class HandlerGate: @unchecked Sendable {
    private let condition = NSCondition()
    private var entered = 0
    private var left = 0
    private var isOpen = false
    /// A handler gives up waiting after this, so that a failed test cannot hold a worker forever.
    static let maximumHold: TimeInterval = 120

    /// `GET path`: blocks until `open()`, then answers 200 "gate open".
    func route(_ path: String = "/gated") -> Route {
        Route(path, methods: [.get]) { _ in
            self.hold()
            return HTTPResponse(status: 200, headers: [("Content-Type", "text/plain")], body: Array("gate open\n".utf8))
        }
    }

    private func hold() {
        condition.lock()
        entered += 1
        condition.broadcast()
        let deadline = Date().addingTimeInterval(Self.maximumHold)
        while !isOpen && condition.wait(until: deadline) {}
        left += 1
        condition.unlock()
    }

    func open() {
        condition.lock()
        isOpen = true
        condition.broadcast()
        condition.unlock()
    }

    /// Requests that are inside the handler right now.
    var holding: Int {
        condition.lock()
        defer { condition.unlock() }
        return entered - left
    }

    /// Waits until `count` requests have entered the handler; false if they did not by `timeout`.
    func waitUntilEntered(_ count: Int = 1, timeout: TimeInterval = 30) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        let deadline = Date().addingTimeInterval(timeout)
        while entered < count {
            if !condition.wait(until: deadline) { return entered >= count }
        }
        return true
    }
}

/// A value handed from a background thread to the test.
final class LockedBox<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Value
    init(_ value: Value) { self.value = value }
    func set(_ newValue: Value) { lock.lock(); value = newValue; lock.unlock() }
    func get() -> Value { lock.lock(); defer { lock.unlock() }; return value }
}
