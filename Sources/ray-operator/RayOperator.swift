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

/// Exit code for "this command exists but its implementation has not landed yet".
let notImplementedExitCode: Int32 = 3

func notImplemented(_ what: String) -> ExitCode {
    var stderr = StandardError()
    print("ray-operator: \(what) is not implemented yet in this build.", to: &stderr)
    return ExitCode(notImplementedExitCode)
}

struct StandardError: TextOutputStream {
    mutating func write(_ string: String) {
        FileHandleStderr.write(string)
    }
}
