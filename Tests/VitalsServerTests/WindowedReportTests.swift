import Foundation
import Synchronization
import Testing
import VitalsConfig
import VitalsCore
@testable import VitalsServer

/// Windowed thresholds as people and Prometheus read them, from a real store: the readings
/// among the observations, the window and whether it is judged yet under `thresholds`, and
/// `vitals_probe_observation{name="success_rate"}`.
struct WindowedReportTests {
    static func store(results: Int) -> HealthStore {
        var spec = ComponentSpec(name: "api", probe: .http(HTTPSettings(url: "http://127.0.0.1:1/")))
        spec.thresholds["success_rate"] = Threshold(degraded: 90, direction: .lowerIsWorse, unit: .percent, window: .seconds(300))
        spec.thresholds["latency_p95"] = Threshold(degraded: 0.25, unhealthy: 1, unit: .seconds, window: .seconds(300))
        spec.thresholds["latency"] = Threshold(degraded: 2, unit: .seconds)
        let t0 = Date(timeIntervalSince1970: 1_800_000_000)
        let i = Counter()
        let store = HealthStore(components: [spec], now: { t0.addingTimeInterval(Double(i.next()) * 10) })
        for n in 0..<results {
            let r = n == 4 ? ProbeResult.failure("status 503 not in 200-399") : ProbeResult(success: true, latency: .milliseconds(40 + n), message: "status 200")
            store.record(component: "api", result: r)
        }
        return store
    }

    final class Counter: Sendable {
        private let n = Mutex(0)
        func next() -> Int { n.withLock { $0 += 1; return $0 } }
    }

    static func component(_ body: String) throws -> [String: Any] {
        let json = try #require(try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any])
        return try #require((json["components"] as? [[String: Any]])?.first)
    }

    @Test func notJudgedYetIsShownAsSuch() throws {
        let c = try Self.component(DetailedReport.json(Self.store(results: 3).snapshot()).body)
        let thresholds = try #require(c["thresholds"] as? [String: [String: Any]])
        #expect(thresholds["success_rate"]?["window"] as? String == "5m")
        #expect(thresholds["success_rate"]?["degraded"] as? Int == 90)
        #expect(thresholds["success_rate"]?["results"] as? Int == 3)
        #expect(thresholds["success_rate"]?["judged"] as? Bool == false)
        #expect(thresholds["latency_p95"]?["degraded_ms"] as? Int == 250)
        #expect(thresholds["latency_p95"]?["judged"] as? Bool == false)
        #expect(thresholds["latency"]?["window"] == nil && thresholds["latency"]?["judged"] == nil, "a per-result threshold has no window")
        #expect((c["observations"] as? [String: Any])?["success_rate"] == nil)
        let before = try Self.component(DetailedReport.json(Self.store(results: 0).snapshot()).body)
        let none = try #require((before["thresholds"] as? [String: [String: Any]])?["success_rate"])
        #expect(none["judged"] as? Bool == false && none["results"] == nil, "no result yet: nothing counted")
    }

    /// Another replica's component (shared storage): its owner's reading is among the
    /// observations it wrote; how many results it held is not known here.
    @Test func anotherReplicasComponentShowsItsOwnersJudgement() throws {
        let own = Self.store(results: 6).snapshot().components[0]
        var peer = ComponentSnapshot(spec: own.spec, status: .degraded, since: own.since, lastCheck: own.lastCheck)
        peer.lastResult = ProbeResult(success: true, latency: .milliseconds(40), message: "status 200", observations: [Observation("success_rate", 80)])
        var w = JSONWriter()
        w.object { DetailedReport.component(peer, into: &$0) }
        let thresholds = try #require((try JSONSerialization.jsonObject(with: Data(w.out.utf8)) as? [String: Any])?["thresholds"] as? [String: [String: Any]])
        #expect(thresholds["success_rate"]?["judged"] as? Bool == true)
        #expect(thresholds["success_rate"]?["results"] == nil)
        #expect(thresholds["latency_p95"]?["judged"] as? Bool == false)
    }

    @Test func judgedReadingsAreObservationsThresholdsAndMetrics() throws {
        let store = Self.store(results: 6)
        let snapshot = store.snapshot()
        let c = try Self.component(DetailedReport.json(snapshot).body)
        #expect(c["status"] as? String == "degraded")
        #expect(c["message"] as? String == "status 200; success_rate 83.3% below degraded 90% over 5m")
        let observations = try #require(c["observations"] as? [String: Any])
        #expect(abs((observations["success_rate"] as? Double ?? 0) - 500.0 / 6) < 1e-9)
        #expect(observations["latency_p95"] as? Double == 0.045, "the 5th of five successes: 40..43 ms and 45 ms")
        let thresholds = try #require(c["thresholds"] as? [String: [String: Any]])
        #expect(thresholds["success_rate"]?["results"] as? Int == 6)
        #expect(thresholds["success_rate"]?["judged"] as? Bool == true)
        #expect(thresholds["latency_p95"]?["results"] as? Int == 5)
        #expect(thresholds["latency_p95"]?["judged"] as? Bool == true)

        let ietf = DetailedReport.healthJSON(snapshot).body
        let checks = try #require((try JSONSerialization.jsonObject(with: Data(ietf.utf8)) as? [String: Any])?["checks"] as? [String: [[String: Any]]])
        #expect(checks["api:success_rate"]?.first?["observedUnit"] as? String == "percent")
        #expect(checks["api:latency_p95"]?.first?["observedValue"] as? Double == 0.045)
        #expect(checks["api:success_rate"]?.first?["status"] as? String == "warn")

        let metrics = MetricsRenderer.render(snapshot, lag: Histogram(buckets: Histogram.lagBuckets))
        #expect(metrics.contains(#"vitals_probe_observation{component="api",type="http",name="success_rate"} 83.3333"#))
        #expect(metrics.contains(#"vitals_probe_observation{component="api",type="http",name="latency_p95"} 0.045"#))
    }
}
