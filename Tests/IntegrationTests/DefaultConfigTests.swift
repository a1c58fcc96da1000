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
        let (status, out) = try Self.run(URL(fileURLWithPath: "/bin/bash"), ["scripts/build/embed.sh", "--check"], in: Self.root)
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

    /// `vitals --version` names the version and the revision the binary was built from, and
    /// `vitals_build_info` carries the same two.
    @Test func versionAndBuildInfoNameTheSameRevision() async throws {
        let (status, out) = try Self.run(VitalsProcess.binary, ["--version"], in: Self.root)
        #expect(status == 0, "\(out)")
        let words = out.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: " ").map(String.init)
        #expect(words.count == 3 && words[1] == "(revision" && words[2].hasSuffix(")"), "\(out)")
        guard words.count == 3 else { return }
        let version = words[0], revision = String(words[2].dropLast())
        #expect(version.split(separator: ".").count == 3 && !revision.isEmpty, "\(out)")
        let vitals = try VitalsProcess(configBody: "components:\n  - { name: mem, type: memory }\n")
        defer { vitals.stop() }
        let metrics = try await vitals.waitFor("/metrics") { status, _ in status == 200 }
        let info = metrics.body.split(separator: "\n").first { $0.hasPrefix("vitals_build_info{") }
        #expect(info?.contains("version=\"\(version)\"") == true && info?.contains("revision=\"\(revision)\"") == true && info?.hasSuffix("} 1") == true,
                "\(info ?? "no vitals_build_info")")
    }

    /// README's "First seconds" on a busy machine: the default config (config/vitals.yaml and
    /// the probes/system.yaml it includes, its port moved to a free one) while every core runs
    /// `yes`. A busy machine is not a failing one: cpu turns degraded, readiness stays 200.
    @Test func defaultConfigIsReadyOnAMachineWithEveryCoreBusy() async throws {
        let port = try FreePort.pick()
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("vitals-busy-\(UUID().uuidString)")
        for file in ["config/vitals.yaml", "probes/system.yaml"] {
            let text = try String(contentsOf: Self.root.appendingPathComponent(file), encoding: .utf8)
            let target = folder.appendingPathComponent(file)
            try FileManager.default.createDirectory(at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
            try text.replacingOccurrences(of: "127.0.0.1:8080", with: "127.0.0.1:\(port)").write(to: target, atomically: true, encoding: .utf8)
        }
        var busy: [Process] = []
        defer {
            // SIGKILL: a child of the test runner starts with SIGTERM blocked (the spawning
            // thread's mask), and `yes` never unblocks it.
            for p in busy where p.isRunning { kill(p.processIdentifier, SIGKILL) }
            for p in busy { p.waitUntilExit() }
        }
        for _ in 0..<ProcessInfo.processInfo.activeProcessorCount {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: "/usr/bin/yes")
            p.standardOutput = FileHandle(forWritingAtPath: "/dev/null")
            try p.run()
            busy.append(p)
        }
        let vitals = try VitalsProcess(folder: folder, port: port, arguments: ["run", "--config", "config/vitals.yaml"])
        defer { vitals.stop() }
        // The load is seen: cpu is judged degraded (usage or load per core past its level)...
        try await vitals.waitFor("/health/detailed", timeout: .seconds(40)) { status, body in
            let components = jsonObject(body)?["components"] as? [[String: Any]]
            return status == 200 && components?.contains { $0["name"] as? String == "cpu" && $0["status"] as? String == "degraded" } == true
        }
        // ...and readiness answers 200 all the same (degraded is ready; cpu is not critical).
        let ready = try await vitals.waitFor("/health/ready", timeout: .seconds(20)) { status, _ in status != 503 }
        #expect(ready.status == 200, "\(ready.body)")
        let stillBusy = busy.allSatisfy { $0.isRunning }
        #expect(stillBusy, "the load ended before the check")
    }
}
