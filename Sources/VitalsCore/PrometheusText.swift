/// Builds Prometheus text exposition format 0.0.4: each family once, `# HELP` and `# TYPE`
/// first, then its samples; label values escaped.
public struct PrometheusText {
    public private(set) var out = ""

    public init() { out.reserveCapacity(16 * 1024) }

    public mutating func family(_ name: String, _ type: String, _ help: String) {
        out += "# HELP \(name) \(help)\n# TYPE \(name) \(type)\n"
    }

    public mutating func sample(_ name: String, _ labels: [(String, String)] = [], _ value: Double) {
        out += name
        if !labels.isEmpty {
            out += "{"
            for (i, (k, v)) in labels.enumerated() {
                if i > 0 { out += "," }
                out += k
                out += "=\""
                Self.escape(v, into: &out)
                out += "\""
            }
            out += "}"
        }
        out += " "
        out += Self.format(value)
        out += "\n"
    }

    public mutating func histogram(_ name: String, _ labels: [(String, String)], _ h: Histogram) {
        for (le, count) in h.cumulative {
            sample(name + "_bucket", labels + [("le", le.isInfinite ? "+Inf" : Self.format(le))], Double(count))
        }
        sample(name + "_sum", labels, h.sum)
        sample(name + "_count", labels, Double(h.count))
    }

    public mutating func append(raw: String) {
        out += raw
        if !raw.isEmpty && !raw.hasSuffix("\n") { out += "\n" }
    }

    public static func format(_ v: Double) -> String {
        if v.isNaN { return "NaN" }
        if v.isInfinite { return v > 0 ? "+Inf" : "-Inf" }
        if v == v.rounded(), abs(v) < 1e15 { return String(Int64(v)) }
        return String(v)
    }

    public static func escape(_ s: String, into out: inout String) {
        for ch in s {
            switch ch {
            case "\\": out += "\\\\"
            case "\"": out += "\\\""
            case "\n": out += "\\n"
            default: out.append(ch)
            }
        }
    }
}
