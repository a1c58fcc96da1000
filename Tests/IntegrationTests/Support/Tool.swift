import Foundation
import Testing

/// Runs a command-line tool the tests need (psql, pg_ctl, mount) and expects it to succeed.
enum Tool {
    /// Its standard output, trimmed, when `capture`; standard error is dropped. With `check`,
    /// a non-zero exit is a test failure naming the tool and its last argument.
    @discardableResult
    static func run(_ tool: String, _ args: [String], env: [String: String] = [:], capture: Bool = true, check: Bool = true) throws -> String {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: tool)
        p.arguments = args
        p.environment = ProcessInfo.processInfo.environment.merging(env) { $1 }
        // A server started by the tool keeps what it inherits: nothing to read to its end then.
        let out = Pipe()
        p.standardOutput = capture ? out : FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        let data = capture ? out.fileHandleForReading.readDataToEndOfFile() : Data()
        p.waitUntilExit()
        if check { #expect(p.terminationStatus == 0, "\(tool) \(args.last ?? "") failed") }
        return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
