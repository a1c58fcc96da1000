import Foundation
import VitalsCore

/// `GET /api/v1/components/NAME/history?since=&until=&limit=&cursor=`: results newest first,
/// paged. The cursor is opaque to clients: the time of the last result of a page, so the next
/// page starts just before it.
public struct HistoryQuery: Sendable, Equatable {
    public var since: Date?
    public var until: Date?
    public var limit: Int

    static let defaultLimit = 100
    static let maxLimit = 1_000

    /// The query, or why it is refused (a 400).
    static func parse(_ query: Query) -> Result<HistoryQuery, HistoryQueryError> {
        var q = HistoryQuery(since: nil, until: nil, limit: defaultLimit)
        for key in ["since", "until"] {
            guard let text = query.first(key) else { continue }
            guard let date = RFC3339.date(text) else { return .failure(.init("\(key) must be an RFC 3339 time like 2026-12-01T10:00:00Z")) }
            if key == "since" { q.since = date } else { q.until = date }
        }
        if let text = query.first("limit") {
            guard let n = Int(text), (1...maxLimit).contains(n) else { return .failure(.init("limit must be a number from 1 to \(maxLimit)")) }
            q.limit = n
        }
        if let cursor = query.first("cursor") {
            guard let at = Self.cursorTime(cursor) else { return .failure(.init("cursor is not one this server gave")) }
            // Strictly before the last result shown (to the microsecond times are stored with).
            let before = Date(timeIntervalSince1970: at - 0.000_001)
            q.until = q.until.map { min($0, before) } ?? before
        }
        return .success(q)
    }

    static func cursor(after entry: HistoryEntry) -> String {
        Data("v1:\(entry.at.timeIntervalSince1970)".utf8).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    static func cursorTime(_ cursor: String) -> Double? {
        var b64 = cursor.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while b64.count % 4 != 0 { b64 += "=" }
        guard let data = Data(base64Encoded: b64), let text = String(data: data, encoding: .utf8), text.hasPrefix("v1:") else { return nil }
        return Double(text.dropFirst(3)).flatMap { $0.isFinite ? $0 : nil }
    }

    /// The page as JSON: `next_cursor` when the page is full (there may be more).
    static func json(component: String, _ entries: [HistoryEntry], limit: Int) -> String {
        var out = "{\"component\":" + JSONString.quoted(component) + ",\"results\":["
        for (i, e) in entries.enumerated() {
            if i > 0 { out += "," }
            out += "{\"at\":" + JSONString.quoted(RFC3339.milliseconds(e.at)) + ",\"status\":" + JSONString.quoted(e.judgement.rawValue)
            out += ",\"latency_ms\":\((e.latency.seconds * 1_000_000).rounded() / 1_000),\"message\":" + JSONString.quoted(e.message) + "}"
        }
        out += "],\"next_cursor\":"
        out += entries.count == limit && !entries.isEmpty ? JSONString.quoted(cursor(after: entries[entries.count - 1])) : "null"
        return out + "}"
    }
}

struct HistoryQueryError: Error, Equatable {
    var message: String
    init(_ message: String) { self.message = message }
}

/// `GET /api/v1/components/NAME/uptime?window=`: time-weighted uptime with its coverage, and per
/// bucket (hourly up to 7d, daily beyond) the seconds per status and latency min/avg/max.
public struct UptimeReport: Sendable, Equatable {
    public var uptime: Double?
    public var coverage: Double
    /// The window's roll-ups, oldest first (none without persistent storage).
    public var buckets: [Rollup]
    public init(uptime: Double?, coverage: Double, buckets: [Rollup]) {
        self.uptime = uptime
        self.coverage = coverage
        self.buckets = buckets
    }

    /// The windows the endpoint takes.
    public static let windows: [(String, Duration)] = [
        ("1h", .seconds(3600)), ("24h", .seconds(86_400)), ("7d", .seconds(7 * 86_400)), ("30d", .seconds(30 * 86_400)),
        ("90d", .seconds(90 * 86_400)), ("365d", .seconds(365 * 86_400)),
    ]

    static func json(component: String, window: String, _ r: UptimeReport) -> String {
        func number(_ v: Double?) -> String { v.map { "\($0)" } ?? "null" }
        var out = "{\"component\":" + JSONString.quoted(component) + ",\"window\":" + JSONString.quoted(window)
        out += ",\"uptime\":\(number(r.uptime)),\"coverage\":\(r.coverage),\"buckets\":["
        for (i, b) in r.buckets.enumerated() {
            if i > 0 { out += "," }
            out += "{\"start\":" + JSONString.quoted(RFC3339.string(b.start))
            out += ",\"seconds\":{\"healthy\":\(b.healthy),\"degraded\":\(b.degraded),\"unhealthy\":\(b.unhealthy)}"
            out += ",\"results\":\(b.results),\"failures\":\(b.failures)"
            out += ",\"latency_ms\":{\"min\":\(number(b.latencyMin.map { $0 * 1000 })),\"avg\":\(number(b.latencyAvg.map { $0 * 1000 })),\"max\":\(number(b.latencyMax.map { $0 * 1000 }))}}"
        }
        return out + "]}"
    }
}

extension HistoryQuery {
    /// Status changes, newest first, in the history page's shape.
    static func transitionsJSON(component: String, _ items: [StatusTransition], limit: Int) -> String {
        var out = "{\"component\":" + JSONString.quoted(component) + ",\"transitions\":["
        for (i, t) in items.enumerated() {
            if i > 0 { out += "," }
            out += "{\"at\":" + JSONString.quoted(RFC3339.milliseconds(t.at)) + ",\"from\":" + JSONString.quoted(t.from.rawValue)
            out += ",\"to\":" + JSONString.quoted(t.to.rawValue) + ",\"message\":" + JSONString.quoted(t.message) + "}"
        }
        out += "],\"next_cursor\":"
        let last = items.last.map { HistoryEntry(at: $0.at, judgement: $0.to, latency: .zero, message: "") }
        out += items.count == limit && !items.isEmpty ? JSONString.quoted(cursor(after: last!)) : "null"
        return out + "}"
    }
}
