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
