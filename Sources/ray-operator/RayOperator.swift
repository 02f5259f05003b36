import JSON
import ArgumentParser

@main
struct RayOperator: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ray-operator",
        abstract: "A Kubernetes operator for Ray clusters: admission and conversion webhook, reconciler, offline tools.",
        subcommands: [WebhookCommand.self, ControllerCommand.self, ValidateCommand.self, ConvertCommand.self]
    )

    /// As ArgumentParser's own `main`, except that usage errors exit 2 (`validate`
    /// exits 2 on usage errors) instead of ArgumentParser's 64.
    static func main() async {
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            if exitCode(for: error) == .validationFailure {
                var stderr = StandardError()
                print(fullMessage(for: error), to: &stderr)
                exit(withError: ExitCode(2))
            }
            exit(withError: error)
        }
    }
}

struct StandardError: TextOutputStream {
    mutating func write(_ string: String) {
        FileHandleStderr.write(string)
    }
}
