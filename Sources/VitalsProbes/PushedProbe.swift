import VitalsConfig
import VitalsCore

/// What stands for a `push` component where a probe is asked for: there is nothing to probe,
/// the results come from outside (`PushWatch`). The scheduler never runs it (the daemon leaves
/// push components out of it) and `vitals check` leaves them out too; were it run all the same,
/// it would say so rather than report a made-up health.
public struct PushedProbe: Probe {
    public init() {}
    public static let message = "push component: its results come from pushes to /api/v1/push, it is never probed"
    public func run(deadline: ContinuousClock.Instant) async -> ProbeResult {
        ProbeResult(success: true, latency: .zero, message: Self.message, reportedStatus: .unknown)
    }
    public var returnsByDeadline: Bool { true }
}
