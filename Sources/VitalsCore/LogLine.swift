import Foundation

/// How the daemon writes its log lines (`vitals run --log-format`).
public enum LogFormat: String, Sendable, CaseIterable {
    /// `ts=… level=info msg="component status changed" component=web to=unhealthy`: what
    /// Loki, Heroku and `grep` read.
    case logfmt
    /// One JSON object per line, for collectors that parse JSON (Fluent Bit, Vector, Cloud Logging).
    case json
}

/// One log line in either format: a time, a level, a fixed message saying what happened, and
/// fields saying to what. The message stays constant per kind of event (`alert firing`), so a
/// log query can count events; what varies goes into fields.
public enum LogLine {
    public static func render(
        _ format: LogFormat, time: Date, level: String, message: String, fields: [(key: String, value: String)]
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
                appendLogfmt(value, to: &out)
            }
        case .json:
            out += "{\"ts\":\"" + ts + "\",\"level\":\"" + level + "\",\"msg\":"
            JSONString.append(message, to: &out)
            for (key, value) in fields {
                out += ","
                JSONString.append(key, to: &out)
                out += ":"
                JSONString.append(value, to: &out)
            }
            out += "}"
        }
        return out
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
