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
        // `cursor=` with nothing is the first page: clients that template `?cursor=${next}` send it.
        if let cursor = query.first("cursor"), !cursor.isEmpty {
            guard let at = Self.cursorTime(cursor) else { return .failure(.init("cursor is not one this server gave")) }
            // Strictly before the last result shown (to the microsecond times are stored with).
            let before = Date(timeIntervalSince1970: at - 0.000_001)
            q.until = q.until.map { min($0, before) } ?? before
        }
        return .success(q)
    }

    /// The cursor for the page after one whose last item is at `at`.
    static func cursor(after at: Date) -> String {
        Data("v1:\(at.timeIntervalSince1970)".utf8).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    static func cursorTime(_ cursor: String) -> Double? {
        var b64 = cursor.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while b64.count % 4 != 0 { b64 += "=" }
        guard let data = Data(base64Encoded: b64), let text = String(data: data, encoding: .utf8), text.hasPrefix("v1:") else { return nil }
        return Double(text.dropFirst(3)).flatMap { $0.isFinite ? $0 : nil }
    }

    /// The results page as JSON.
    static func json(component: String, _ entries: [HistoryEntry], limit: Int) -> String {
        page(component: component, key: "results", entries, limit: limit, at: \.at) { e in
            "{\"at\":" + JSONString.quoted(RFC3339.milliseconds(e.at)) + ",\"status\":" + JSONString.quoted(e.judgement.rawValue)
                + ",\"latency_ms\":\((e.latency.seconds * 1_000_000).rounded() / 1_000),\"message\":" + JSONString.quoted(e.message) + "}"
        }
    }

    /// The status changes page as JSON, in the results page's shape.
    /// Each change with how long the status it brought lasted (`duration_seconds`; `ongoing`
    /// for the newest, still current): `next` is the change after the page's newest, if any.
    static func transitionsJSON(component: String, _ items: [StatusTransition], next: Date?, now: Date, limit: Int) -> String {
        let durations = StatusTransition.durations(items, next: next, now: now)
        return page(component: component, key: "transitions", Array(zip(items, durations)), limit: limit, at: \.0.at) { t, d in
            "{\"at\":" + JSONString.quoted(RFC3339.milliseconds(t.at)) + ",\"from\":" + JSONString.quoted(t.from.rawValue)
                + ",\"to\":" + JSONString.quoted(t.to.rawValue) + ",\"message\":" + JSONString.quoted(t.message)
                + ",\"duration_seconds\":\(Double(Int(d.seconds * 1000)) / 1000),\"ongoing\":\(d.ongoing)}"
        }
    }

    /// `{"component": ..., KEY: [...], "next_cursor": ...}`: a cursor when the page is full
    /// (there may be more), null otherwise.
    private static func page<T>(component: String, key: String, _ items: [T], limit: Int, at: (T) -> Date, item: (T) -> String) -> String {
        var out = "{\"component\":" + JSONString.quoted(component) + ",\"" + key + "\":["
        out += items.map(item).joined(separator: ",")
        out += "],\"next_cursor\":"
        if items.count == limit, let last = items.last { out += JSONString.quoted(cursor(after: at(last))) } else { out += "null" }
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
