import Foundation

/// RFC 3339 timestamps in UTC with whole seconds (`2026-11-22T10:00:00Z`), as people, receivers
/// and Alertmanager read them: one format for every JSON Vitals writes.
public enum RFC3339 {
    public static func string(_ date: Date) -> String {
        date.formatted(Date.ISO8601FormatStyle(timeZone: TimeZone(identifier: "UTC")!))
    }

    /// With milliseconds (`2026-11-22T10:00:00.250Z`), for lists of results where several fall
    /// in one second (history pages).
    public static func milliseconds(_ date: Date) -> String {
        date.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true, timeZone: TimeZone(identifier: "UTC")!))
    }

    public static func date(_ string: String) -> Date? {
        if let d = try? Date.ISO8601FormatStyle().parse(string) { return d }
        return try? Date.ISO8601FormatStyle(includingFractionalSeconds: true).parse(string)
    }
}
