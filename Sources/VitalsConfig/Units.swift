import Foundation

/// The config's duration and size syntax.
public enum Units {
    /// `250ms`, `2s`, `5m`, `1h`, `7d`, compounds like `1h30m`; the literal `0` is zero.
    /// A bare number is not a duration: `timeout: 5` is ambiguous (seconds? milliseconds?).
    /// Nil too for anything past Duration's range of a few hundred years.
    public static func duration(_ text: String) -> Duration? {
        let s = text.trimmingCharacters(in: .whitespaces)
        if s == "0" { return .zero }
        var total = 0.0
        var rest = Substring(s)
        guard !rest.isEmpty else { return nil }
        while !rest.isEmpty {
            let number = rest.prefix { $0.isASCII && ($0.isNumber || $0 == ".") }
            guard !number.isEmpty, let value = Double(number) else { return nil }
            rest = rest.dropFirst(number.count)
            let unit = rest.prefix { $0.isLetter }
            rest = rest.dropFirst(unit.count)
            let scale: Double
            switch unit {
            case "ms": scale = 0.001
            case "s": scale = 1
            case "m": scale = 60
            case "h": scale = 3600
            case "d": scale = 86_400
            default: return nil
            }
            total += value * scale
        }
        let nanoseconds = (total * 1e9).rounded()
        guard nanoseconds.isFinite, nanoseconds < 9.2e18 else { return nil }
        return .nanoseconds(Int64(nanoseconds))
    }

    /// `512MiB`, `10GB`, `1KiB`, or a plain number of bytes. Nil past `Int.max`.
    public static func size(_ text: String) -> Int? {
        let s = text.trimmingCharacters(in: .whitespaces)
        let number = s.prefix { $0.isASCII && ($0.isNumber || $0 == ".") }
        guard !number.isEmpty, let value = Double(number) else { return nil }
        let unit = s.dropFirst(number.count).trimmingCharacters(in: .whitespaces)
        let scales: [String: Double] = [
            "": 1, "B": 1, "KB": 1e3, "MB": 1e6, "GB": 1e9, "TB": 1e12,
            "KiB": 1024, "MiB": 1_048_576, "GiB": 1_073_741_824, "TiB": 1_099_511_627_776,
        ]
        guard let scale = scales[unit] else { return nil }
        let bytes = (value * scale).rounded()
        guard bytes.isFinite, bytes < 9.2e18 else { return nil }
        return Int(bytes)
    }
}
