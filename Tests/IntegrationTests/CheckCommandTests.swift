import Foundation
import Testing

/// `vitals check`: one run of every component, the daemon's own judgement and message, exit
/// codes 0 / 1 / 2 / 3 as Nagios and CI scripts read them, a table or JSON, no secret shown.
struct CheckCommandTests {
    static let plugins = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("VitalsProbesTests/Fixtures/plugins").path

    static func check(_ body: String, _ arguments: [String] = []) async throws -> (status: Int32?, stdout: String, stderr: String) {
        let vitals = try VitalsProcess(configBody: body, arguments: ["check"] + arguments)
        let status = await vitals.waitForExit(timeout: .seconds(20))
        return (status, vitals.stdoutAfterExit, vitals.stderrAfterExit)
    }

    static let degraded = """
        components:
          - { name: queue, type: exec, command: ["\(plugins)/exit_with", "1", "WARNING: queue 50"] }
          - { name: mem, type: memory }

        """

    @Test func degradedIsExitOneWithTheTableAndTheMessage() async throws {
        let (status, out, _) = try await Self.check(Self.degraded)
        #expect(status == 1)
        let lines = out.split(separator: "\n").map(String.init)
        #expect(lines.first?.hasPrefix("COMPONENT") == true, "\(out)")
        let queue = try #require(lines.first { $0.hasPrefix("queue ") }, "\(out)")
        #expect(queue.contains(" exec ") && queue.contains(" degraded ") && queue.hasSuffix("WARNING: queue 50"), "\(queue)")
        #expect(lines.contains { $0.hasPrefix("mem ") && $0.contains(" healthy ") })
        #expect(lines.last == "DEGRADED")
    }

    @Test func jsonCarriesStatusMessageAndObservations() async throws {
        let body = Self.degraded.replacingOccurrences(of: "WARNING: queue 50", with: "WARNING: queue 50/100 in /var/spool")
        let (status, out, _) = try await Self.check(body, ["--format", "json"])
        #expect(status == 1)
        let json = try #require(jsonObject(out), "\(out)")
        #expect(json["status"] as? String == "degraded")
        let queue = try #require((json["components"] as? [[String: Any]])?.first { $0["name"] as? String == "queue" })
        #expect(queue["status"] as? String == "degraded")
        #expect(queue["message"] as? String == "WARNING: queue 50/100 in /var/spool")
        // Slashes as they are, as jq and people write them: JSON allows "\/" but needs no escape.
        #expect(out.contains(#""WARNING: queue 50/100 in /var/spool""#) && !out.contains(#"\/"#), "\(out)")
        #expect((queue["observations"] as? [String: Any])?["exit_code"] as? Double == 1)
    }

    @Test func aBadConfigIsExitThree() async throws {
        let (status, out, err) = try await Self.check("components:\n  - { name: x, type: nope }\n")
        #expect(status == 3)
        #expect(out.isEmpty)
        #expect(err.contains("components[x].type: unknown type \"nope\""), "\(err)")
        let unknown = try await Self.check(Self.degraded, ["--component", "missing"])
        #expect(unknown.status == 3)
        #expect(unknown.stderr.contains("no component named 'missing'"))
    }

    @Test func aSecretThePluginEchoesIsNotPrinted() async throws {
        let body = """
            components:
              - { name: envy, type: exec, command: ["\(Self.plugins)/show_env"], env: { API_TOKEN: "tok-9f8e7d6c5b", DB_PASSWORD: "t4k" } }

            """
        for format in ["table", "json"] {
            let (status, out, err) = try await Self.check(body, ["--format", format])
            #expect(status == 0)
            #expect(out.contains("API_TOKEN=<redacted>"), "\(out)")
            #expect(!(out + err).contains("tok-9f8e7d6c5b"))
            #expect(out.contains("DB_PASSWORD=<redacted>"), "\(out)")
            #expect(!leaks(out + err, "t4k"), "the short secret is printed: \(out)")
        }
    }
}
