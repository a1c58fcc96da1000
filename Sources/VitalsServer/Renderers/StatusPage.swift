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
        /// The `status_pages` entry shown (nil: every component, titled "Status").
        var page: StatusPageSpec? = nil
        /// Prefixed to component links: `SLUG/` at `/status/SLUG`, nothing at `/`.
        var base = ""
        /// Prefixed to the logo's and the feed's paths: `SLUG/` at `/status/SLUG`, `status/SLUG/` at `/`.
        var pageBase = ""
        /// Incidents and announcements people posted that this page shows: open ones, and
        /// those resolved in the last 14 days.
        var posted: (open: [PostedIncident], past: [PostedIncident]) = ([], [])
    }

    static func render(_ input: Input) -> Rendered {
        let components = shown(input.snapshot.allComponents, on: input.page)
        let state = pageState(input, components)
        var out = "<header>" + heading(input) + "<p class=\"m\">As of " + HTML.time(input.now) + " · \(components.count) components · refreshes every \(refresh) s</p>"
        out += banner(state, components) + "</header><main>"
        if let reason = input.history.unavailable {
            // Statuses are live; only the history is missing. The reason may name a host: with the token only.
            out += "<p class=\"m\" role=\"status\">History is unavailable: storage did not answer"
            out += (input.audience.showsDetails ? " (" + HTML.escape(reason) + ")" : "") + ". Statuses below are live.</p>"
        }
        out += IncidentsView.section("Announcements", input.posted.open.filter { $0.kind == .announcement })
        out += IncidentsView.section("Reported incidents", input.posted.open.filter { $0.kind == .incident })
        out += incidents(components, input)
        if input.audience.showsDetails { out += alerts(input.alerts, now: input.now) }
        out += maintenance(input.maintenance, now: input.now)
        out += componentTable(components, input)
        out += IncidentsView.section("Past incidents <small>(14 days)</small>", input.posted.past, empty: "None reported in the last 14 days.")
        out += "</main>"
        return HTML.page(title: (input.page?.title ?? "Status") + ": " + state.words, refresh: refresh, body: out)
    }

    /// The page's state over every component of the config, also those other replicas probe
    /// (the snapshot's own status covers this replica's shard only).
    static func pageState(_ input: Input, _ components: [ComponentSnapshot]) -> PageState {
        let active = input.maintenance.filter(\.active)
        let members = components.map { c in
            PageState.Member(
                critical: c.spec.critical, status: c.status,
                inMaintenance: active.contains { $0.components.isEmpty || $0.components.contains(c.name) })
        }
        return PageState.of(members, startupComplete: input.snapshot.startupComplete)
    }

    /// The page's title, logo, description and links (a `status_pages` entry), or "Status".
    static func heading(_ input: Input) -> String {
        guard let page = input.page else { return "<h1>Status</h1>" }
        var out = "<h1>"
        if page.logoSVG != nil { out += "<img class=\"logo\" src=\"" + HTML.escape(input.pageBase) + "logo.svg\" alt=\"\"> " }
        out += HTML.text(page.title) + "</h1>"
        if let d = page.description { out += "<p>" + HTML.text(d) + "</p>" }
        if !page.links.isEmpty {
            // http(s) only (the config refuses other schemes); escaped like every attribute.
            out += "<nav>" + page.links.map { "<a href=\"" + HTML.escape($0.url) + "\" rel=\"noopener noreferrer\">" + HTML.text($0.title) + "</a>" }.joined(separator: " · ") + "</nav>"
        }
        return out
    }

    /// The components a page shows, in its order: those it names, or its groups' members, or all.
    static func shown(_ all: [ComponentSnapshot], on page: StatusPageSpec?) -> [ComponentSnapshot] {
        guard let page else { return all }
        if !page.components.isEmpty {
            let byName = Dictionary(all.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
            return page.components.compactMap { byName[$0] }
        }
        return all.filter { page.shows($0.name, groups: $0.spec.groups) }
    }

    static func banner(_ state: PageState, _ components: [ComponentSnapshot]) -> String {
        var counts = StatusCounts()
        for c in components { counts[c.status] += 1 }
        var detail: [String] = []
        for s in [HealthStatus.unhealthy, .degraded, .unknown] where counts[s] > 0 {
            detail.append("\(counts[s]) " + (s == .unknown && state == .checking ? "not checked yet" : s.rawValue))
        }
        detail.append("\(counts.healthy) of \(components.count) healthy")
        return "<p class=\"banner " + HTML.cls(state.status) + "\" role=\"status\">" + state.symbol + " " + state.words
            + " <small>(" + detail.joined(separator: ", ") + ")</small></p>"
    }

    /// Components not healthy, worst first, then the longest-standing.
    static func incidents(_ components: [ComponentSnapshot], _ input: Input) -> String {
        let rank: [HealthStatus: Int] = [.unhealthy: 0, .degraded: 1, .unknown: 2]
        // During startup a component without its first result is being checked, not an incident.
        let starting = !input.snapshot.startupComplete
        let open = components.filter { $0.status != .healthy && !(starting && $0.status == .unknown) }.sorted {
            rank[$0.status, default: 3] != rank[$1.status, default: 3] ? rank[$0.status, default: 3] < rank[$1.status, default: 3] : $0.since < $1.since
        }
        var out = "<section><h2>Current incidents</h2>"
        guard !open.isEmpty else {
            return out + (starting ? "<p>None so far: the first checks are still running.</p></section>" : "<p>None: every component is healthy.</p></section>")
        }
        out += "<ul class=\"inc\">"
        for c in open {
            out += "<li>" + HTML.badge(c.status) + " " + link(c, input.base) + (c.spec.critical ? "" : " <small>(non-critical)</small>")
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
    static func groups(_ components: [ComponentSnapshot], only: [String]? = nil) -> [(String?, [Int])] {
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
        // A page that names its groups shows those, in its order.
        if let only, !only.isEmpty { return only.compactMap { g in members[g].map { (g, $0) } } }
        var out: [(String?, [Int])] = order.map { ($0, members[$0]!) }
        if !ungrouped.isEmpty { out.append((nil, ungrouped)) }
        return out
    }

    /// Every component in one table, each group a band of rows under its heading row: one
    /// table, so the columns line up across groups (a table per group sized each on its own).
    /// On a phone the stylesheet lays each row out as a grid of the same columns instead.
    static func componentTable(_ components: [ComponentSnapshot], _ input: Input) -> String {
        var out = "<section><h2>Components</h2><table class=\"cs\"><thead><tr><th>component<th>status<th>24h<th>30d<th>last 90 days<th>last checks<th>latency</tr></thead>"
        let grouped = components.contains { !$0.spec.groups.isEmpty }
        for (group, members) in groups(components, only: input.page?.groups) {
            out += "<tbody>"
            if grouped { out += groupRow(group, members, components) }
            for i in members { row(components[i], input, into: &out) }
            out += "</tbody>"
        }
        return out + "</table></section>"
    }

    /// A group's heading row: its name and how many of its members are in each status.
    static func groupRow(_ group: String?, _ members: [Int], _ components: [ComponentSnapshot]) -> String {
        var counts = StatusCounts()
        for i in members { counts[components[i].status] += 1 }
        var tally: [String] = []
        for s in [HealthStatus.healthy, .degraded, .unhealthy, .unknown] where counts[s] > 0 {
            tally.append(HTML.symbol(s) + " \(counts[s]) " + s.rawValue)
        }
        let title = group.map { "Group " + HTML.text($0) } ?? "Other components"
        return "<tr class=\"g\"><th colspan=\"7\" scope=\"rowgroup\">" + title + " <small>" + tally.joined(separator: " · ") + "</small></th></tr>"
    }

    static func row(_ c: ComponentSnapshot, _ input: Input, into out: inout String) {
        let h = input.history
        let hours = h.hours[c.name] ?? []
        let day = UptimeReport(rollups: hours, in: RollupWindow(.seconds(86_400), now: input.now))
        let month = UptimeReport(rollups: h.days[c.name] ?? [], in: RollupWindow(.seconds(30 * 86_400), now: input.now))
        out += "<tr><td>" + link(c, input.base) + (c.spec.critical ? "" : "<br><small>non-critical</small>")
        out += "<td class=\"st " + HTML.cls(c.status) + "\">" + HTML.symbol(c.status) + " " + c.status.rawValue + "<br><small>for "
            + HTML.span(input.now.timeIntervalSince(c.since)) + "</small>"
        let first = firstKnown(h.days[c.name] ?? [], now: input.now)
        out += "<td>" + uptimeCell(day, from: input.now.addingTimeInterval(-86_400), first: first, now: input.now)
        out += "<td>" + uptimeCell(month, from: input.now.addingTimeInterval(-30 * 86_400), first: first, now: input.now)
        out += "<td>" + SVG.dayStrip(SVG.days(h.days[c.name] ?? [], incidents: h.incidents[c.name] ?? [:], now: input.now))
        out += "<td>" + SVG.checkStrip(c.history, details: input.audience.showsDetails)
        out += "<td>" + sparkline(c, hours: hours)
        out += "</tr>"
    }

    /// `99.93%` over `cov 100%`: the figure never goes without how much of the window it
    /// knows. When what is known began inside the window (a fresh install, a new component),
    /// it says since when instead: `cov 0.4%` on every row of a new page is noise, not news.
    static func uptimeCell(_ r: UptimeReport, from: Date, first: Date?, now: Date) -> String {
        guard let u = r.uptime else { return "–<br><small>no data yet</small>" }
        if let first, first > from.addingTimeInterval(60) {
            return HTML.percent(u) + "<br><small title=\"since " + HTML.time(first) + "\">since " + HTML.short(first, now: now) + "</small>"
        }
        return HTML.percent(u) + "<br><small>cov " + HTML.percent(r.coverage) + "</small>"
    }

    /// When the component's known history began, from its oldest daily roll-up with known time
    /// (its known seconds counted back from the end of that day, or from now for today).
    static func firstKnown(_ days: [Rollup], now: Date) -> Date? {
        guard let r = days.first(where: { $0.healthy + $0.degraded + $0.unhealthy > 0 }) else { return nil }
        let end = min(r.start.addingTimeInterval(86_400), now)
        return max(r.start, end.addingTimeInterval(-(r.healthy + r.degraded + r.unhealthy)))
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

    static func link(_ c: ComponentSnapshot, _ base: String) -> String {
        "<a href=\"" + HTML.escape(base) + "components/" + HTML.escape(c.name) + "\">" + HTML.text(c.name) + "</a>"
    }
}

extension UptimeReport {
    /// Uptime and coverage over a window from those of `rollups` in it (the buckets are not kept).
    init(rollups: [Rollup], in window: RollupWindow) {
        let (u, coverage) = window.uptime(rollups.filter { $0.start >= window.from && $0.start < window.to })
        self.init(uptime: u, coverage: coverage, buckets: [])
    }
}
