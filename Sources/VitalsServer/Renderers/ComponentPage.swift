import Foundation
import VitalsConfig
import VitalsCore

/// `GET /components/NAME`: one component for a person. Its status and why, latency over 24
/// hours, 7 and 30 days (from the roll-ups, so beyond raw retention) with its thresholds drawn,
/// uptime by window, its incidents with how long each lasted, and its last 100 results.
enum ComponentPage {
    struct Input {
        var component: ComponentSnapshot
        /// Uptime by window label (`UptimeReport.windows`), with the roll-ups as buckets.
        var uptime: [(String, UptimeReport)]
        /// Newest first.
        var transitions: [StatusTransition]
        /// Newest first.
        var results: [HistoryEntry]
        var audience: PageAudience
        var now: Date
        /// Why storage could not give the history (the page shows the live status and what memory holds).
        var unavailable: String? = nil
        /// The page it came from: `../` is `/`, `../../SLUG` a `status_pages` page.
        var back = "../"
    }

    /// The charts: window label, its length, and the longest gap between buckets drawn as one line.
    static let charts: [(String, Duration, Double)] = [
        ("24h", .seconds(86_400), 3600 * 1.5), ("7d", .seconds(7 * 86_400), 3600 * 1.5), ("30d", .seconds(30 * 86_400), 86_400 * 1.5),
    ]

    static func render(_ input: Input) -> Rendered {
        let c = input.component
        let details = input.audience.showsDetails
        var out = "<header><p><a href=\"" + HTML.escape(input.back) + "\">← all components</a></p><h1>" + HTML.text(c.name) + " " + HTML.badge(c.status) + "</h1>"
        out += "<p class=\"m\">As of " + HTML.time(input.now) + " · refreshes every \(StatusPage.refresh) s</p></header><main>"
        if let reason = input.unavailable {
            out += "<p class=\"m\" role=\"status\">History is unavailable: storage did not answer" + (details ? " (" + HTML.escape(reason) + ")" : "")
            out += ". The status is live; results are this run's, from memory.</p>"
        }
        out += facts(c, input)
        out += locations(c, details: details)
        if details { out += observations(c) + conditions(c) }
        out += thresholds(c)
        out += uptime(input.uptime)
        out += latency(input)
        out += transitions(input)
        out += results(input)
        out += "</main>"
        return HTML.page(title: c.name + ": " + c.status.rawValue, refresh: StatusPage.refresh, body: out)
    }

    static func facts(_ c: ComponentSnapshot, _ input: Input) -> String {
        var out = "<section><dl>"
        func fact(_ term: String, _ value: String) { out += "<dt>" + term + "</dt><dd>" + value + "</dd>" }
        fact("status", HTML.badge(c.status) + " since " + HTML.time(c.since) + " <small>(for " + HTML.span(input.now.timeIntervalSince(c.since)) + ")</small>")
        if input.audience.showsDetails { fact("message", HTML.text(c.lastResult?.message ?? "no result yet")) }
        fact("last check", c.lastCheck.map(HTML.time) ?? "none yet")
        if let r = c.lastResult { fact("latency", HTML.latency(r.latency.seconds)) }
        fact("type", HTML.escape(c.spec.type))
        fact("critical", c.spec.critical ? "yes: an unhealthy status makes the service unready" : "no: at worst it degrades the service")
        if !c.spec.groups.isEmpty { fact("groups", c.spec.groups.map(HTML.text).joined(separator: ", ")) }
        fact("interval", DurationFormat.short(c.spec.interval) + ", timeout " + DurationFormat.short(c.spec.timeout))
        if c.consecutiveFailures > 0 { fact("consecutive failures", "\(c.consecutiveFailures)") }
        if let stale = c.staleSince { fact("stale", "no result since " + HTML.time(stale)) }
        return out + "</dl></section>"
    }

    /// In a fleet with locations: each location's status and latency side by side, and why a
    /// location is not counted; the message only for an audience that sees details.
    static func locations(_ c: ComponentSnapshot, details: Bool) -> String {
        guard let v = c.verdict else { return "" }
        var out = "<section><h2>Locations</h2><p class=\"m\">" + HTML.escape(v.summary) + (v.partial ? " · partial" : "")
        out += " · quorum \(v.quorum)</p><table><thead><tr><th>location<th>status<th>latency<th>last check<th>counted"
        out += (details ? "<th>message" : "") + "</tr></thead><tbody>"
        for r in c.locations {
            let why = v.leftOut.first { $0.location == r.location }.map { "no: " + ($0.reason == .canary ? "canary fails" : "stale") } ?? "yes"
            out += "<tr><td>" + HTML.text(r.location) + "<td>" + HTML.badge(r.status) + "<td>" + (r.latency.map { HTML.latency($0.seconds) } ?? "")
            out += "<td>" + (r.lastCheck.map(HTML.time) ?? "none yet") + "<td>" + why
            out += (details ? "<td>" + HTML.text(r.message) : "") + "</tr>"
        }
        return out + "</tbody></table></section>"
    }

    static func observations(_ c: ComponentSnapshot) -> String {
        let obs = c.lastResult?.observations ?? []
        guard !obs.isEmpty else { return "" }
        var out = "<section><h2>Observations</h2><table><tbody>"
        for o in obs {
            let value: String
            switch o.value {
            case .number(let v): value = HTML.quantity(o.name, v, unit: o.unit)
            case .text(let t): value = t
            }
            out += "<tr><td>" + HTML.text(o.name) + "<td>" + HTML.text(value) + "</tr>"
        }
        return out + "</tbody></table></section>"
    }

    /// The `expect` conditions on the last result, each with what it read: shown only where
    /// messages are (a value read may quote the body).
    static func conditions(_ c: ComponentSnapshot) -> String {
        let checks = c.lastResult?.conditions ?? []
        guard !checks.isEmpty else { return "" }
        var out = "<section><h2>Conditions</h2><table><thead><tr><th>condition<th>result<th>observed</tr></thead><tbody>"
        for check in checks {
            out += "<tr><td><code>" + HTML.text(check.condition) + "</code><td>" + (check.passed ? "passed" : "<strong>failed</strong>")
            out += "<td>" + HTML.text(check.observed) + "</tr>"
        }
        return out + "</tbody></table></section>"
    }

    static func thresholds(_ c: ComponentSnapshot) -> String {
        let byName = c.spec.thresholds.byName
        guard !byName.isEmpty else { return "" }
        var out = "<section><h2>Thresholds</h2><table><thead><tr><th>measurement<th>degraded<th>unhealthy</tr></thead><tbody>"
        for name in byName.keys.sorted() {
            let t = byName[name]!
            func level(_ v: Double?) -> String {
                guard let v else { return "–" }
                let worse = t.direction == .higherIsWorse ? "above " : "below "
                switch t.unit {
                case .seconds: return worse + HTML.seconds(v)
                case .percent: return worse + SVG.number(v) + "%"
                case .count: return worse + SVG.number(v)
                }
            }
            out += "<tr><td>" + HTML.escape(name) + "<td>" + level(t.degraded) + "<td>" + level(t.unhealthy) + "</tr>"
        }
        return out + "</tbody></table></section>"
    }

    /// A row per window (not a column: seven columns do not fit a phone).
    static func uptime(_ windows: [(String, UptimeReport)]) -> String {
        guard !windows.isEmpty else { return "" }
        var out = "<section><h2>Uptime</h2><table><thead><tr><th>window<th class=\"r\">up<th class=\"r\">coverage</tr></thead><tbody>"
        for (label, r) in windows { out += "<tr><td>" + label + "<td class=\"r\">" + HTML.percent(r.uptime) + "<td class=\"r\">" + HTML.percent(r.coverage) + "</tr>" }
        return out + "</tbody></table><p class=\"m\">Up is healthy or degraded, over the time the status was known; coverage is the known share of the window.</p></section>"
    }

    static func latency(_ input: Input) -> String {
        let latency = input.component.spec.thresholds["latency"]
        var out = "<section><h2>Latency</h2>"
        for (label, window, gap) in charts {
            let from = input.now.addingTimeInterval(-window.seconds)
            let buckets = input.uptime.first { $0.0 == label }?.1.buckets ?? []
            let period = label == "30d" ? 86_400.0 : 3600.0
            var points: [SVG.Point] = buckets.compactMap { b in
                guard let avg = b.latencyAvg else { return nil }
                return SVG.Point(at: bucketMiddle(b.start, period: period, from: from, to: input.now), min: b.latencyMin ?? avg, avg: avg, max: b.latencyMax ?? avg)
            }
            var chartGap = gap
            // Without roll-ups (no history reader, or none kept yet), the day chart draws the results kept in memory.
            if points.isEmpty && label == "24h" {
                points = input.results.reversed().filter { $0.at >= from }.map {
                    SVG.Point(at: $0.at, min: $0.latency.seconds, avg: $0.latency.seconds, max: $0.latency.seconds)
                }
                chartGap = max(3 * input.component.spec.interval.seconds, 1)
            }
            let what = label + ": " + (buckets.isEmpty ? "latency of each result" : label == "30d" ? "daily min, average and max" : "hourly min, average and max")
            out += "<h3>" + label + "</h3>"
            out += SVG.latencyChart(points, from: from, to: input.now, gap: chartGap, degraded: latency?.degraded, unhealthy: latency?.unhealthy, label: what)
        }
        return out + "</section>"
    }

    /// Where a bucket's point is drawn: the middle of the part of it inside the chart. The
    /// current hour has not ended (its middle would lie in the future, right of the chart) and
    /// the oldest began before the chart's start.
    static func bucketMiddle(_ start: Date, period: Double, from: Date, to: Date) -> Date {
        let a = max(start, from)
        let b = min(start.addingTimeInterval(period), to)
        return b <= a ? min(max(start, from), to) : a.addingTimeInterval(b.timeIntervalSince(a) / 2)
    }

    /// Status changes, newest first, each with how long the status it brought lasted.
    static func transitions(_ input: Input) -> String {
        let durations = StatusTransition.durations(input.transitions, next: nil, now: input.now)
        let rows = zip(input.transitions, durations).map { t, d in
            let lasted = HTML.span(d.seconds) + (d.ongoing ? " so far" : "")
            return (HTML.time(t.at) + "<td>" + HTML.badge(t.from) + " → " + HTML.badge(t.to) + "<td class=\"r\">" + lasted, t.message)
        }
        return table("Status changes", empty: "None recorded.", head: "at<th>change<th class=\"r\">lasted", rows: rows, input.audience)
    }

    static func results(_ input: Input) -> String {
        let rows = input.results.map { r in
            (HTML.time(r.at) + "<td>" + HTML.badge(r.judgement) + "<td class=\"r\">" + HTML.latency(r.latency.seconds), r.message)
        }
        return table("Last \(input.results.count) results", empty: "None yet.", head: "at<th>result<th class=\"r\">latency", rows: rows, input.audience)
    }

    /// A section with a table whose last column, the message, only a full audience sees.
    static func table(_ title: String, empty: String, head: String, rows: [(cells: String, message: String)], _ audience: PageAudience) -> String {
        var out = "<section><h2>" + title + "</h2>"
        guard !rows.isEmpty else { return out + "<p>" + empty + "</p></section>" }
        out += "<table><thead><tr><th>" + head + (audience.showsDetails ? "<th>message" : "") + "</tr></thead><tbody>"
        for row in rows {
            out += "<tr><td>" + row.cells + (audience.showsDetails ? "<td>" + HTML.text(row.message) : "") + "</tr>"
        }
        return out + "</tbody></table></section>"
    }
}
