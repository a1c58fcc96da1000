import Foundation
import Testing

/// The full example config of spec section 3 (`Fixtures/spec-section-3.yaml`, a copy of it)
/// validates, with the files it names made for it: the secrets under `/secrets/`, the CA and
/// client certificate files, the probes it includes, the variables it reads. Every key and
/// type in it is implemented: `validate` exits 0 and prints no problem.
struct SpecExampleTests {
    static let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/spec-section-3.yaml")
    static let spec = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("../shared/spec.md")

    @Test func theExampleOfSection3Validates() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("vitals-spec-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let fm = FileManager.default
        for sub in ["config", "probes/app", "secrets", "ssl"] {
            try fm.createDirectory(at: dir.appendingPathComponent(sub), withIntermediateDirectories: true)
        }
        func write(_ path: String, _ text: String) throws { try text.write(to: dir.appendingPathComponent(path), atomically: true, encoding: .utf8) }
        for name in ["t", "pg", "smtp", "pd"] { try write("secrets/\(name)", "s3cret-\(name)\n") }
        for name in ["ca.pem", "client.pem", "client.key"] { try write("ssl/\(name)", "test\n") }
        // The probes it includes: the machine's (the example declares memory itself) and an app's.
        try write("probes/system.yaml", "components:\n  - { name: root-disk, type: disk, path: / }\n")
        try write("probes/app/orders.yaml", "components:\n  - { name: orders-queue, type: tcp, address: \"127.0.0.1:5672\" }\n")
        var example = try String(contentsOf: Self.fixture, encoding: .utf8)
        example = example.replacingOccurrences(of: "/secrets/", with: dir.path + "/secrets/")
            .replacingOccurrences(of: "/etc/ssl/ca.pem", with: dir.path + "/ssl/ca.pem")
            .replacingOccurrences(of: "client_cert_file: ...", with: "client_cert_file: \(dir.path)/ssl/client.pem")
            .replacingOccurrences(of: "client_key_file: ...", with: "client_key_file: \(dir.path)/ssl/client.key")
        try write("config/vitals.yaml", example)

        let p = Process()
        p.executableURL = VitalsProcess.binary
        p.arguments = ["validate", "--config", dir.appendingPathComponent("config/vitals.yaml").path]
        p.currentDirectoryURL = dir
        p.environment = ["PATH": "/usr/bin:/bin", "REDIS_PASSWORD": "redis-s3cret", "PAYMENTS_TOKEN": "pay-s3cret"]
        let out = Pipe()
        p.standardOutput = out
        p.standardError = out
        try p.run()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()

        #expect(p.terminationStatus == 0, "\(text)")
        #expect(text.hasSuffix(": ok (13 components)\n"), "\(text)")
        #expect(!text.contains("s3cret"), "a secret is in the output")
    }

    /// The fixture is the spec's example, byte for byte, wherever the spec is at hand.
    @Test(.enabled(if: FileManager.default.fileExists(atPath: spec.path), "the spec is not beside the repository"))
    func theFixtureIsTheSpecsExample() throws {
        let spec = try String(contentsOf: Self.spec, encoding: .utf8)
        guard let section = spec.range(of: "## 3."), let next = spec.range(of: "## 4.", range: section.upperBound..<spec.endIndex),
            let open = spec.range(of: "```yaml\n", range: section.upperBound..<next.lowerBound),
            let close = spec.range(of: "\n```", range: open.upperBound..<next.lowerBound)
        else {
            Issue.record("no yaml block in spec section 3")
            return
        }
        let example = String(spec[open.upperBound..<close.lowerBound]) + "\n"
        #expect(try String(contentsOf: Self.fixture, encoding: .utf8) == example)
    }
}
