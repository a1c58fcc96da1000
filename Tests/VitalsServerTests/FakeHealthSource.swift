import Foundation
import Synchronization
import VitalsConfig
import VitalsCore
@testable import VitalsServer

/// A fixed health state for renderer and routing tests (the real store is tested in core).
final class FakeHealthSource: HealthSource {
    let state: Mutex<(HealthSnapshot, ReadinessView, LivenessView)>
    var generation: UInt64 { state.withLock { $0.0.generation } }

    init(snapshot: HealthSnapshot, readiness: ReadinessView, liveness: LivenessView = LivenessView(live: true, checks: [])) {
        state = Mutex((snapshot, readiness, liveness))
    }

    func snapshot() -> HealthSnapshot { state.withLock { $0.0 } }
    func readiness(group: String?, excluding: Set<String>) -> ReadinessView? {
        if let group, group != "core" { return nil }
        var view = state.withLock { $0.1 }
        view.checks.removeAll { excluding.contains($0.name) }
        view.ready = view.startupComplete && !view.draining && view.checks.allSatisfy(\.ok)
        return view
    }
    func liveness() -> LivenessView { state.withLock { $0.2 } }
    func schedulerLag() -> Histogram {
        var h = Histogram(buckets: Histogram.lagBuckets)
        h.observe(0.002)
        return h
    }

    func set(_ snapshot: HealthSnapshot, _ readiness: ReadinessView) {
        state.withLock { $0.0 = snapshot; $0.1 = readiness }
    }

    static let t0 = Date(timeIntervalSince1970: 1_795_000_000)

    static func sample(generation: UInt64 = 1) -> (HealthSnapshot, ReadinessView) {
        var db = ComponentSpec(
            name: "orders-db", groups: ["core"], probe: .postgres(PostgresSettings(dsn: Secret("postgres://app:hunter2@db/orders"))))
        db.thresholds["latency"] = Threshold(degraded: 0.1, unhealthy: 1, unit: .seconds)
        var dbCounters = ComponentCounters()
        dbCounters.successes = 10
        dbCounters.duration.observe(0.0031)
        let dbResult = ProbeResult(
            success: true, latency: .microseconds(3100), message: "PostgreSQL 15.18 primary, query ok",
            observations: [Observation("server_version", text: "15.18")])
        let api = ComponentSpec(name: "payments-api", critical: false, probe: .http(HTTPSettings(url: "https://payments/healthz")))
        let apiResult = ProbeResult(
            success: true, latency: .milliseconds(350), message: "status 200, latency 350ms above degraded 300ms",
            observations: [Observation("status_code", 200), Observation("cert_expiry_timestamp", 1_800_000_000, unit: "seconds")],
            phases: [Phase("dns", seconds: 0.001), Phase("connect", seconds: 0.002)])
        var counts = StatusCounts()
        counts.healthy = 1
        counts.degraded = 1
        let snapshot = HealthSnapshot(
            components: [
                ComponentSnapshot(
                    spec: db, status: .healthy, since: t0, lastCheck: t0.addingTimeInterval(5), lastResult: dbResult,
                    lastJudgement: .healthy, lastSuccess: t0.addingTimeInterval(5),
                    history: [HistoryEntry(at: t0.addingTimeInterval(5), judgement: .healthy, latency: .microseconds(3100), message: "ok")],
                    uptime: [("1h", 1.0), ("24h", 0.99931)], counters: dbCounters),
                ComponentSnapshot(
                    spec: api, status: .degraded, since: t0, lastCheck: t0.addingTimeInterval(6), lastResult: apiResult,
                    lastJudgement: .degraded),
            ],
            status: .degraded, startupComplete: true, draining: false, counts: counts, startedAt: t0,
            generatedAt: t0.addingTimeInterval(10), generation: generation)
        let readiness = ReadinessView(
            ready: true, status: .degraded, startupComplete: true, draining: false,
            checks: [CheckLine(name: "orders-db", ok: true, detail: "ok"), CheckLine(name: "payments-api", ok: true, detail: "degraded")])
        return (snapshot, readiness)
    }
}
