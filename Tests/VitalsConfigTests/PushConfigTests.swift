import Foundation
import Testing
@testable import VitalsConfig

/// The `push` component: `interval` (required), `grace`, `token_file` (required, never quoted),
/// thresholds on the latency a push reports, and one failure is enough by default.
struct PushConfigTests {
    @Test func theSpecsExampleParses() throws {
        let dir = try ConfigFolder()
        let token = try dir.write("backup-push", "b4ckup-push-t0ken-2c9f\n")
        let c = try ConfigLoader.parse(
            yaml: """
                components:
                  - name: nightly-backup
                    type: push
                    interval: 24h
                    grace: 30m
                    token_file: \(token)
                    thresholds:
                      latency: { degraded: 2h }
                """, file: "c.yaml", environment: [:])
        let spec = c.components[0]
        guard case .push(let p) = spec.probe else {
            Issue.record("not push")
            return
        }
        #expect(p.token.value == "b4ckup-push-t0ken-2c9f")
        #expect(p.grace == .seconds(1800))
        #expect(spec.pushDeadline?.interval == .seconds(86_400) && spec.pushDeadline?.grace == .seconds(1800))
        #expect(spec.failureThreshold == 1, "one missed push or down push counts at once")
        #expect(spec.thresholds["latency"]?.degraded == 7200)
        #expect(!"\(p)".contains("b4ckup"), "the token prints redacted")
    }

    @Test func failureThresholdAndGraceCanBeSet() throws {
        let c = try ConfigLoader.parse(
            yaml: "components:\n  - { name: a, type: push, interval: 1m, token: \"0123456789abcdef\", failure_threshold: 3 }\n",
            file: "c.yaml", environment: [:])
        #expect(c.components[0].failureThreshold == 3)
        #expect(c.components[0].pushDeadline?.grace == .seconds(6), "a tenth of the interval")
        // No probe to time out: a heartbeat every second is fine beside the default 2 s timeout.
        #expect(errors("components:\n  - { name: a, type: push, interval: 1s, token: \"0123456789abcdef\" }\n").isEmpty)
    }

    @Test func theTokenAndIntervalAreRequiredAndAShortTokenIsRefusedUnquoted() {
        #expect(errors("components:\n  - { name: a, type: push, interval: 1m }\n") == ["c.yaml:2:5: components[a]: missing required key token"])
        #expect(
            errors("components:\n  - { name: a, type: push, token: \"0123456789abcdef\" }\n")
                == ["c.yaml:2:5: components[a].interval: a push component needs interval: how often a push is expected (e.g. 24h)"])
        let short = errors("components:\n  - { name: a, type: push, interval: 1m, token: sh0rt-s3cret }\n")
        #expect(short.count == 1 && short[0].contains("too short") && !short[0].contains("sh0rt"))
        #expect(errors("components:\n  - { name: a, type: push, interval: 1m, token: \"0123456789 abcdef\" }\n").first?.contains("spaces") == true)
        // A probe's keys are not a push component's.
        #expect(errors("components:\n  - { name: a, type: push, interval: 1m, token: \"0123456789abcdef\", url: \"http://x/\" }\n").count == 1)
        // Only the latency is judged.
        #expect(
            errors("components:\n  - { name: a, type: push, interval: 1m, token: \"0123456789abcdef\", thresholds: { used_percent: { degraded: 1 } } }\n")
                .count == 1)
    }
}
