import ArgumentParser
import Foundation
import VitalsConfig
import VitalsIO

/// `vitals push NAME --url URL`: reports to a push component of a running daemon, once, or
/// around a command (`-- COMMAND ARGS...`, like healthchecks.io's runitor): runs it, then pushes
/// its exit code, its duration and the last line of its output, and exits with its code.
///
/// The token is read from `--token-file` or `VITALS_PUSH_TOKEN`, never taken on the command
/// line, where every user of the machine could read it in the process list.
struct PushCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "push", abstract: "Report to a push component of a running vitals, or run a command and report how it went.")

    @Argument(help: "The push component's name.")
    var name: String

    @Option(name: .long, help: "The daemon's address, e.g. http://vitals:8080 (the push goes to URL/api/v1/push/NAME).")
    var url: String

    @Option(name: .customLong("token-file"), help: "A file holding the component's token (default: $VITALS_PUSH_TOKEN).")
    var tokenFile: String?

    @Option(name: .long, help: "up or down (default up; with a command, from its exit code).")
    var status: String?

    @Option(name: .long, help: "A one-line message (default: with a command, the last line of its output).")
    var msg: String?

    @Option(name: .long, help: "How long the job took, e.g. 2s or 1500ms (with a command, measured).")
    var duration: String?

    @Option(name: .long, help: "Give up on the daemon after this long (default 10s).")
    var timeout: String = "10s"

    @Argument(parsing: .postTerminator, help: "A command to run and report on (after --).")
    var command: [String] = []

    /// The last line kept of a command's output: enough for a message, bounded whatever it prints.
    static let tailBytes = 4096

    func validate() throws {
        if let status, status != "up", status != "down" { throw ValidationError("--status is up or down") }
        if !command.isEmpty, status != nil || duration != nil {
            throw ValidationError("with a command, --status and --duration come from the command itself")
        }
    }

    func run() async throws {
        let token = try readToken()
        guard let limit = Units.duration(timeout) else { throw ValidationError("--timeout takes a duration such as 10s") }
        var fields: [(String, String)] = []
        var exitCode: Int32 = 0
        if command.isEmpty {
            if let status { fields.append(("status", status)) }
            if let duration { fields.append(("duration", duration)) }
        } else {
            let ran = try await Self.runCommand(command)
            exitCode = ran.code
            fields.append(("exit_code", String(ran.code)))
            fields.append(("duration", "\(Int64((ran.duration.seconds * 1000).rounded()))ms"))
            if msg == nil, let line = ran.lastLine { fields.append(("msg", line)) }
        }
        if let msg { fields.append(("msg", msg)) }
        let pushed = await Self.send(url: url, name: name, token: token, fields: fields, timeout: limit)
        if let failure = pushed { printError("vitals push: \(failure)") }
        if !command.isEmpty { throw ExitCode(exitCode) }
        if pushed != nil { throw ExitCode(1) }
    }

    private func readToken() throws -> String {
        let raw: String
        if let tokenFile {
            guard let text = try? String(contentsOfFile: tokenFile, encoding: .utf8) else {
                throw ValidationError("cannot read --token-file \(tokenFile)")
            }
            raw = text
        } else if let env = ProcessInfo.processInfo.environment["VITALS_PUSH_TOKEN"] {
            raw = env
        } else {
            throw ValidationError("give the component's token with --token-file FILE or VITALS_PUSH_TOKEN")
        }
        let token = raw.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !token.isEmpty else { throw ValidationError("the token is empty") }
        return token
    }

    /// One POST with the fields as a form and the token in the header (never in the URL, which
    /// proxies log); nil once the daemon answered 200, else what went wrong.
    static func send(url: String, name: String, token: String, fields: [(String, String)], timeout: Duration) async -> String? {
        let base = url.hasSuffix("/") ? String(url.dropLast()) : url
        let path = name.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed.subtracting(CharacterSet(charactersIn: "/"))) ?? name
        let body = fields.map { "\(formEncode($0.0))=\(formEncode($0.1))" }.joined(separator: "&")
        let response = await CurlTransport().send(
            "POST", url: "\(base)/api/v1/push/\(path)",
            headers: [("Authorization", "Bearer \(token)"), ("Content-Type", "application/x-www-form-urlencoded")], body: Array(body.utf8),
            timeout: timeout, maxAnswerBytes: 4096)
        if let failure = response.failure { return failure.description }
        guard response.statusCode == 200 else {
            let text = String(decoding: response.body, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            return "the daemon answered \(response.statusCode)" + (text.isEmpty ? "" : ": \(text)")
        }
        return nil
    }

    static func formEncode(_ s: String) -> String {
        s.addingPercentEncoding(withAllowedCharacters: CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~")) ?? ""
    }

    /// Runs the command with its output passed through (stdout and stderr both to stdout),
    /// keeping the last `tailBytes` for the message; its exit code (128 + the signal when
    /// killed, as shells say) and how long it ran.
    static func runCommand(_ argv: [String]) async throws -> (code: Int32, duration: Duration, lastLine: String?) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = argv
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        let started = ContinuousClock.now
        do {
            try process.run()
        } catch {
            printError("vitals push: cannot run \(argv[0]): \(error.localizedDescription)")
            throw ExitCode(127)
        }
        // The reads block: on a thread of their own, not the cooperative pool.
        let tail = await withCheckedContinuation { (done: CheckedContinuation<[UInt8], Never>) in
            Thread.detachNewThread {
                var tail: [UInt8] = []
                let handle = pipe.fileHandleForReading
                while true {
                    let chunk = handle.availableData
                    if chunk.isEmpty { break }
                    FileHandle.standardOutput.write(chunk)
                    tail.append(contentsOf: chunk)
                    if tail.count > tailBytes { tail.removeFirst(tail.count - tailBytes) }
                }
                process.waitUntilExit()
                done.resume(returning: tail)
            }
        }
        let duration = started.duration(to: .now)
        let code = process.terminationReason == .uncaughtSignal ? 128 + process.terminationStatus : process.terminationStatus
        let lines = String(decoding: tail, as: UTF8.self).split(whereSeparator: \.isNewline)
        let last = lines.last { !$0.trimmingCharacters(in: .whitespaces).isEmpty }.map(String.init)
        return (code, duration, last)
    }
}
