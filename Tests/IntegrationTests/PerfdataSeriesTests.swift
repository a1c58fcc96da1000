import Foundation
import Testing
import VitalsTestSupport

/// A plugin that prints `x=1 y=5s x=2 exit_code=9`, and `x=3 y=7s z=4` in its long output
/// (Tests/VitalsProbesTests/Fixtures/plugins/repeats), run by the real daemon: one series per
/// name in `/metrics`, with the first value, and `/health/detailed` says the same.
@Suite(.serialized)
struct PerfdataSeriesTests {
    @Test func aRepeatedLabelIsOneSeriesWithItsFirstValue() async throws {
        let plugin = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("VitalsProbesTests/Fixtures/plugins/repeats").path
        let vitals = try VitalsProcess(
            configBody: """
                components:
                  - name: plugin
                    type: exec
                    interval: 1s
                    timeout: 900ms
                    command: ["\(plugin)"]

                """)
        defer { vitals.stop() }
        let detailed = try await vitals.waitFor("/health/detailed") { _, body in body.contains("counted twice") }
        let component = try #require((jsonObject(detailed.body)?["components"] as? [[String: Any]])?.first)
        let observations = try #require(component["observations"] as? [String: Any])
        #expect(observations["x"] as? Double == 1)
        #expect(observations["y"] as? Double == 5)
        #expect(observations["z"] as? Double == 4)
        #expect(observations["exit_code"] as? Double == 0)
        // Written once each: a JSON object with a repeated key reads as its last value.
        #expect(detailed.body.components(separatedBy: "\"x\":").count == 2, "\(detailed.body)")

        let metrics = try await vitals.get("/metrics").body
        let series = metrics.split(separator: "\n").filter { $0.hasPrefix("vitals_probe_observation{") }
        #expect(
            series.sorted() == [
                #"vitals_probe_observation{component="plugin",type="exec",name="exit_code"} 0"#,
                #"vitals_probe_observation{component="plugin",type="exec",name="x"} 1"#,
                #"vitals_probe_observation{component="plugin",type="exec",name="y"} 5"#,
                #"vitals_probe_observation{component="plugin",type="exec",name="z"} 4"#,
            ], "\(series)")
        try Promtool.checkMetrics(metrics)
    }
}
