import Foundation
import Yams

/// `thresholds:` — measurement name to `{degraded, unhealthy}` levels.
///
/// Known measurements have a fixed unit and direction (`Threshold.known`); exec also accepts
/// any perfdata label, whose unit follows its values (a duration or a number) and whose
/// direction follows the order of its two levels. The windowed ones (`success_rate`,
/// `latency_p95`...) are open to every type and take a `window`, which must hold enough
/// results at the component's `interval` to be judged (`WindowedThresholds`).
extension ConfigParser {
    func parseThresholds(_ node: Node, type kind: ProbeType, interval: Duration, path: String, file: String) -> Thresholds {
        let type = kind.rawValue
        var out = Thresholds()
        if node.isNull { return out }
        guard let mapping = node.mapping else {
            reader.error(node, in: file, path, "expected a mapping of measurements to levels, got \(node.kindDescription)")
            return out
        }
        let allowed = kind.thresholds.union(WindowedThresholds.names)
        for (k, v) in mapping {
            guard let name = k.scalar?.string else {
                reader.error(k, in: file, path, "measurement names must be strings")
                continue
            }
            let p = "\(path).\(name)"
            if !allowed.contains(name) && !kind.acceptsAnyMeasurement {
                let own = kind.thresholds.sorted().joined(separator: ", ")
                let overWindow = WindowedThresholds.ordered.joined(separator: ", ")
                var message = "\(type) has no measurement \(name) (it has \(own), and over a window \(overWindow))"
                if let near = KeySuggestion.nearest(to: name, in: allowed) { message = "unknown measurement (did you mean \(near)?)" }
                reader.error(k, in: file, p, message)
                continue
            }
            if let t = parseThreshold(name, v, interval: interval, path: p, file: file) { out[name] = t }
        }
        return out
    }

    private func parseThreshold(_ name: String, _ node: Node, interval: Duration, path: String, file: String) -> Threshold? {
        let windowed = WindowedThresholds.names.contains(name)
        guard
            let f = Fields(
                node, reader: reader, file: file, path: path, allowed: ["degraded", "unhealthy"] + (windowed ? ["window"] : []),
                hint: { key in
                    key == "window" && !windowed
                        ? "\(name) is judged on each result; over a window: success_rate, latency_p50, latency_p95 or latency_p99" : nil
                })
        else { return nil }
        if !f.has("degraded") && !f.has("unhealthy") {
            reader.error(node, in: file, path, "set degraded, unhealthy or both")
            return nil
        }
        var window: Duration?
        if windowed {
            guard f.has("window") else {
                reader.error(node, in: file, path, "missing required key window (the span of recent results \(name) is judged over, e.g. window: 5m)")
                return nil
            }
            guard let w = f.duration("window") else { return nil }
            if let problem = WindowedThresholds.problem(window: w, interval: interval) {
                f.error("window", problem)
                return nil
            }
            window = w
        }
        let known = Threshold.known[name]
        // A perfdata label takes its unit from its first level: `5s` is seconds, `5` a count.
        var unit = known?.unit
        func level(_ key: String) -> Double? {
            guard let text = f.string(key) else { return nil }
            let u = unit ?? (Double(text) == nil ? .seconds : .count)
            unit = u
            switch u {
            case .seconds:
                guard let d = Units.duration(text) else {
                    f.error(key, "expected a duration with a unit such as 100ms, 2s or 14d" + f.got(key, text))
                    return nil
                }
                return d.seconds
            case .percent:
                guard let n = Double(text), (0...100).contains(n) else {
                    f.error(key, "expected a percentage from 0 to 100" + f.got(key, text))
                    return nil
                }
                return n
            case .count:
                guard let n = Double(text), n.isFinite else {
                    f.error(key, "expected a number" + f.got(key, text))
                    return nil
                }
                if known != nil && n < 0 {
                    f.error(key, "must not be negative")
                    return nil
                }
                return n
            }
        }
        let degraded = level("degraded")
        let unhealthy = level("unhealthy")
        guard degraded != nil || unhealthy != nil else { return nil }
        var direction = known?.direction ?? .higherIsWorse
        if known == nil, let d = degraded, let u = unhealthy, d > u { direction = .lowerIsWorse }
        if let d = degraded, let u = unhealthy {
            let inOrder = direction == .higherIsWorse ? d < u : d > u
            if !inOrder {
                let side = direction == .higherIsWorse ? "below" : "above"
                let worse = direction == .higherIsWorse ? "higher" : "lower"
                f.error("degraded", "degraded must be \(side) unhealthy (for \(name), \(worse) is worse)")
                return nil
            }
        }
        return Threshold(degraded: degraded, unhealthy: unhealthy, direction: direction, unit: unit ?? .count, window: window)
    }
}
