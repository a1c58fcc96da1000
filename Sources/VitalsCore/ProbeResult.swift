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

extension Duration {
    /// Seconds as a floating-point number.
    public var seconds: Double {
        let (s, atto) = components
        return Double(s) + Double(atto) / 1e18
    }
}

/// Formats durations the way the config writes them: `2s`, `250ms`, `5m`, `1h30m`.
public enum DurationFormat {
    public static func short(_ d: Duration) -> String {
        let ms = Int64((d.seconds * 1000).rounded())
        if ms == 0 { return "0s" }
        if ms % 1000 != 0 {
            if ms < 1000 { return "\(ms)ms" }
            // 1.5s, 2.25s: drop trailing zeros of the millisecond part.
            var frac = String(ms % 1000)
            frac = String(repeating: "0", count: 3 - frac.count) + frac
            while frac.hasSuffix("0") { frac.removeLast() }
            return "\(ms / 1000).\(frac)s"
        }
        var s = ms / 1000
        var out = ""
        for (unit, size) in [("d", Int64(86_400)), ("h", 3600), ("m", 60)] where s >= size && (s % size == 0 || unit != "d") {
            out += "\(s / size)\(unit)"
            s %= size
        }
        if s > 0 || out.isEmpty { out += "\(s)s" }
        return out
    }
}
