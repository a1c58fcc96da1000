import VitalsConfig
import VitalsCore

/// Badge colours, in Gatus' six steps from green to red (what its users already read at a
/// glance), plus shields.io's grey for "nothing known". docs/status-page.md's table is this file.
enum BadgeColors {
    static let awesome = "#40cc11"
    static let great = "#94cc11"
    static let good = "#ccd311"
    static let passable = "#ccb311"
    static let bad = "#cc8111"
    static let veryBad = "#c7130a"
    static let unknown = "#9f9f9f"
    /// The label box.
    static let label = "#555"

    static func status(_ s: HealthStatus) -> String {
        switch s {
        case .healthy: awesome
        case .degraded: passable
        case .unhealthy: veryBad
        case .unknown: unknown
        }
    }

    /// The lowest uptime (a ratio) of each colour, best first: Gatus' steps.
    static let uptimeSteps: [(atLeast: Double, color: String)] = [
        (0.975, awesome), (0.95, great), (0.90, good), (0.80, passable), (0.65, bad),
    ]

    static func uptime(_ ratio: Double?) -> String {
        guard let ratio else { return unknown }
        return uptimeSteps.first { ratio >= $0.atLeast }?.color ?? veryBad
    }

    /// The highest average latency (seconds) of each colour, best first, for a component without
    /// a latency threshold: Gatus' default steps (50, 200, 300, 500, 750 ms).
    static let latencySteps: [(atMost: Double, color: String)] = [
        (0.050, awesome), (0.200, great), (0.300, good), (0.500, passable), (0.750, bad),
    ]

    /// With the component's own latency threshold, the colour of the status that latency would
    /// be judged: a badge never calls green what the component's thresholds call degraded.
    static func latency(_ seconds: Double?, threshold: Threshold?) -> String {
        guard let seconds else { return unknown }
        if let threshold, threshold.degraded != nil || threshold.unhealthy != nil {
            return status(Judge.status(of: seconds, against: threshold))
        }
        return latencySteps.first { seconds <= $0.atMost }?.color ?? veryBad
    }

    /// shields.io's rule: dark text on a bright background (perceived brightness above 0.69),
    /// white text with a dark shadow otherwise.
    static func textColors(on background: String) -> (text: String, shadow: String) {
        brightness(background) > 0.69 ? ("#333", "#ccc") : ("#fff", "#010101")
    }

    /// YIQ brightness of `#rgb` or `#rrggbb`, 0 to 1 (0 for anything else).
    static func brightness(_ hex: String) -> Double {
        var digits = Array(hex.utf8.dropFirst(hex.hasPrefix("#") ? 1 : 0))
        if digits.count == 3 { digits = digits.flatMap { [$0, $0] } }
        guard digits.count == 6, let v = Int(String(decoding: digits, as: UTF8.self), radix: 16) else { return 0 }
        let (r, g, b) = (Double(v >> 16), Double((v >> 8) & 0xff), Double(v & 0xff))
        return (r * 299 + g * 587 + b * 114) / 255_000
    }
}
