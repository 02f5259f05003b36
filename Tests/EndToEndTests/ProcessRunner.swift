import Foundation
import XCTest

/// The result of a finished subprocess.
struct ProcessResult {
    var status: Int32
    var stdout: String
    var stderr: String
    var succeeded: Bool { status == 0 }
    var combined: String { stdout + stderr }
}

/// Runs real programs (kubectl, openssl, the ray-operator binary) the way a user would.
enum ProcessRunner {
    /// No command of the suite should take longer; a hung kubectl fails the test instead of the run.
    static let defaultTimeout: TimeInterval = 120

    /// Runs `executable` (looked up in PATH unless absolute) to completion, feeding `stdin`.
    static func run(_ executable: String, _ arguments: [String], stdin: String? = nil,
                    environment: [String: String] = [:], directory: URL? = nil,
                    timeout: TimeInterval = defaultTimeout) throws -> ProcessResult {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [executable] + arguments
        var env = ProcessInfo.processInfo.environment
        for (key, value) in environment { env[key] = value }
        process.environment = env
        if let directory { process.currentDirectoryURL = directory }
        // Output goes to files, not pipes: a CRD-sized output would fill a pipe and block the child.
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("e2e-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        let outURL = scratch.appendingPathComponent("out"), errURL = scratch.appendingPathComponent("err")
        _ = FileManager.default.createFile(atPath: outURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
        let out = try FileHandle(forWritingTo: outURL), err = try FileHandle(forWritingTo: errURL)
        process.standardOutput = out
        process.standardError = err
        if let stdin {
            let inURL = scratch.appendingPathComponent("in")
            try Data(stdin.utf8).write(to: inURL)
            process.standardInput = try FileHandle(forReadingFrom: inURL)
        } else {
            process.standardInput = FileHandle.nullDevice
        }
        try process.run()
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { usleep(20_000) }
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
            throw E2EError("\(executable) \(arguments.joined(separator: " ")) timed out after \(Int(timeout)) s")
        }
        process.waitUntilExit()
        try out.close()
        try err.close()
        return ProcessResult(status: process.terminationStatus,
                             stdout: String(decoding: try Data(contentsOf: outURL), as: UTF8.self),
                             stderr: String(decoding: try Data(contentsOf: errURL), as: UTF8.self))
    }

    static func commandExists(_ name: String) -> Bool {
        (try? run("sh", ["-c", "command -v \(name)"]))?.succeeded ?? false
    }
}

struct E2EError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// What to throw when a prerequisite (kubectl, the API server, the built binary) is missing: a skip
/// for a developer running `swift test` alone, a failure under RAY_E2E_REQUIRED=1 (CI, through
/// scripts/test), where a skipped end-to-end test would let a green run claim what it did not check.
enum Prerequisite {
    static var required: Bool { ProcessInfo.processInfo.environment["RAY_E2E_REQUIRED"] == "1" }

    /// The API server of the end-to-end suites (RAY_E2E_KUBECONFIG), nil when none is given.
    static var kubeconfig: String? {
        let value = ProcessInfo.processInfo.environment["RAY_E2E_KUBECONFIG"] ?? ""
        return value.isEmpty ? nil : value
    }

    /// The kubeconfig, or the error that says it is missing (a skip, or a failure in strict mode).
    static func requireKubeconfig() throws -> String {
        guard let kubeconfig else { throw missing("RAY_E2E_KUBECONFIG is not set (scripts/test sets it)") }
        return kubeconfig
    }

    static func missing(_ reason: String) -> any Error {
        required ? E2EError("\(reason) (RAY_E2E_REQUIRED=1: a missing prerequisite fails the test)") : XCTSkip(reason)
    }
}

/// Where the repository and the build products are.
enum Paths {
    /// The repository root (this file is Tests/EndToEndTests/ProcessRunner.swift).
    static let repository: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The build products folder `swift test` built: the folder of the test bundle.
    static var products: URL {
        if let explicit = ProcessInfo.processInfo.environment["RAY_E2E_PRODUCTS"] { return URL(fileURLWithPath: explicit) }
        var bundle = Bundle.main.bundleURL
        for candidate in Bundle.allBundles where candidate.bundlePath.hasSuffix(".xctest") { bundle = candidate.bundleURL }
        // Linux: the .xctest is an executable in the products folder; macOS: a bundle there.
        let argv0 = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        if argv0.path.hasSuffix(".xctest") { return argv0.deletingLastPathComponent() }
        if bundle.path.hasSuffix(".xctest") { return bundle.deletingLastPathComponent() }
        return argv0.deletingLastPathComponent()
    }

    /// A built executable of this package (`ray-operator`, `crd-gen`), or a skip naming what is missing.
    static func product(_ name: String) throws -> URL {
        let url = products.appendingPathComponent(name)
        guard FileManager.default.isExecutableFile(atPath: url.path) else {
            throw Prerequisite.missing("\(url.path) is not built (run `swift build` first, as scripts/test does)")
        }
        return url
    }

    static func file(_ relative: String) -> URL { repository.appendingPathComponent(relative) }
}

/// JSON through Foundation, for reading kubectl's `-o json`.
enum JSON {
    static func parse(_ text: String) throws -> Any {
        try JSONSerialization.jsonObject(with: Data(text.utf8), options: [.fragmentsAllowed])
    }
    static func object(_ text: String) throws -> [String: Any] {
        guard let object = try parse(text) as? [String: Any] else { throw E2EError("not a JSON object: \(text.prefix(200))") }
        return object
    }
    static func string(_ value: Any) throws -> String {
        String(decoding: try JSONSerialization.data(withJSONObject: value, options: [.sortedKeys]), as: UTF8.self)
    }
    /// Walks `path` ("spec", "workerGroupSpecs", 0, …) through nested objects and arrays.
    static func at(_ value: Any?, _ path: Any...) -> Any? {
        var current = value
        for step in path {
            if let key = step as? String { current = (current as? [String: Any])?[key] }
            else if let index = step as? Int {
                guard let array = current as? [Any], array.indices.contains(index) else { return nil }
                current = array[index]
            }
        }
        return current
    }
    /// JSON equality (objects regardless of key order; numbers by value).
    static func equal(_ a: Any?, _ b: Any?) -> Bool {
        switch (a, b) {
        case (nil, nil): return true
        case (let x as [String: Any], let y as [String: Any]):
            return x.count == y.count && x.allSatisfy { equal($0.value, y[$0.key]) }
        case (let x as [Any], let y as [Any]):
            return x.count == y.count && zip(x, y).allSatisfy { equal($0, $1) }
        case (let x as String, let y as String): return x == y
        case (let x as NSNumber, let y as NSNumber): return x == y
        case (is NSNull, is NSNull): return true
        default: return false
        }
    }
}
