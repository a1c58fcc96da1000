import VitalsConfig

/// The verdict on one result, before hysteresis: a failed probe is unhealthy; a successful one
/// is as bad as the worst threshold it crosses, and at least as bad as the target reported.
public struct Judgement: Sendable, Equatable {
    public var status: HealthStatus
    /// Why it is not healthy, e.g. `latency 350ms above degraded 300ms`; nil when healthy.
    public var reason: String?

    public init(status: HealthStatus, reason: String? = nil) {
        self.status = status
        self.reason = reason
    }

    /// The message a person is shown for `result` under this verdict: the probe's own message,
    /// plus the threshold it crossed when that is why a successful probe is not healthy
    /// (`status 200; cert_expiry 5d below degraded 14d`). The daemon and `vitals check` both
    /// show this, so they never disagree on why.
    public func message(for result: ProbeResult) -> String {
        guard let reason, result.success, status != .healthy, !result.message.contains(reason) else { return result.message }
        return result.message.isEmpty ? reason : "\(result.message); \(reason)"
    }
}

public enum Judge {
    public static func judge(_ result: ProbeResult, thresholds: Thresholds) -> Judgement {
        guard result.success else { return Judgement(status: .unhealthy, reason: result.message) }
        var verdict = Judgement(status: .healthy)
        if let reported = result.reportedStatus, reported != .healthy, reported != .unknown {
            verdict = Judgement(status: reported, reason: result.message)
        }
        for name in thresholds.byName.keys.sorted() {
            guard let threshold = thresholds.byName[name], let reading = reading(name, threshold, of: result),
                reading.status.severity > verdict.status.severity
            else { continue }
            verdict = reading
        }
        return verdict
    }

    /// Where one threshold of `result` stands: `healthy` short of both levels, else the level it
    /// crosses with the reason (`latency_p95 350ms above degraded 300ms over 5m`); nil when the
    /// result has no value for it. Judging a result and a threshold alert rule both read it here.
    public static func reading(_ name: String, _ threshold: Threshold, of result: ProbeResult) -> Judgement? {
        guard let value = result.number(name) else { return nil }
        guard let (status, level) = crossed(value, threshold) else { return Judgement(status: .healthy) }
        let word = threshold.direction == .higherIsWorse ? "above" : "below"
        let over = threshold.window.map { " over \(DurationFormat.short($0))" } ?? ""
        return Judgement(
            status: status, reason: "\(name) \(format(value, threshold.unit)) \(word) \(status.rawValue) \(format(level, threshold.unit))\(over)")
    }

    /// Where `value` stands against one threshold: `healthy` short of both levels, else the worse
    /// level it reaches. Badges colour a latency by the same rule as results are judged by.
    public static func status(of value: Double, against threshold: Threshold) -> HealthStatus {
        crossed(value, threshold)?.status ?? .healthy
    }

    /// The worse level `value` reaches, with that level's value; nil when it reaches none.
    static func crossed(_ value: Double, _ threshold: Threshold) -> (status: HealthStatus, level: Double)? {
        for (level, status) in [(threshold.unhealthy, HealthStatus.unhealthy), (threshold.degraded, .degraded)] {
            if let level, crosses(value, level, threshold.direction) { return (status, level) }
        }
        return nil
    }

    /// A value exactly at a level counts as crossing it.
    static func crosses(_ value: Double, _ level: Double, _ direction: Threshold.Direction) -> Bool {
        direction == .higherIsWorse ? value >= level : value <= level
    }

    static func format(_ value: Double, _ unit: Threshold.Unit) -> String {
        switch unit {
        case .seconds:
            if value >= 86_400 { return trim(value / 86_400) + "d" }
            if value >= 1 { return trim(value) + "s" }
            return trim(value * 1000) + "ms"
        case .percent: return trim(value) + "%"
        case .count: return trim(value)
        }
    }

    private static func trim(_ v: Double) -> String {
        let rounded = (v * 10).rounded() / 10
        return rounded == rounded.rounded() ? String(Int64(rounded)) : String(rounded)
    }
}
