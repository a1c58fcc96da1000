import VitalsConfig

/// A value a condition reads from a result or writes as a literal.
public enum ConditionValue: Sendable, Equatable {
    /// A number, and its text when it came from JSON or a literal (`1.50` stays `1.50`).
    case number(Double, text: String?)
    /// Seconds: latency, an observation measured in seconds (`cert_expiry`), a literal `300ms`.
    /// Compares with plain numbers as seconds.
    case duration(Double)
    case string(String)
    case bool(Bool)
    case null
    /// A JSON array or object.
    case json(JSONValue)

    public init(_ json: JSONValue) {
        switch json {
        case .string(let s): self = .string(s)
        case .number(let n): self = .number(Double(n) ?? .nan, text: n)
        case .bool(let b): self = .bool(b)
        case .null: self = .null
        case .array, .object: self = .json(json)
        }
    }

    /// Seconds for a number or a duration.
    var numeric: Double? {
        switch self {
        case .number(let v, _): v
        case .duration(let s): s
        default: nil
        }
    }

    /// The value as text, for `contains`, `matches` and a comparison with a string: a
    /// string's contents, a number as written, `true`, `null`, a duration as `300ms`, compact JSON.
    var text: String {
        switch self {
        case .string(let s): s
        case .number(let v, let t): t ?? Self.format(v)
        case .duration(let s): DurationFormat.short(.nanoseconds(Int64((s * 1e9).rounded())))
        case .bool(let b): b ? "true" : "false"
        case .null: "null"
        case .json(let j): j.json
        }
    }

    /// As messages and pages show it: strings quoted and cut, the rest as text.
    public var shown: String {
        switch self {
        case .string(let s): TextExcerpt.quoted(s)
        case .json(let j): TextExcerpt.cut(j.json)
        default: text
        }
    }

    /// `200`, `0.5`, `1e+21`: whole numbers without a fraction.
    static func format(_ v: Double) -> String {
        if v.isFinite, v == v.rounded(), abs(v) < 1e15 { return String(Int64(v)) }
        return String(v)
    }
}

/// Quoting of values in messages: one line, cut at 60 characters.
public enum TextExcerpt {
    /// `"text"` with newlines and quotes escaped, cut to 60 characters.
    public static func quoted(_ s: String) -> String {
        let short = s.count > 60 ? String(s.prefix(57)) + "..." : s
        return "\"" + short.replacingOccurrences(of: "\n", with: "\\n").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }

    /// Unquoted, on one line, cut to 60 characters.
    public static func cut(_ s: String) -> String {
        let one = s.replacingOccurrences(of: "\n", with: "\\n")
        return one.count > 60 ? String(one.prefix(57)) + "..." : one
    }
}
