import Testing
import VitalsCore
@testable import VitalsServer

/// `MetricsRenderer.renderPush`, what `vitals check --push-gateway` sends: the names of
/// `/metrics`, only gauges (a replaced group restarts every counter at one run).
struct PushMetricsTests {
    @Test func oneRunIsGaugesUnderTheScrapeNames() {
        let (snapshot, _) = FakeHealthSource.sample()
        let text = MetricsRenderer.renderPush(snapshot.components, service: .degraded)
        #expect(text.contains("# TYPE vitals_probe_duration_seconds gauge\n"))
        #expect(text.contains("vitals_probe_duration_seconds{component=\"payments-api\",type=\"http\"} 0.35\n"))
        #expect(text.contains("vitals_probe_success{component=\"orders-db\",type=\"postgres\"} 1\n"))
        #expect(text.contains("vitals_component_status{component=\"payments-api\",type=\"http\",status=\"degraded\"} 1\n"))
        #expect(text.contains("vitals_service_status{status=\"degraded\"} 1\n"))
        #expect(text.contains("vitals_http_status_code{component=\"payments-api\",type=\"http\"} 200\n"))
        #expect(text.contains("vitals_probe_phase_duration_seconds{component=\"payments-api\",type=\"http\",phase=\"dns\"} 0.001\n"))
        for absent in ["counter", "histogram", "_bucket", "vitals_probes_total", "vitals_scheduler_lag", "process_", "vitals_startup_complete"] {
            #expect(!text.contains(absent), "\(absent) in a push")
        }
        // The daemon's scrape keeps its histogram and counters.
        let scrape = MetricsRenderer.render(snapshot, lag: Histogram(buckets: Histogram.lagBuckets))
        #expect(scrape.contains("# TYPE vitals_probe_duration_seconds histogram\n"))
        #expect(scrape.contains("vitals_probes_total{"))
    }

    @Test func withoutTheWholeServiceThereIsNoServiceStatus() {
        let (snapshot, _) = FakeHealthSource.sample()
        let text = MetricsRenderer.renderPush(Array(snapshot.components.prefix(1)), service: nil)
        #expect(!text.contains("vitals_service_status"))
        #expect(text.contains("vitals_build_info{"))
        #expect(!text.contains("payments-api"))
    }
}
