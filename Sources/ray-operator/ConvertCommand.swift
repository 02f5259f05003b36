// Thin: reads the inputs, hands them to `ManifestConversion`, prints.
import JSON
import Conversion
import Admission
import ArgumentParser

struct ConvertCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "convert",
        abstract: "Convert RayCluster manifests between ray.io/v1alpha1 and ray.io/v1.",
        discussion: """
            Like kubectl convert, with exactly the webhook's conversion. Reads YAML or JSON manifests \
            (multi-document; - is stdin); converts every RayCluster to --output-version and passes \
            objects of other kinds through unchanged. Exit status: 0 converted, 2 unreadable input, \
            an object that cannot be converted, or a usage error.
            """)

    @Option(name: [.short, .customLong("filename")], help: "Manifest file (YAML or JSON); - for stdin. Repeatable.")
    var files: [String] = []

    @Option(name: .customLong("output-version"), help: "ray.io/v1 or ray.io/v1alpha1.")
    var outputVersion: String

    @Option(name: [.short, .customLong("output")], help: "Output format: yaml or json.")
    var output: String = "yaml"

    func run() throws {
        var stderr = StandardError()
        guard !files.isEmpty else {
            print("error: must specify one of -f and --filename (ray-operator convert -f FILE --output-version ray.io/v1)", to: &stderr)
            throw ExitCode(2)
        }
        guard let format = ManifestConversion.OutputFormat(rawValue: output) else {
            print("error: unknown --output \"\(output)\"; expected yaml or json", to: &stderr)
            throw ExitCode(2)
        }
        let sources = files.map { ManifestSource(name: $0, content: ValidateCommand.readInput($0)) }
        let report = ManifestConversion.convert(sources, to: outputVersion, format: format)
        print(report.stdout, terminator: "")
        if !report.stderr.isEmpty { print(report.stderr, terminator: "", to: &stderr) }
        if report.exitCode != 0 { throw ExitCode(report.exitCode) }
    }
}
