import Foundation
import XCTest

/// A test case that runs the built `ray-operator` binary as a user does: a subprocess, real files
/// in a fresh temporary directory, standard input, output and exit status.
open class CLITestCase: XCTestCase {
    public var directory: URL!

    open override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    open override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: directory)
    }

    /// The `ray-operator` executable built next to this test bundle.
    public func binary() throws -> URL {
        let bundleDirectory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for candidate in [bundleDirectory, Bundle.main.bundleURL.deletingLastPathComponent(), Bundle(for: Self.self).bundleURL.deletingLastPathComponent()] {
            let url = candidate.appendingPathComponent("ray-operator")
            if FileManager.default.isExecutableFile(atPath: url.path) { return url }
        }
        XCTFail("ray-operator not found next to the test bundle (\(bundleDirectory.path)); build all products first")
        throw CocoaError(.fileNoSuchFile)
    }

    /// Writes `text` to `name` in the test's directory and returns its path.
    public func write(_ name: String, _ text: String) throws -> String {
        let url = directory.appendingPathComponent(name)
        try text.write(to: url, atomically: true, encoding: .utf8)
        return url.path
    }

    public struct Run {
        public var status: Int32
        public var stdout: String
        public var stderr: String
    }

    /// Runs `ray-operator arguments…` with `stdin`; standard error is collected on its own thread
    /// so that neither pipe can fill up and block the child.
    public func run(_ arguments: [String], stdin: String = "") throws -> Run {
        let process = Process()
        process.executableURL = try binary()
        process.arguments = arguments
        let input = Pipe(), output = Pipe(), errors = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        let errorData = LockedData()
        let errorReader = Thread { errorData.set(errors.fileHandleForReading.readDataToEndOfFile()) }
        errorReader.start()
        input.fileHandleForWriting.write(Data(stdin.utf8))
        try input.fileHandleForWriting.close()
        let out = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let err = errorData.wait()
        return Run(status: process.terminationStatus, stdout: String(decoding: out, as: UTF8.self),
                   stderr: String(decoding: err, as: UTF8.self))
    }
}

/// Data handed from the stderr reader thread to the test thread.
private final class LockedData: @unchecked Sendable {
    private let condition = NSCondition()
    private var data: Data?

    func set(_ value: Data) {
        condition.lock()
        data = value
        condition.signal()
        condition.unlock()
    }

    func wait() -> Data {
        condition.lock()
        defer { condition.unlock() }
        while data == nil { condition.wait() }
        return data ?? Data()
    }
}
