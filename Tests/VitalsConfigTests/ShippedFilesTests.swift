import Foundation
import Testing
@testable import VitalsConfig

/// The config files the repository ships must parse: users copy them.
struct ShippedFilesTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    @Test func everyExampleAndTheSystemProbesParse() throws {
        let dir = try ConfigFolder()
        let main = try dir.write(
            "vitals.yaml", "include: [\"\(Self.root.path)/probes/examples/*.yaml\", \"\(Self.root.path)/probes/system.yaml\"]\n")
        let config = try ConfigLoader.load(file: main, environment: [:])
        // One example per type the config knows: a new type without one fails here.
        #expect(Set(config.components.map(\.type)) == Set(ConfigParser.typeKeys.keys))
    }

    @Test func eachExampleParsesAlone() throws {
        let examples = try FileManager.default.contentsOfDirectory(atPath: Self.root.appendingPathComponent("probes/examples").path)
        #expect(examples.count == ConfigParser.typeKeys.count)
        for name in examples {
            let dir = try ConfigFolder()
            let main = try dir.write("vitals.yaml", "include: [\"\(Self.root.path)/probes/examples/\(name)\"]\n")
            #expect(throws: Never.self, "\(name)") { try ConfigLoader.load(file: main, environment: [:]) }
        }
    }

    /// The default config (config/vitals.yaml) and the image's (deploy/container/vitals.yaml,
    /// laid out beside probes/ as /etc/vitals is) must never make a healthy pod unready because
    /// it is busy: their cpu component is informative (non-critical) and at worst degraded.
    @Test(arguments: ["config/vitals.yaml", "deploy/container/vitals.yaml"])
    func defaultConfigsKeepCPUInformative(file: String) throws {
        let dir = try ConfigFolder()
        let read = { (path: String) in try String(contentsOf: Self.root.appendingPathComponent(path), encoding: .utf8) }
        let main = file == "config/vitals.yaml" ? Self.root.appendingPathComponent(file).path : try dir.write("vitals.yaml", read(file))
        try dir.write("probes/system.yaml", read("probes/system.yaml"))
        let config = try ConfigLoader.load(file: main, environment: [:])
        let cpus = config.components.filter { $0.type == "cpu" }
        #expect(!cpus.isEmpty, "\(file) watches no cpu")
        for cpu in cpus {
            #expect(!cpu.critical, "\(file): \(cpu.name) is critical")
            for (name, threshold) in cpu.thresholds.byName {
                #expect(threshold.unhealthy == nil, "\(file): \(cpu.name) turns unhealthy on \(name)")
            }
        }
    }

    /// `docs/notifiers.yaml` has one notifier of every type, and parses: a new type without an
    /// example fails here.
    @Test func theNotifierExamplesParseAndCoverEveryType() throws {
        let file = Self.root.appendingPathComponent("docs/notifiers.yaml").path
        let environment = [
            "HOOK_TOKEN": "t", "SLACK_WEBHOOK_URL": "https://hooks.slack.com/services/T0/B0/X", "SMTP_PASSWORD": "p",
            "PD_ROUTING_KEY": "k", "DISCORD_WEBHOOK_URL": "https://discord.com/api/webhooks/1/x",
            "TELEGRAM_BOT_TOKEN": "123456:ABC-def_1", "NTFY_TOKEN": "tk_x", "MATTERMOST_HOOK_URL": "https://chat.example.com/hooks/k",
            "GOOGLE_CHAT_WEBHOOK_URL": "https://chat.googleapis.com/v1/spaces/A/messages?key=k&token=t", "PUSHOVER_APP_TOKEN": String(repeating: "a", count: 30), "PUSHOVER_USER_KEY": String(repeating: "u", count: 30), "TEAMS_WORKFLOW_URL": "https://prod-1.westeurope.logic.azure.com/workflows/1/triggers/manual/paths/invoke?sig=x", "OPSGENIE_API_KEY": "eb243592-faa2-4ba2-a551-1afdf565c889",
        ]
        let config = try ConfigLoader.load(file: file, environment: environment)
        #expect(Set(config.notifiers.map(\.kind)) == Set(NotifierSpec.Kind.allCases))
        #expect(config.notifiers.contains { $0.template?.title != nil && $0.template?.body != nil }, "the template example")
    }
}
