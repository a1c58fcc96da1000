import ArgumentParser
import VitalsServer

@main
struct VitalsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vitals",
        abstract: "Health-check and synthetic probe orchestrator.",
        version: VitalsVersion.description,
        subcommands: [RunCommand.self, CheckCommand.self, ValidateCommand.self, PushCommand.self])
}

/// Exit codes of spec section 2.
enum ExitCodes {
    /// `run` on a bad config (sysexits' EX_CONFIG).
    static let config: Int32 = 78
    /// `check`: Nagios UNKNOWN, for a config or internal error.
    static let checkUnknown: Int32 = 3
    /// `run` when the listen address cannot be bound (sysexits' EX_UNAVAILABLE).
    static let listen: Int32 = 69
}

struct ConfigOption: ParsableArguments {
    @Option(name: .long, help: "The config file (default: config/vitals.yaml, else the embedded default).")
    var config: String?
}
