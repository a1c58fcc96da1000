import VitalsCore

/// What the server reads. The health store implements it; the server never probes.
///
/// Every call must be cheap and must never wait on a probe: endpoints answer from the latest
/// published state, so a kubelet or a load balancer polling hard never adds load downstream.
public protocol HealthSource: Sendable {
    /// Increases whenever what the probe endpoints answer from changes: a status, the start of
    /// draining, a reload. Not on every result, so the server can cache `/health/ready` and
    /// the like per generation; the detailed views build from `snapshot()`.
    var generation: UInt64 { get }
    /// The full state (built lazily by the store, cached until the next change).
    func snapshot() -> HealthSnapshot
    /// Readiness over all components, or over one group's members; `nil` for an unknown group.
    func readiness(group: String?, excluding: Set<String>) -> ReadinessView?
    /// Whether the scheduler is making progress.
    func liveness() -> LivenessView
    /// How late probes start (`vitals_scheduler_lag_seconds`).
    func schedulerLag() -> Histogram
}

