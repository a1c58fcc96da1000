import VitalsCore

/// What the server reads. The health store implements it; the server never probes.
///
/// Every call must be cheap and must never wait on a probe: endpoints answer from the latest
/// published state, so a kubelet or a load balancer polling hard never adds load downstream.
public protocol HealthSource: Sendable {
    /// Increases whenever anything a response depends on changes (results, drain, reload).
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

