import Foundation
import XCTest
import TestSupport

/// Helpers for the serverparts tests (namespaced so they cannot clash with other test files).
enum ServerPartsSupport {
    /// The shared seeded generator, under the name these tests use.
    typealias SplitMix64 = SeededGenerator

    struct ProcessOutput {
        var status: Int32
        var stdout: String
        var stderr: String
        var stdoutBytes: [UInt8]
    }

    /// Runs a real program to completion (stdin fed from `stdin`), capturing its output.
    static func run(_ executable: String, _ arguments: [String], stdin: [UInt8] = [], currentDirectory: String? = nil) throws -> ProcessOutput {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if let currentDirectory { process.currentDirectoryURL = URL(fileURLWithPath: currentDirectory) }
        let input = Pipe(), output = Pipe(), errors = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        // read both pipes concurrently so a chatty child cannot block on a full pipe
        let errorData = LockedData()
        let errorReader = Thread { errorData.set(errors.fileHandleForReading.readDataToEndOfFile()) }
        errorReader.start()
        if !stdin.isEmpty { input.fileHandleForWriting.write(Data(stdin)) }
        try? input.fileHandleForWriting.close()
        let outData = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        while !errorData.isSet { usleep(1000) }
        return ProcessOutput(status: process.terminationStatus,
                             stdout: String(decoding: outData, as: UTF8.self),
                             stderr: String(decoding: errorData.get(), as: UTF8.self),
                             stdoutBytes: Array(outData))
    }

    /// `openssl ARGS...` in `directory`; fails the test on a non-zero exit.
    @discardableResult
    static func openssl(_ arguments: [String], in directory: String, file: StaticString = #filePath, line: UInt = #line) throws -> ProcessOutput {
        let result = try run("/usr/bin/env", ["openssl"] + arguments, currentDirectory: directory)
        XCTAssertEqual(result.status, 0, "openssl \(arguments.joined(separator: " ")): \(result.stderr)", file: file, line: line)
        return result
    }

    /// A fresh temporary directory, removed by the returned cleanup.
    static func temporaryDirectory(_ prefix: String = "serverparts") throws -> String {
        let path = NSTemporaryDirectory() + prefix + "-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    static func remove(_ path: String) { try? FileManager.default.removeItem(atPath: path) }

    static func read(_ path: String) throws -> [UInt8] { Array(try Data(contentsOf: URL(fileURLWithPath: path))) }

    static func write(_ bytes: [UInt8], to path: String) throws { try Data(bytes).write(to: URL(fileURLWithPath: path)) }

    final class LockedData: @unchecked Sendable {
        private let lock = NSLock()
        private var data = Data()
        private var done = false
        func set(_ value: Data) { lock.lock(); data = value; done = true; lock.unlock() }
        var isSet: Bool { lock.lock(); defer { lock.unlock() }; return done }
        func get() -> Data { lock.lock(); defer { lock.unlock() }; return data }
    }
}
