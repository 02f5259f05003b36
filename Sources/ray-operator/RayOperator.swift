import ArgumentParser

@main
struct RayOperator: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ray-operator",
        abstract: "A Kubernetes operator for Ray clusters: admission and conversion webhook, reconciler, offline tools.",
        subcommands: [WebhookCommand.self, ControllerCommand.self, ValidateCommand.self, ConvertCommand.self]
    )
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
