// OWNER: admission helper.
import ArgumentParser

struct ValidateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate", abstract: "Check RayCluster manifests offline with the webhook's rules.")

    @Option(name: [.short, .customLong("filename")], help: "Manifest files (YAML or JSON); - for stdin.")
    var files: [String] = []

    func run() throws {
        throw notImplemented("`ray-operator validate`")
    }
}
