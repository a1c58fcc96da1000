import VitalsCore
import VitalsIO

/// Nagios plugin output: the first line is the message; performance data follows a `|` on the
/// first line and on later lines (the long-output form), as `label=value[UOM];warn;crit;min;max`.
///
/// A label given twice (`x=1 x=2`, or on the first line and again in the long output) counts
/// once: the first value wins, here and nowhere else, so thresholds, `/health/detailed`,
/// `/metrics` and storage all see the same single `x`.
public enum Perfdata {
    public struct Parsed: Sendable, Equatable {
        public var message: String
        public var observations: [Observation]
    }

    public static func parse(_ output: String) -> Parsed {
        let lines = output.split(separator: "\n", omittingEmptySubsequences: false)
        var message = ""
        var perf: [Substring] = []
        var inPerfSection = false
        for (i, line) in lines.enumerated() {
            if i == 0 {
                let parts = line.split(separator: "|", maxSplits: 1, omittingEmptySubsequences: false)
                message = parts[0].trimmingSpaces()
                if parts.count > 1 { perf.append(parts[1]) }
            } else if inPerfSection {
                perf.append(line)
            } else if let bar = line.firstIndex(of: "|") {
                inPerfSection = true
                perf.append(line[line.index(after: bar)...])
            }
        }
        var seen = Set<String>()
        return Parsed(message: message, observations: perf.flatMap(items).filter { seen.insert($0.name).inserted })
    }

    /// Splits `a=1 'b c'=2s` into items, honouring single-quoted labels.
    static func items(_ text: Substring) -> [Observation] {
        var out: [Observation] = []
        var rest = text[...]
        while true {
            rest = rest.drop { $0 == " " || $0 == "\t" || $0 == "\r" }
            guard !rest.isEmpty else { break }
            var label: Substring
            if rest.first == "'" {
                let body = rest.dropFirst()
                guard let close = body.firstIndex(of: "'") else { break }
                label = body[..<close]
                rest = body[body.index(after: close)...]
                guard rest.first == "=" else { break }
                rest = rest.dropFirst()
            } else {
                guard let eq = rest.firstIndex(of: "=") else { break }
                label = rest[..<eq]
                rest = rest[rest.index(after: eq)...]
            }
            let value = rest.prefix { $0 != " " && $0 != "\t" }
            rest = rest.dropFirst(value.count)
            if let o = observation(label: String(label), value: value.split(separator: ";", omittingEmptySubsequences: false).first ?? "") {
                out.append(o)
            }
        }
        return out
    }

    /// `12.5ms` becomes 0.0125 seconds, `3KB` 3072 bytes; `U` (unknown) is left out.
    static func observation(label: String, value: Substring) -> Observation? {
        let number = value.prefix { $0.isNumber || $0 == "." || $0 == "-" || $0 == "+" || $0 == "e" || $0 == "E" }
        guard !label.isEmpty, let v = Double(number) else { return nil }
        let uom = String(value.dropFirst(number.count))
        switch uom {
        case "": return Observation(label, v)
        case "s": return Observation(label, v, unit: "seconds")
        case "ms": return Observation(label, v / 1000, unit: "seconds")
        case "us": return Observation(label, v / 1_000_000, unit: "seconds")
        case "%": return Observation(label, v, unit: "percent")
        case "B": return Observation(label, v, unit: "bytes")
        case "KB": return Observation(label, v * 1024, unit: "bytes")
        case "MB": return Observation(label, v * 1_048_576, unit: "bytes")
        case "GB": return Observation(label, v * 1_073_741_824, unit: "bytes")
        case "TB": return Observation(label, v * 1_099_511_627_776, unit: "bytes")
        case "c": return Observation(label, v, unit: "count")
        default: return Observation(label, v, unit: uom)
        }
    }
}

extension Substring {
    func trimmingSpaces() -> String {
        var s = self
        while let f = s.first, f.isWhitespace { s.removeFirst() }
        while let l = s.last, l.isWhitespace { s.removeLast() }
        return String(s)
    }
}
