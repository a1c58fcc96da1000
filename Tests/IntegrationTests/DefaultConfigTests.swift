import Foundation
import Testing

/// The default config a user gets from `make run` and from a bare `vitals run`.
struct DefaultConfigTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static func run(_ executable: URL, _ arguments: [String], in folder: URL, tmpdir: URL? = nil) throws -> (Int32, String) {
        let p = Process()
        p.executableURL = executable
        p.arguments = arguments
        p.currentDirectoryURL = folder
        if let tmpdir {
            var env = ProcessInfo.processInfo.environment
            env["TMPDIR"] = tmpdir.path
            p.environment = env
        }
        let out = Pipe()
        p.standardOutput = out
        p.standardError = out
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    @Test func repositoryDefaultIsValid() throws {
        let (status, out) = try Self.run(VitalsProcess.binary, ["validate", "--config", "config/vitals.yaml"], in: Self.root)
        #expect(status == 0, "\(out)")
        #expect(out.contains("ok (4 components)"))
    }

    @Test func embeddedCopyMatchesTheRepository() throws {
        let (status, out) = try Self.run(URL(fileURLWithPath: "/bin/bash"), ["scripts/embed-default-config.sh", "--check"], in: Self.root)
        #expect(status == 0, "\(out)")
    }

    @Test func bareValidateUsesTheEmbeddedDefault() throws {
        let empty = FileManager.default.temporaryDirectory.appendingPathComponent("vitals-empty-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: empty, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: empty) }
        let tmp = empty.appendingPathComponent("tmp")
        try FileManager.default.createDirectory(at: tmp, withIntermediateDirectories: true)
        let (status, out) = try Self.run(VitalsProcess.binary, ["validate"], in: empty, tmpdir: tmp)
        #expect(status == 0, "\(out)")
        #expect(out.contains("ok (4 components)"))
        // The embedded copy was written under TMPDIR to be read, and nothing of it is left.
        #expect(try FileManager.default.contentsOfDirectory(atPath: tmp.path) == [])
    }
}
