import Foundation

/// How the daemon writes its log lines (`vitals run --log-format`).
public enum LogFormat: String, Sendable, CaseIterable {
    /// `ts=… level=info msg="component status changed" component=web to=unhealthy`: what
    /// Loki, Heroku and `grep` read.
    case logfmt
    /// One JSON object per line, for collectors that parse JSON (Fluent Bit, Vector, Cloud Logging).
    case json
}

/// A field's value: text, or a number or a boolean, which JSON lines write as JSON numbers and
/// booleans (`"components":3`, not `"components":"3"`) so a collector can compare and sum them.
public enum LogValue: Sendable, Equatable, ExpressibleByStringLiteral {
    case text(String)
    case int(Int)
    case double(Double)
    case bool(Bool)

    public init(stringLiteral value: String) { self = .text(value) }

    /// As logfmt and people read it: numbers and booleans as Swift prints them.
    public var description: String {
        switch self {
        case .text(let s): s
        case .int(let i): String(i)
        case .double(let d): String(d)
        case .bool(let b): b ? "true" : "false"
        }
    }
}

/// One log line in either format: a time, a level, a fixed message saying what happened, and
/// fields saying to what. The message stays constant per kind of event (`alert firing`), so a
/// log query can count events; what varies goes into fields.
public enum LogLine {
    public static func render(
        _ format: LogFormat, time: Date, level: String, message: String, fields: [(key: String, value: LogValue)]
    ) -> String {
        let ts = time.formatted(.iso8601.year().month().day().time(includingFractionalSeconds: true).timeZone(separator: .omitted))
        var out = ""
        out.reserveCapacity(96 + message.utf8.count + fields.count * 24)
        switch format {
        case .logfmt:
            out += "ts=" + ts + " level=" + level + " msg="
            appendLogfmt(message, to: &out)
            for (key, value) in fields {
                out += " " + key + "="
                appendLogfmt(value.description, to: &out)
            }
        case .json:
            out += "{\"ts\":\"" + ts + "\",\"level\":\"" + level + "\",\"msg\":"
            JSONString.append(message, to: &out)
            for (key, value) in fields {
                out += ","
                JSONString.append(key, to: &out)
                out += ":"
                appendJSON(value, to: &out)
            }
            out += "}"
        }
        return out
    }

    /// A JSON value: a number or boolean bare, text (and a non-finite number, which JSON has no
    /// literal for) as a string.
    static func appendJSON(_ value: LogValue, to out: inout String) {
        switch value {
        case .int, .bool: out += value.description
        case .double(let d) where d.isFinite: out += value.description
        case .text, .double: JSONString.append(value.description, to: &out)
        }
    }

    /// A logfmt value: bare when it is one plain word, otherwise quoted with `"`, `\` and
    /// control characters escaped, so that a message with newlines stays on one line.
    static func appendLogfmt(_ value: String, to out: inout String) {
        let bare = !value.isEmpty && value.unicodeScalars.allSatisfy { s in
            s.value > 0x20 && s != "\"" && s != "=" && s != "\\" && s.value != 0x7f
        }
        if bare {
            out += value
        } else {
            JSONString.append(value, to: &out)
        }
    }
}
