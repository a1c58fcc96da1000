import Foundation
import VitalsConfig
import VitalsCore

/// What each badge says. Labels name what is measured (`uptime 30d`, `latency 24h`; the status
/// badge is labelled with the component's name, so a README row of them reads on its own);
/// messages are figures or a status word, never a probe message: badges may be public.
extension Badge {
    static func status(_ c: ComponentSnapshot) -> Badge {
        Badge(label: c.name, message: c.status.rawValue, color: BadgeColors.status(c.status))
    }

    static func uptime(window: String, _ ratio: Double?) -> Badge {
        Badge(label: "uptime " + window, message: ratio.map(percent) ?? "unknown", color: BadgeColors.uptime(ratio))
    }

    static func latency(window: String, seconds: Double?, threshold: Threshold?) -> Badge {
        Badge(
            label: "latency " + window, message: seconds.map(duration) ?? "unknown", color: BadgeColors.latency(seconds, threshold: threshold))
    }

    /// Down to a hundredth of a percent, trailing zeros dropped: `99.95%`, `100%`, `87.5%`. Never
    /// rounded up, so 99.999% reads `99.99%`: `100%` only when nothing at all was down.
    static func percent(_ ratio: Double) -> String {
        let hundredths = Int((max(0, min(1, ratio)) * 10_000 + 1e-7).rounded(.down))
        let whole = hundredths / 100
        let fraction = hundredths % 100
        if fraction == 0 { return "\(whole)%" }
        if fraction % 10 == 0 { return "\(whole).\(fraction / 10)%" }
        return "\(whole).\(fraction < 10 ? "0" : "")\(fraction)%"
    }

    /// `3.1ms` under 10 ms, `123ms` under a second, `1.2s` beyond.
    static func duration(_ seconds: Double) -> String {
        let ms = max(0, seconds) * 1000
        if ms < 10 { return oneDecimal(ms) + "ms" }
        if ms < 999.5 { return "\(Int(ms.rounded()))ms" }
        return oneDecimal(seconds) + "s"
    }

    private static func oneDecimal(_ v: Double) -> String {
        let tenths = Int((v * 10).rounded())
        return tenths % 10 == 0 ? "\(tenths / 10)" : "\(tenths / 10).\(tenths % 10)"
    }

    /// The average latency over a window: from the storage's roll-ups when it has any (every
    /// result of the window, failures included, as `/api/v1/.../uptime` counts them), else from
    /// the results kept in memory since `since`; nil when there is no result.
    static func averageLatency(_ buckets: [Rollup], history: [HistoryEntry], since: Date) -> Double? {
        let results = buckets.reduce(0) { $0 + $1.results }
        if results > 0 { return buckets.reduce(0) { $0 + $1.latencySum } / Double(results) }
        let recent = history.filter { $0.at >= since }
        guard !recent.isEmpty else { return nil }
        return recent.reduce(0) { $0 + $1.latency.seconds } / Double(recent.count)
    }
}
