import Foundation

/// RFC 3339 timestamps in UTC with whole seconds (`2026-11-22T10:00:00Z`), as people, receivers
/// and Alertmanager read them: one format for every JSON Vitals writes.
///
/// Written by hand from the days since 1970 (Howard Hinnant's civil-from-days): a history page
/// formats a hundred of these, and Foundation's format style costs microseconds each.
public enum RFC3339 {
    public static func string(_ date: Date) -> String { format(date, milliseconds: false) }

    /// With milliseconds (`2026-11-22T10:00:00.250Z`, truncated), for lists of results where
    /// several fall in one second (history pages).
    public static func milliseconds(_ date: Date) -> String { format(date, milliseconds: true) }

    public static func date(_ string: String) -> Date? {
        if let d = try? Date.ISO8601FormatStyle().parse(string) { return d }
        return try? Date.ISO8601FormatStyle(includingFractionalSeconds: true).parse(string)
    }

    /// The civil date (year, month 1-12, day 1-31) of a day counted from 1970-01-01.
    public static func civil(days: Int64) -> (year: Int64, month: Int64, day: Int64) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    private static func format(_ date: Date, milliseconds: Bool) -> String {
        let totalMillis = Int64((date.timeIntervalSince1970 * 1000).rounded(.down))
        let millis = Int((totalMillis % 1000 + 1000) % 1000)
        let seconds = (totalMillis - Int64(millis)) / 1000
        var days = seconds / 86_400
        var rest = seconds - days * 86_400
        if rest < 0 {
            rest += 86_400
            days -= 1
        }
        let (year, month, day) = civil(days: days)
        var out = ""
        out.reserveCapacity(24)
        func pad(_ v: Int64, _ width: Int) {
            let s = String(v)
            if s.count < width { out += String(repeating: "0", count: width - s.count) }
            out += s
        }
        pad(year, 4)
        out += "-"
        pad(month, 2)
        out += "-"
        pad(day, 2)
        out += "T"
        pad(rest / 3600, 2)
        out += ":"
        pad(rest % 3600 / 60, 2)
        out += ":"
        pad(rest % 60, 2)
        if milliseconds {
            out += "."
            pad(Int64(millis), 3)
        }
        out += "Z"
        return out
    }
}
