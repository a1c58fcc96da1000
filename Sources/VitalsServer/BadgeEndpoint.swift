import Foundation
import NIOHTTP1
import VitalsCore

/// `GET /badge/NAME/status.svg`, `/badge/NAME/uptime/WINDOW.svg`, `/badge/NAME/latency/WINDOW.svg`,
/// and the same with `.json` for shields.io's endpoint schema. Windows are the uptime
/// endpoint's (`1h` to `365d`); any other path under `/badge/` is a 404.
struct BadgeRequest: Sendable, Equatable {
    enum Kind: Sendable, Equatable {
        case status
        case uptime(window: String)
        case latency(window: String)
    }
    enum Format: String, Sendable {
        case svg, json
    }

    var component: String
    var kind: Kind
    var format: Format

    /// Which figure a badge shows: its route says (`RouteTable.vitals`).
    enum Metric: Sendable {
        case status, uptime, latency
    }

    /// The badge a route asks for, or nil for a window the uptime endpoint does not have.
    init?(component: String, metric: Metric, window: String, format: Format) {
        self.component = component
        self.format = format
        switch metric {
        case .status:
            kind = .status
        case .uptime, .latency:
            guard UptimeReport.windows.contains(where: { $0.0 == window }) else { return nil }
            kind = metric == .uptime ? .uptime(window: window) : .latency(window: window)
        }
    }
}

extension HealthRoutes {
    /// A badge's route: 404 for a window the uptime endpoint does not have, as for any other
    /// path under `/badge/` that is not a badge.
    func badge(_ call: RouteCall, _ metric: BadgeRequest.Metric, _ format: BadgeRequest.Format) async -> HealthAnswer {
        guard let b = BadgeRequest(component: call["name"], metric: metric, window: call["window"], format: format) else {
            return .notFound
        }
        return await badgeAnswer(b, call.request)
    }

    /// A badge, or 404 for a component the config does not have.
    ///
    /// Cached as `no-cache` with an `ETag`: GitHub shows README images through its camo proxy,
    /// which keeps an image as long as its `Cache-Control` allows (and a `max-age` also lets
    /// browsers keep it), so a badge with any max-age lags behind the component by that much.
    /// `no-cache` makes every view revalidate, and the ETag (a hash of the body) lets that
    /// revalidation be a bodiless 304 while the badge has not changed.
    func badgeAnswer(_ b: BadgeRequest, _ request: HealthRequest) async -> HealthAnswer {
        guard let component = source.snapshot().component(named: b.component) else { return .unknownComponent }
        let badge: Badge
        switch b.kind {
        case .status:
            badge = .status(component)
        case .uptime(let window):
            badge = .uptime(window: window, await windowReport(b.component, window)?.uptime)
        case .latency(let window):
            let since = Date().addingTimeInterval(-(Self.window(window)?.seconds ?? 0))
            let buckets = await windowReport(b.component, window)?.buckets ?? []
            let average = Badge.averageLatency(buckets, history: component.history, since: since)
            badge = .latency(window: window, seconds: average, threshold: component.spec.thresholds["latency"])
        }
        let body = b.format == .svg ? badge.svg() : badge.shieldsJSON()
        let etag = "\"" + String(StableHash.of(body), radix: 16) + "\""
        if let asked = request.ifNoneMatch, Self.matches(asked, etag) {
            var answer = HealthAnswer.plain(304, "")
            answer.headers = HTTPHeaders([("etag", etag), ("cache-control", "no-cache")])
            return answer
        }
        var answer = HealthAnswer(status: 200, contentType: b.format == .svg ? "image/svg+xml" : "application/json", body: body)
        answer.headers.replaceOrAdd(name: "cache-control", value: "no-cache")
        answer.headers.add(name: "etag", value: etag)
        return answer
    }

    private static func window(_ label: String) -> Duration? { UptimeReport.windows.first { $0.0 == label }?.1 }

    private func windowReport(_ name: String, _ label: String) async -> UptimeReport? {
        guard let reader = extras.history, let window = Self.window(label) else { return nil }
        // Storage unavailable: an unknown uptime, as with no data (a badge has no error form).
        return await reader.uptime(name, window).value
    }

    /// `If-None-Match` by weak comparison (RFC 9110 13.1.2): `*`, or any listed tag, `W/` or not.
    static func matches(_ ifNoneMatch: String, _ etag: String) -> Bool {
        ifNoneMatch.split(separator: ",").contains { item in
            var tag = item.trimmingCharacters(in: .whitespaces)
            if tag.hasPrefix("W/") { tag.removeFirst(2) }
            return tag == "*" || tag == etag
        }
    }
}
