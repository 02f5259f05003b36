// Thin: reads the inputs, hands them to `ManifestValidation`, prints.
import Admission
import ArgumentParser
import JSON
import RayAPI
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

struct ValidateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Check RayCluster manifests offline with the webhook's rules.",
        discussion: """
            Reads YAML or JSON manifests (multi-document; - is stdin), judges every RayCluster \
            (ray.io/v1alpha1 ones after conversion to ray.io/v1) and skips other kinds. \
            Exit status: 0 all valid, 1 any invalid, 2 unreadable input or usage error.
            """)

    /// Largest manifest we read from one file or stdin.
    static let maxInputBytes = 64 << 20

    @Option(name: [.short, .customLong("filename")], help: "Manifest file (YAML or JSON); - for stdin. Repeatable.")
    var files: [String] = []

    @Option(name: [.short, .customLong("output")], help: "Output format: text (kubectl-style) or json.")
    var output: String = "text"

    @Option(name: .customLong("feature-gates"), help: "Feature gates, e.g. RayClusterNetworkPolicy=true,GCSFaultToleranceEmbeddedStorage=true.")
    var featureGates: String = ""

    func run() throws {
        var stderr = StandardError()
        guard !files.isEmpty else {
            print("error: must specify one of -f and --filename (ray-operator validate -f FILE...)", to: &stderr)
            throw ExitCode(2)
        }
        guard output == "text" || output == "json" else {
            print("error: unknown --output \"\(output)\"; expected text or json", to: &stderr)
            throw ExitCode(2)
        }
        let gates: FeatureGates
        do {
            gates = try FeatureGates(parsing: featureGates)
        } catch {
            print("error: invalid --feature-gates: \(error)", to: &stderr)
            throw ExitCode(2)
        }
        let sources = files.map { ManifestSource(name: $0, content: Self.readInput($0)) }
        let report = ManifestValidation.validate(sources, gates: gates)
        if output == "json" {
            print(report.json().jsonString)
        } else {
            let text = report.text()
            print(text.stdout, terminator: "")
            if !text.stderr.isEmpty { print(text.stderr, terminator: "", to: &stderr) }
        }
        if report.exitCode != 0 { throw ExitCode(report.exitCode) }
    }

    /// The whole content of a file, or of stdin for `-`, up to `maxInputBytes`.
    static func readInput(_ path: String) -> Result<[UInt8], ManifestError> {
        let fd: Int32 = path == "-" ? 0 : open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            return .failure(ManifestError("\(path): cannot open: \(String(cString: strerror(errno)))"))
        }
        defer { if fd != 0 { close(fd) } }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65_536)
        while true {
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n == 0 { break }
            if n < 0 {
                if errno == EINTR { continue }
                return .failure(ManifestError("\(path): cannot read: \(String(cString: strerror(errno)))"))
            }
            guard bytes.count &+ n <= maxInputBytes else {
                return .failure(ManifestError("\(path): larger than \(maxInputBytes) bytes"))
            }
            bytes.append(contentsOf: chunk[0..<n])
        }
        return .success(bytes)
    }
}
