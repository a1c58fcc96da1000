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
