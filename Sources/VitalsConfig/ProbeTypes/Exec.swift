import Foundation
import Yams

/// `exec`: a Nagios-style plugin (the probe is `VitalsProbes/ExecProbe.swift`).
public struct ExecSettings: Sendable, Equatable {
    /// argv, never a shell; `command[0]` resolved against `workingDirectory` when relative.
    public var command: [String]
    /// The config file's folder.
    public var workingDirectory: String
    /// Added to a clean environment.
    public var environment: [String: Secret] = [:]
    /// `expect: { conditions, body_not_contains }`: `status` is the exit code, `body` the output.
    public var expect = ConditionExpectation()
    public init(command: [String], workingDirectory: String) {
        self.command = command
        self.workingDirectory = workingDirectory
    }
}

extension ExecSettings: ProbeConfig {
    static let type = ProbeType.exec
    static let keys = ["command", "env", "expect"]
    static let structuredKeys: Set<String> = ["command", "env", "expect"]
    static let thresholds: Set<String> = ["latency"]
    /// Any perfdata label is a measurement too.
    static let acceptsAnyMeasurement = true
    var probeSettings: ProbeSettings { .exec(self) }
    static func parse(_ f: Fields, _ parser: ConfigParser) -> Self? { parser.parseExec(f) }
}

extension ConfigParser {
    func parseExec(_ f: Fields) -> ExecSettings? {
        guard let cmdNode = f.require("command") else { return nil }
        guard cmdNode.sequence != nil else {
            f.error("command", "expected a list: the program and its arguments (no shell)")
            return nil
        }
        guard let command = f.stringList("command") else { return nil }
        guard let program = command.first, !program.isEmpty else {
            f.error("command", "the command is empty")
            return nil
        }
        // Relative programs resolve against the folder of the file that declared the component
        // (an included file's own folder), so a probe file and its plugins move together.
        let folder = (Self.canonical(f.file) as NSString).deletingLastPathComponent
        var e = ExecSettings(command: command, workingDirectory: folder)
        if let env = f.secretMap("env", validName: { YAMLReader.isVariableName(Substring($0)) }, nameRule: " for an environment variable") {
            e.environment = Dictionary(env, uniquingKeysWith: { _, b in b })
        }
        // Any name: a plugin's perfdata labels are its own.
        e.expect = parseConditionExpect(f, body: true, names: nil).0
        return e
    }
}
