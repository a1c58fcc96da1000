import VitalsConfig

/// What one probe run found: success or failure, how long it took, why, and what it measured.
public struct ProbeResult: Sendable, Equatable {
    public var success: Bool
    /// Wall time of the probe as the probe measured it (for HTTP, libcurl's total time).
    public var latency: Duration
    /// One line; never contains a secret.
    public var message: String
    /// Measurements, in a stable order (status code, bytes, used percent, server version...).
    /// Numeric observations whose name matches a threshold are judged against it.
    public var observations: [Observation]
    /// Phase timings (HTTP: `dns`, `connect`, `tls`, `ttfb`, `transfer`), in seconds.
    public var phases: [Phase]
    /// A status the target reported about itself (a Nagios plugin's exit 1 means degraded);
    /// the judgement is at least this bad.
    public var reportedStatus: HealthStatus?
    /// How each of the component's conditions came out on this result (empty when it has
    /// none, or when the probe failed before there was anything to judge).
    public var conditions: [ConditionCheck] = []

    public init(
        success: Bool, latency: Duration, message: String, observations: [Observation] = [],
        phases: [Phase] = [], reportedStatus: HealthStatus? = nil
    ) {
        self.success = success
        self.latency = latency
        self.message = message
        self.observations = observations
        self.phases = phases
        self.reportedStatus = reportedStatus
    }

    public static func failure(_ message: String, latency: Duration = .zero, observations: [Observation] = []) -> ProbeResult {
        ProbeResult(success: false, latency: latency, message: message, observations: observations)
    }

    /// The result recorded when a probe exceeds its component's timeout: `timeout after 2s`.
    public static func timeout(after timeout: Duration) -> ProbeResult {
        ProbeResult(success: false, latency: timeout, message: "timeout after \(DurationFormat.short(timeout))")
    }

    /// The result of a run not started because an earlier one (its task, or the blocking job it
    /// left behind) started at `startedAt` and has not ended: `previous run still hung 40s
    /// after it started`. The scheduler also counts such a run as skipped.
    public static func stillHung(startedAt: ContinuousClock.Instant, latency: Duration = .zero) -> ProbeResult {
        .failure("previous run still hung \(DurationFormat.short(startedAt.duration(to: .now))) after it started", latency: latency)
    }

    /// Records the conditions' outcomes; any failure fails the result and is named in its
    /// message (after the probe's own failure, when it had one).
    public mutating func apply(_ outcomes: [ConditionOutcome]) {
        conditions = outcomes.checks
        guard let failed = outcomes.failureMessage else { return }
        message = success ? failed : message + "; " + failed
        success = false
    }

    public func observation(_ name: String) -> Observation.Value? {
        observations.first { $0.name == name }?.value
    }

    /// A numeric observation by name, or the latency in seconds for `latency`.
    public func number(_ name: String) -> Double? {
        if name == "latency" { return latency.seconds }
        if case .number(let v)? = observation(name) { return v }
        return nil
    }
}

public struct Observation: Sendable, Equatable {
    public enum Value: Sendable, Equatable {
        case number(Double)
        case text(String)
    }
    public var name: String
    public var value: Value
    /// `seconds`, `bytes`, `percent`, `count`, ... or nil.
    public var unit: String?

    public init(_ name: String, _ value: Double, unit: String? = nil) {
        self.name = name
        self.value = .number(value)
        self.unit = unit
    }

    public init(_ name: String, text: String) {
        self.name = name
        self.value = .text(text)
        self.unit = nil
    }
}

public struct Phase: Sendable, Equatable {
    public var name: String
    public var seconds: Double
    public init(_ name: String, seconds: Double) {
        self.name = name
        self.seconds = seconds
    }
}

