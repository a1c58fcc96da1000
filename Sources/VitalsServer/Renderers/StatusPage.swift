import Foundation
import VitalsConfig
import VitalsCore

/// `GET /`: the status page for people. What an on-call engineer needs first comes first: the
/// overall status in words and colour, what is wrong now (incidents, firing alerts,
/// maintenance), then every component by group with its status, uptime, 90 days of history,
/// its last checks and its latency. Server-rendered HTML with inline SVG: it works with scripts
/// off and refreshes itself with a meta refresh.
enum StatusPage {
    /// Seconds between refreshes.
    static let refresh = 30

    struct Input {
        var snapshot: HealthSnapshot
        var history: StatusHistory
        var maintenance: [MaintenanceNotice] = []
        var alerts: [FiringAlert] = []
        var audience: PageAudience
        var now: Date
    }

    static func render(_ input: Input) -> Rendered {
        let components = input.snapshot.allComponents
        let overall = overallStatus(input.snapshot)
        var out = "<header><h1>Status</h1><p class=\"m\">As of " + HTML.time(input.now) + " · \(components.count) components · refreshes every \(refresh) s</p>"
        out += banner(overall, components) + "</header><main>"
        if let reason = input.history.unavailable {
            // Statuses are live; only the history is missing. The reason may name a host: with the token only.
            out += "<p class=\"m\" role=\"status\">History is unavailable: storage did not answer"
            out += (input.audience.showsDetails ? " (" + HTML.escape(reason) + ")" : "") + ". Statuses below are live.</p>"
        }
        out += incidents(components, input)
        if input.audience.showsDetails { out += alerts(input.alerts, now: input.now) }
        out += maintenance(input.maintenance, now: input.now)
        for (group, members) in groups(components) { out += section(group, members, components, input) }
        out += "</main>"
        return HTML.page(title: "Status: " + overall.rawValue, refresh: refresh, body: out)
    }

    /// The service status over every component of the config, also those other replicas probe
    /// (the snapshot's own status covers this replica's shard only).
    static func overallStatus(_ s: HealthSnapshot) -> HealthStatus {
        guard !s.peers.isEmpty else { return s.status }
        let members = s.allComponents.map { Aggregation.Member(name: $0.name, critical: $0.spec.critical, status: $0.status) }
        return Aggregation.serviceStatus(members, startupComplete: s.startupComplete)
    }

    static func banner(_ overall: HealthStatus, _ components: [ComponentSnapshot]) -> String {
        var counts = StatusCounts()
        for c in components { counts[c.status] += 1 }
        let words: String
        switch overall {
        case .healthy: words = "All systems operational"
        case .degraded: words = "Degraded service"
        case .unhealthy: words = "Service outage"
        case .unknown: words = "Status not yet known"
        }
        var detail: [String] = []
        for s in [HealthStatus.unhealthy, .degraded, .unknown] where counts[s] > 0 { detail.append("\(counts[s]) \(s.rawValue)") }
        detail.append("\(counts.healthy) of \(components.count) healthy")
        return "<p class=\"banner " + HTML.cls(overall) + "\" role=\"status\">" + HTML.symbol(overall) + " " + words
            + " <small>(" + detail.joined(separator: ", ") + ")</small></p>"
    }

    /// Components not healthy, worst first, then the longest-standing.
    static func incidents(_ components: [ComponentSnapshot], _ input: Input) -> String {
        let rank: [HealthStatus: Int] = [.unhealthy: 0, .degraded: 1, .unknown: 2]
        let open = components.filter { $0.status != .healthy }.sorted {
            rank[$0.status, default: 3] != rank[$1.status, default: 3] ? rank[$0.status, default: 3] < rank[$1.status, default: 3] : $0.since < $1.since
        }
        var out = "<section><h2>Current incidents</h2>"
        guard !open.isEmpty else { return out + "<p>None: every component is healthy.</p></section>" }
        out += "<ul class=\"inc\">"
        for c in open {
            out += "<li>" + HTML.badge(c.status) + " " + link(c) + (c.spec.critical ? "" : " <small>(non-critical)</small>")
            out += " since " + HTML.time(c.since) + " <small>(for " + HTML.span(input.now.timeIntervalSince(c.since)) + ")</small>"
            if input.audience.showsDetails, let message = c.lastResult?.message, !message.isEmpty { out += ": " + HTML.text(message) }
            out += "</li>"
        }
        return out + "</ul></section>"
    }

    static func alerts(_ alerts: [FiringAlert], now: Date) -> String {
        guard !alerts.isEmpty else { return "" }
        var out = "<section><h2>Firing alerts</h2><ul class=\"inc\">"
        for a in alerts {
            out += "<li><b>" + HTML.text(a.alert) + "</b> on " + HTML.text(a.subject)
            if !a.severity.isEmpty { out += " <small>(" + HTML.escape(a.severity) + ")</small>" }
            if let since = a.since { out += " since " + HTML.time(since) }
            if let by = a.acknowledgedBy {
                out += " · acknowledged by " + HTML.text(by) + (a.acknowledgedAt.map { " at " + HTML.time($0) } ?? "")
            }
            out += "</li>"
        }
        return out + "</ul></section>"
    }

    static func maintenance(_ notices: [MaintenanceNotice], now: Date) -> String {
        guard !notices.isEmpty else { return "" }
        var out = "<section><h2>Maintenance</h2><ul class=\"inc\">"
        for n in notices.sorted(by: { $0.active != $1.active ? $0.active : $0.start < $1.start }) {
            let what = n.components.isEmpty ? "all components" : n.components.map(HTML.text).joined(separator: ", ")
            out += "<li>" + (n.active ? "<b>In progress</b> until " + HTML.time(n.end) : "Upcoming " + HTML.time(n.start) + " to " + HTML.time(n.end))
            out += ": " + what + " <small>(" + HTML.escape(n.schedule) + "; alerts are muted, probing goes on)</small></li>"
        }
        return out + "</ul></section>"
    }

    /// Each named group with its members (indices into `components`) in config order, the
    /// ungrouped last. Indices, not copies: a thousand snapshots with their history are not
    /// copied for a page.
    static func groups(_ components: [ComponentSnapshot]) -> [(String?, [Int])] {
        var order: [String] = []
        var members: [String: [Int]] = [:]
        var ungrouped: [Int] = []
        for (i, c) in components.enumerated() {
            if c.spec.groups.isEmpty { ungrouped.append(i) }
            for g in c.spec.groups {
                if members[g] == nil { order.append(g) }
                members[g, default: []].append(i)
            }
        }
        var out: [(String?, [Int])] = order.map { ($0, members[$0]!) }
        if !ungrouped.isEmpty { out.append((nil, ungrouped)) }
        return out
    }

    static func section(_ group: String?, _ members: [Int], _ components: [ComponentSnapshot], _ input: Input) -> String {
        var counts = StatusCounts()
        for i in members { counts[components[i].status] += 1 }
        var tally: [String] = []
        for s in [HealthStatus.healthy, .degraded, .unhealthy, .unknown] where counts[s] > 0 {
            tally.append(HTML.symbol(s) + " \(counts[s]) " + s.rawValue)
        }
        let title = group.map { "Group " + HTML.text($0) } ?? (input.snapshot.allComponents.contains { !$0.spec.groups.isEmpty } ? "Other components" : "Components")
        var out = "<section><h2>" + title + " <small>" + tally.joined(separator: " · ") + "</small></h2>"
        out += "<table class=\"cs\"><thead><tr><th>component<th>status<th>24h<th>30d<th>last 90 days<th>last checks<th>latency</tr></thead><tbody>"
        for i in members { row(components[i], input, into: &out) }
        return out + "</tbody></table></section>"
    }

    static func row(_ c: ComponentSnapshot, _ input: Input, into out: inout String) {
        let h = input.history
        let hours = h.hours[c.name] ?? []
        let day = UptimeReport(rollups: hours, in: RollupWindow(.seconds(86_400), now: input.now))
        let month = UptimeReport(rollups: h.days[c.name] ?? [], in: RollupWindow(.seconds(30 * 86_400), now: input.now))
        out += "<tr><td>" + link(c) + (c.spec.critical ? "" : "<br><small>non-critical</small>")
        out += "<td class=\"st " + HTML.cls(c.status) + "\">" + HTML.symbol(c.status) + " " + c.status.rawValue + "<br><small>for "
            + HTML.span(input.now.timeIntervalSince(c.since)) + "</small>"
        out += "<td>" + uptimeCell(day) + "<td>" + uptimeCell(month)
        out += "<td>" + SVG.dayStrip(SVG.days(h.days[c.name] ?? [], incidents: h.incidents[c.name] ?? [:], now: input.now))
        out += "<td>" + SVG.checkStrip(c.history, details: input.audience.showsDetails)
        out += "<td>" + sparkline(c, hours: hours)
        out += "</tr>"
    }

    /// `99.93%` over `coverage 100%`: the figure never goes without how much of the window it knows.
    static func uptimeCell(_ r: UptimeReport) -> String {
        HTML.percent(r.uptime) + "<br><small>cov " + HTML.percent(r.coverage) + "</small>"
    }

    /// Hourly averages over 24 hours where roll-ups are kept, the last results otherwise.
    static func sparkline(_ c: ComponentSnapshot, hours: [Rollup]) -> String {
        let hourly = hours.compactMap(\.latencyAvg)
        let values = hourly.count >= 2 ? hourly : c.history.suffix(60).map(\.latency.seconds)
        guard values.count >= 2 else { return "" }
        let avg = values.reduce(0, +) / Double(values.count)
        let what = hourly.count >= 2 ? "latency 24h, hourly" : "latency, last \(values.count) checks"
        let title = what + ": avg " + HTML.latency(avg) + ", max " + HTML.latency(values.max() ?? 0)
        return SVG.sparkline(values, title: title) + "<small>" + HTML.latency(c.lastResult?.latency.seconds ?? avg) + "</small>"
    }

    static func link(_ c: ComponentSnapshot) -> String {
        "<a href=\"components/" + HTML.escape(c.name) + "\">" + HTML.text(c.name) + "</a>"
    }
}

extension UptimeReport {
    /// Uptime and coverage over a window from those of `rollups` in it (the buckets are not kept).
    init(rollups: [Rollup], in window: RollupWindow) {
        let (u, coverage) = window.uptime(rollups.filter { $0.start >= window.from && $0.start < window.to })
        self.init(uptime: u, coverage: coverage, buckets: [])
    }
}
