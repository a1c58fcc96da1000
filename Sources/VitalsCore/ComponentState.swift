/// Hysteresis over a component's judgements, as a plain value: what its status is after each
/// judgement, so that one slow answer does not page anybody and one good answer does not hide
/// a failing dependency.
///
/// - Before the first result the status is `unknown`; the first judgement applies at once
///   (there is no evidence of health to hold on to).
/// - From healthy or degraded, it turns `unhealthy` only after `failureThreshold` consecutive
///   unhealthy judgements; meanwhile it keeps its status and counts the failures.
/// - From unhealthy, it turns back only after `successThreshold` consecutive better judgements.
/// - Between healthy and degraded it moves at once.
public struct ComponentState: Sendable, Equatable {
    public private(set) var status: HealthStatus = .unknown
    public private(set) var consecutiveFailures = 0
    public private(set) var consecutiveSuccesses = 0
    public let failureThreshold: Int
    public let successThreshold: Int

    public init(failureThreshold: Int, successThreshold: Int) {
        self.failureThreshold = max(1, failureThreshold)
        self.successThreshold = max(1, successThreshold)
    }

    /// Applies one judgement; returns the old status when the status changed.
    public mutating func apply(_ judgement: HealthStatus) -> HealthStatus? {
        let before = status
        switch judgement {
        case .unhealthy, .unknown:
            consecutiveFailures += 1
            consecutiveSuccesses = 0
            if status == .unknown || (status != .unhealthy && consecutiveFailures >= failureThreshold) {
                status = .unhealthy
            }
        case .healthy, .degraded:
            consecutiveSuccesses += 1
            consecutiveFailures = 0
            if status != .unhealthy || consecutiveSuccesses >= successThreshold {
                status = judgement
            }
        }
        return status == before ? nil : before
    }

    /// The state that `judgements` (oldest first) leave, taken up after a restart. It ends in
    /// `status` when that is known (the last stored transition's): the stored history may be
    /// too short to replay the streak that led to it.
    public static func replaying(
        _ judgements: [HealthStatus], endingIn status: HealthStatus?, failureThreshold: Int, successThreshold: Int
    ) -> ComponentState {
        var state = ComponentState(failureThreshold: failureThreshold, successThreshold: successThreshold)
        for j in judgements { _ = state.apply(j) }
        if let status { state.status = status }
        return state
    }
}
