import Foundation
import Testing
@testable import VitalsConfig

/// `success_rate` and `latency_p50/p95/p99` with their `window`, on any probe type, and the
/// exact line `vitals validate` prints for each mistake in them.
struct WindowedThresholdConfigTests {
    static func c(_ rest: String) -> String { "components:\n  - name: a\n" + rest }

    /// Every type takes them, memory and disk included; the window sizes what is kept.
    @Test func everyTypeTakesWindowedThresholds() throws {
        let config = try parsed(
            Self.c("""
                    type: memory
                    interval: 10s
                    thresholds:
                      success_rate: { window: 5m, degraded: 99, unhealthy: 90 }
                      latency_p95: { window: 1h, degraded: 250ms, unhealthy: 1s }
                      latency_p50: { window: 5m, degraded: 100ms }
                      available_percent: { degraded: 15 }
                  - { name: b, type: exec, command: [x], thresholds: { latency_p99: { window: 1m, unhealthy: 2s } } }
                  - { name: c, type: disk, path: /, history: 500, thresholds: { success_rate: { window: 1m, unhealthy: 50 } } }
                  - { name: d, type: tcp, address: "h:1" }

                """))
        let a = config.components[0], b = config.components[1], cc = config.components[2], d = config.components[3]
        #expect(a.thresholds["success_rate"] == Threshold(degraded: 99, unhealthy: 90, direction: .lowerIsWorse, unit: .percent, window: .seconds(300)))
        #expect(a.thresholds["latency_p95"] == Threshold(degraded: 0.25, unhealthy: 1, unit: .seconds, window: .seconds(3600)))
        #expect(a.thresholds["available_percent"]?.window == nil)
        #expect(a.thresholds.windowed.map { $0.name } == ["latency_p50", "latency_p95", "success_rate"])
        // The longest window at the interval, plus one: 1h at 10s.
        #expect(a.windowCapacity == 361)
        #expect(a.resultsToRestore == 361)
        #expect(b.thresholds["latency_p99"] == Threshold(unhealthy: 2, unit: .seconds, window: .seconds(60)))
        #expect(b.windowCapacity == 7)
        #expect(cc.windowCapacity == 7 && cc.resultsToRestore == 500, "history is longer than the window")
        #expect(d.windowCapacity == nil && d.resultsToRestore == 120, "no window without a windowed threshold")
    }

    static let mistakes: [(String, String)] = [
        (c("    type: tcp\n    address: h:1\n    thresholds:\n      success_rate: { degraded: 99 }\n"),
         "c.yaml:6:21: components[a].thresholds.success_rate: missing required key window (the span of recent results success_rate is judged over, e.g. window: 5m)"),
        // Shorter than the interval, and shorter than the five results a window is judged from.
        (c("    type: tcp\n    address: h:1\n    thresholds:\n      success_rate: { window: 5s, degraded: 99 }\n"),
         "c.yaml:6:31: components[a].thresholds.success_rate.window: window 5s holds 0 results at interval 10s, and a window is judged from 5: make it at least 50s"),
        (c("    type: tcp\n    address: h:1\n    interval: 1m\n    thresholds:\n      latency_p95: { window: 4m, degraded: 1s }\n"),
         "c.yaml:7:30: components[a].thresholds.latency_p95.window: window 4m holds 4 results at interval 1m, and a window is judged from 5: make it at least 5m"),
        (c("    type: tcp\n    address: h:1\n    thresholds:\n      latency_p95: { window: 5m, degraded: 250ms, unhealty: 1s }\n"),
         "c.yaml:6:51: components[a].thresholds.latency_p95.unhealty: unknown key (did you mean unhealthy?)"),
        (c("    type: tcp\n    address: h:1\n    thresholds:\n      latency: { window: 5m, degraded: 1s }\n"),
         "c.yaml:6:18: components[a].thresholds.latency.window: unknown key (latency is judged on each result; over a window: success_rate, latency_p50, latency_p95 or latency_p99)"),
        (c("    type: tcp\n    address: h:1\n    thresholds:\n      latencyp95: { window: 5m, degraded: 1s }\n"),
         "c.yaml:6:7: components[a].thresholds.latencyp95: unknown measurement (did you mean latency_p95?)"),
        (c("    type: tcp\n    address: h:1\n    interval: 1s\n    timeout: 500ms\n    thresholds:\n      success_rate: { window: 7d, degraded: 99 }\n"),
         "c.yaml:8:31: components[a].thresholds.success_rate.window: window 7d at interval 1s would keep 604801 results, more than the 10000 a window keeps: shorten the window or lengthen the interval"),
        (c("    type: tcp\n    address: h:1\n    thresholds:\n      success_rate: { window: 8d, degraded: 99 }\n"),
         "c.yaml:6:31: components[a].thresholds.success_rate.window: window 8d is longer than 7d, the longest a window keeps"),
        (c("    type: tcp\n    address: h:1\n    thresholds:\n      success_rate: { window: 5m, degraded: 90, unhealthy: 99 }\n"),
         "c.yaml:6:45: components[a].thresholds.success_rate.degraded: degraded must be above unhealthy (for success_rate, lower is worse)"),
        (c("    type: tcp\n    address: h:1\n    thresholds:\n      success_rate: { window: 5m, degraded: 101 }\n"),
         #"c.yaml:6:45: components[a].thresholds.success_rate.degraded: expected a percentage from 0 to 100, got "101""#),
        (c("    type: tcp\n    address: h:1\n    thresholds:\n      success_rate: { window: often, degraded: 99 }\n"),
         #"c.yaml:6:31: components[a].thresholds.success_rate.window: expected a duration with a unit such as 250ms, 2s, 5m, 1h or 7d, got "often""#),
    ]

    @Test(arguments: mistakes)
    func mistakeIsNamedAtItsKey(yaml: String, expected: String) {
        #expect(errors(yaml) == expected.components(separatedBy: "\n"))
    }
}
