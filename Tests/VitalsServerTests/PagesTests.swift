import Foundation
import Synchronization
import Testing
import VitalsConfig
import VitalsCore
@testable import VitalsServer

/// The status page and the component pages as plain functions and through the routes: what a
/// person reads on them, what a public page hides, that hostile text stays text, and that a
/// thousand components stay under a megabyte.
struct PagesTests {
    static let now = Date(timeIntervalSince1970: 1_795_003_600)
    /// Quotes, markup and a script in every piece of text that comes from a config or a dependency.
    static let hostile = "<script>alert('x')</script>\"><img src=x onerror=alert(1)>&amp;"

    static func component(
        _ name: String, _ status: HealthStatus, groups: [String] = [], message: String = "ok", critical: Bool = true, history: [HistoryEntry] = []
    ) -> ComponentSnapshot {
        var spec = ComponentSpec(name: name, critical: critical, groups: groups, probe: .memory(MemorySettings()))
        spec.thresholds["latency"] = Threshold(degraded: 0.1, unhealthy: 1, unit: .seconds)
        let result = ProbeResult(
            success: status != .unhealthy, latency: .milliseconds(3), message: message,
            observations: [Observation("server_version", text: "15.2 " + hostile), Observation("used_percent", 42, unit: "percent")])
        return ComponentSnapshot(
            spec: spec, status: status, since: now.addingTimeInterval(-3 * 3600 - 720), lastCheck: now.addingTimeInterval(-2), lastResult: result,
            lastJudgement: status, history: history)
    }

    static func snapshot(_ components: [ComponentSnapshot]) -> HealthSnapshot {
        var counts = StatusCounts()
        for c in components { counts[c.status] += 1 }
        let members = components.map { Aggregation.Member(name: $0.name, critical: $0.spec.critical, status: $0.status) }
        return HealthSnapshot(
            components: components, status: Aggregation.serviceStatus(members, startupComplete: true), startupComplete: true, draining: false,
            counts: counts, startedAt: now.addingTimeInterval(-86_400), generatedAt: now, generation: 1)
    }

    static func page(_ s: HealthSnapshot, _ audience: PageAudience = .full, history: StatusHistory = StatusHistory(), alerts: [FiringAlert] = []) -> String {
        StatusPage.render(.init(snapshot: s, history: history, alerts: alerts, audience: audience, now: now)).body
    }

    /// The text a person reads, tags dropped (entities kept, as they are not markup).
    static func text(_ html: String) -> String {
        html.replacingOccurrences(of: "<[^>]*>", with: " ", options: .regularExpression)
    }

    @Test func bannerIncidentsAndGroupsSayTheStateInWords() {
        let s = Self.snapshot([
            Self.component("orders-db", .unhealthy, groups: ["core"], message: "connection refused"),
            Self.component("cache", .degraded, groups: ["core"], message: "latency 120ms above degraded 100ms", critical: false),
            Self.component("queue", .healthy, groups: ["core", "async"]),
            Self.component("disk", .healthy),
        ])
        let html = Self.page(s)
        let text = Self.text(html)
        #expect(text.contains("✗ Partial outage"))
        #expect(text.contains("1 unhealthy, 1 degraded, 2 of 4 healthy"))
        // Incidents first, the worst first, each with since, for how long and why.
        let incidents = try! #require(html.range(of: "Current incidents"))
        let db = try! #require(html.range(of: "orders-db</bdi></a> since"))
        let cache = try! #require(html.range(of: "cache</bdi></a> <small>(non-critical)</small> since"))
        #expect(incidents.upperBound < db.lowerBound && db.upperBound < cache.lowerBound)
        #expect(text.contains("(for 3h 12m) :  connection refused"))
        // Groups in config order, a member of two groups in both, the ungrouped last.
        let core = try! #require(html.range(of: "Group <bdi>core</bdi>"))
        let async = try! #require(html.range(of: "Group <bdi>async</bdi>"))
        let other = try! #require(html.range(of: "Other components"))
        #expect(core.upperBound < async.lowerBound && async.upperBound < other.lowerBound)
        #expect(html.contains("<span class=\"st u\">✗ unhealthy</span>") && html.contains("<span class=\"st d\">! degraded</span>"))
        #expect(html.contains("<a href=\"components/orders-db\"><bdi>orders-db</bdi></a>"))
        // No script, a meta refresh, the nonce of the one stylesheet in the policy.
        #expect(!html.contains("<script"))
        #expect(html.contains("<meta http-equiv=\"refresh\" content=\"30\">"))
        let rendered = StatusPage.render(.init(snapshot: s, history: StatusHistory(), audience: .full, now: Self.now))
        let nonce = try! #require(rendered.body.firstMatch(of: /<style nonce="([^"]+)">/)?.1)
        #expect(rendered.policy?.contains("style-src 'nonce-\(nonce)'") == true)
        #expect(rendered.policy?.hasPrefix("default-src 'none'") == true)
        #expect(!(rendered.policy?.contains("script-src") ?? true), "scripts fall under default-src 'none'")
    }

    @Test func everythingHealthyReadsSo() {
        let html = Self.page(Self.snapshot([Self.component("a", .healthy), Self.component("b", .healthy)]))
        #expect(Self.text(html).contains("✓ Operational"))
        #expect(html.contains("None: every component is healthy."))
    }

    /// Names, messages and observations come from configs and dependencies: they stay text.
    @Test func hostileTextIsEscapedEverywhere() {
        let entries = (0..<5).map { HistoryEntry(at: Self.now.addingTimeInterval(Double($0 - 5)), judgement: .unhealthy, latency: .milliseconds(2), message: Self.hostile) }
        var c = Self.component("db", .unhealthy, groups: [Self.hostile], message: Self.hostile, history: entries)
        c.spec.name = "db\"'<b>"
        let s = Self.snapshot([c])
        let transition = StatusTransition(at: Self.now.addingTimeInterval(-60), from: .healthy, to: .unhealthy, message: Self.hostile)
        let alert = FiringAlert(alert: Self.hostile, subject: Self.hostile, severity: Self.hostile, since: Self.now, acknowledgedBy: Self.hostile)
        let pages = [
            Self.page(s, alerts: [alert]),
            StatusPage.render(.init(
                snapshot: s, history: StatusHistory(), maintenance: [MaintenanceNotice(components: [Self.hostile], start: Self.now, end: Self.now, active: true, schedule: Self.hostile)],
                audience: .full, now: Self.now)).body,
            ComponentPage.render(.init(component: c, uptime: [], transitions: [transition], results: entries, audience: .full, now: Self.now)).body,
        ]
        for html in pages {
            #expect(!html.contains("<script"), "markup from a message got through")
            #expect(!html.contains("<img"))
            #expect(!html.contains("onerror=alert(1)>"))
            #expect(!html.contains("db\"'<b>"), "a quote closed an attribute")
            #expect(html.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&quot;&gt;&lt;img"))
            #expect(html.contains("&amp;amp;"))
        }
        #expect(pages[2].contains("db&quot;&#39;&lt;b&gt;"))
    }

    /// `public_status` without the token: statuses and uptime, never a message or observation.
    @Test func thePublicViewShowsNoMessageOrObservation() {
        let secret = "password authentication failed for user app at 10.0.0.7"
        let entries = (0..<3).map { HistoryEntry(at: Self.now.addingTimeInterval(Double(-$0)), judgement: .unhealthy, latency: .milliseconds(2), message: secret) }
        let c = Self.component("orders-db", .unhealthy, message: secret, history: entries)
        let transition = StatusTransition(at: Self.now.addingTimeInterval(-60), from: .healthy, to: .unhealthy, message: secret)
        let alert = FiringAlert(alert: "db-down", subject: "orders-db", severity: "critical", since: Self.now)
        let status = Self.page(Self.snapshot([c]), .publicView, alerts: [alert])
        let component = ComponentPage.render(.init(
            component: c, uptime: [("24h", UptimeReport(uptime: 0.5, coverage: 1, buckets: []))], transitions: [transition], results: entries,
            audience: .publicView, now: Self.now)).body
        for html in [status, component] {
            #expect(!html.contains("password authentication"), "a message on the public page")
            #expect(!html.contains("15.2"), "an observation on the public page")
            #expect(html.contains("✗ unhealthy"))
        }
        #expect(!status.contains("db-down"), "alerts are not for the public page")
        #expect(component.contains("50.0%"))
        // With the token the same pages say why.
        #expect(Self.page(Self.snapshot([c]), .full).contains("password authentication"))
    }

    /// Each day of the strip says its date, uptime and incidents; a run of clean days is one
    /// cell that names its first and last day; days without data are grey and say so.
    @Test func theDayStripSaysEachDay() {
        let first = StatusHistory.firstDay(Self.now)
        func day(_ i: Int, healthy: Double, degraded: Double = 0, unhealthy: Double = 0) -> Rollup {
            Rollup(start: first.addingTimeInterval(Double(i) * 86_400), healthy: healthy, degraded: degraded, unhealthy: unhealthy,
                   results: 10, failures: 0, latencyMin: 0.001, latencySum: 0.01, latencyMax: 0.002)
        }
        var rollups = (60..<89).map { day($0, healthy: 86_400) }
        rollups[10] = day(70, healthy: 86_400 - 3600, unhealthy: 3600)  // 95.8%: red
        rollups[20] = day(80, healthy: 86_400 - 60, unhealthy: 60)  // 99.93%: amber
        let today = Incidents.day(Self.now)
        rollups.append(Rollup(start: Date(timeIntervalSince1970: Double(today) * 86_400), healthy: 3600, degraded: 0, unhealthy: 0, results: 1, failures: 0, latencyMin: nil, latencySum: 0, latencyMax: nil))
        let incidents = [Incidents.day(first) + 70: 2, Incidents.day(first) + 80: 1]
        let days = SVG.days(rollups, incidents: incidents, now: Self.now)
        #expect(days.count == 90)
        let strip = SVG.dayStrip(days)
        let first60 = HTML.day(first) + "–" + HTML.day(first.addingTimeInterval(59 * 86_400)) + ": no data"
        #expect(strip.contains("<rect width=\"180\" class=\"n\"><title>" + first60 + "</title>"))
        let red = HTML.day(first.addingTimeInterval(70 * 86_400)) + ": 95.8% up, 2 incidents"
        #expect(strip.contains("class=\"u\"><title>" + red + "</title>"), "\(strip)")
        let amber = HTML.day(first.addingTimeInterval(80 * 86_400)) + ": 99.93% up, 1 incident"
        #expect(strip.contains("class=\"d\"><title>" + amber + "</title>"))
        #expect(strip.contains("<rect x=\"180\" width=\"30\"><title>"), "green is the default")
        #expect(HTML.day(Date(timeIntervalSince1970: 1_795_003_600)) == "Nov 18")
        // Today counts against the part of the day that has passed.
        #expect(days.last?.coverage == min(1, 3600 / Self.now.timeIntervalSince(Date(timeIntervalSince1970: Double(today) * 86_400))))
    }

    /// Figures as people read them: nines kept apart (never rounded up to 100%), latency with a
    /// precision that suits its size.
    @Test func figures() {
        #expect(HTML.percent(0.99999) == "99.99%" && HTML.percent(0.99934) == "99.93%" && HTML.percent(1) == "100%")
        #expect(HTML.percent(0.875) == "87.5%" && HTML.percent(0) == "0.0%" && HTML.percent(nil) == "–")
        #expect(HTML.latency(0.00042) == "0.42 ms" && HTML.latency(0.0031) == "3.1 ms" && HTML.latency(0.1204) == "120 ms")
        #expect(HTML.latency(2.34) == "2.3 s" && HTML.latency(0.000004) == "0.00 ms")
        #expect(HTML.fixed(2.05, 0) == "2" && HTML.fixed(-1.25, 1) == "-1.3" && HTML.fixed(7, 3) == "7.000")
        #expect(HTML.span(45) == "45s" && HTML.span(720) == "12m" && HTML.span(3 * 3600 + 720) == "3h 12m" && HTML.span(2 * 86_400 + 4 * 3600) == "2d 4h")
    }

    @Test func theChecksStripMergesRunsAndTitlesThem() {
        let entries = (0..<10).map { i in
            HistoryEntry(at: Self.now.addingTimeInterval(Double(i - 10)), judgement: i == 7 ? .unhealthy : .healthy, latency: .milliseconds(2), message: "refused \(i)")
        }
        let strip = SVG.checkStrip(entries, details: true)
        // Sixty slots of three units, the newest ten on the right.
        #expect(strip.contains("viewBox=\"0 0 180 16\""))
        #expect(strip.contains("<rect x=\"150\" width=\"21\"><title>") && strip.contains(" UTC: 7 checks healthy, avg 2.0 ms"))
        #expect(strip.contains("<rect x=\"171\" width=\"3\" class=\"u\"><title>") && strip.contains(": unhealthy, 2.0 ms: refused 7</title>"))
        #expect(!SVG.checkStrip(entries, details: false).contains("refused"))
    }

    /// A thousand components with three months of mostly clean history and a few incidents:
    /// under a megabyte (spec: the page stays usable at 1,000 components).
    @Test func aThousandComponentsStayUnderAMegabyte() {
        let first = StatusHistory.firstDay(Self.now)
        var history = StatusHistory()
        var components: [ComponentSnapshot] = []
        for i in 0..<1_000 {
            let name = "service-\(i)-api"
            let entries = (0..<120).map { (k: Int) -> HistoryEntry in
                let judgement: HealthStatus = k == 60 && i % 10 == 0 ? .unhealthy : .healthy
                let at = Self.now.addingTimeInterval(Double(k - 120) * 10)
                return HistoryEntry(at: at, judgement: judgement, latency: .microseconds(Int64(3000 + k * 7)), message: "ok")
            }
            components.append(Self.component(name, i % 50 == 0 ? .degraded : .healthy, groups: ["team-\(i % 8)"], history: entries))
            history.days[name] = (0..<90).map { (d: Int) -> Rollup in
                let bad = d == i % 90
                return Rollup(
                    start: first.addingTimeInterval(Double(d) * 86_400), healthy: bad ? 86_000 : 86_400, degraded: 0, unhealthy: bad ? 400 : 0,
                    results: 8640, failures: bad ? 40 : 0, latencyMin: 0.001, latencySum: 8640 * 0.003, latencyMax: 0.01)
            }
            history.incidents[name] = [Incidents.day(first) + i % 90: 1]
            history.hours[name] = (0..<24).map { (h: Int) -> Rollup in
                let avg = 0.003 + Double(h % 5) * 0.0004
                return Rollup(
                    start: Self.now.addingTimeInterval(Double(h - 24) * 3600), healthy: 3600, degraded: 0, unhealthy: 0, results: 360, failures: 0,
                    latencyMin: 0.001, latencySum: 360 * avg, latencyMax: 0.01)
            }
        }
        let html = Self.page(Self.snapshot(components), history: history)
        print("status page for 1,000 components: \(html.utf8.count) bytes")
        #expect(html.utf8.count < 1_000_000, "\(html.utf8.count) bytes")
        #expect(html.components(separatedBy: "<tr><td>").count - 1 == 1_000)
    }

    @Test func theComponentPageDrawsLatencyWithItsThresholds() {
        let c = Self.component("orders-db", .healthy)
        let hourly = (0..<24).map { h in
            Rollup(start: Self.now.addingTimeInterval(Double(h - 24) * 3600), healthy: 3600, degraded: 0, unhealthy: 0, results: 360, failures: 0,
                   latencyMin: 0.002, latencySum: 360 * 0.05, latencyMax: 0.09)
        }
        let windows = [("1h", UptimeReport(uptime: 1, coverage: 1, buckets: [])), ("24h", UptimeReport(uptime: 0.9993, coverage: 0.98, buckets: hourly))]
        let transitions = [
            StatusTransition(at: Self.now.addingTimeInterval(-600), from: .unhealthy, to: .healthy, message: "ok"),
            StatusTransition(at: Self.now.addingTimeInterval(-1800), from: .healthy, to: .unhealthy, message: "refused"),
        ]
        let html = ComponentPage.render(.init(component: c, uptime: windows, transitions: transitions, results: [], audience: .full, now: Self.now)).body
        let text = Self.text(html)
        #expect(html.contains("<polyline class=\"avg\""))
        #expect(html.contains("<line class=\"td\"") && text.contains("degraded 100 ms"))
        #expect(!html.contains("class=\"tu\""), "1 s is far above 90 ms of data: not drawn")
        #expect(text.contains("99.93%") && text.contains("98.0%"))
        // Each change lasted until the next one; the newest until now.
        #expect(text.contains("10m so far") && text.contains("20m"))
        #expect(text.contains("7d :") == false && text.contains("no latency measured in this period"))
        #expect(text.contains("above 100 ms") && text.contains("above 1.0 s"))
    }

    // MARK: Through the routes

    static func routes(_ s: HealthSnapshot, token: String?, publicStatus: Bool) -> HealthRoutes {
        let readiness = ReadinessView(ready: true, status: s.status, startupComplete: true, draining: false, checks: [])
        return HealthRoutes(source: FakeHealthSource(snapshot: s, readiness: readiness), token: token.map { Secret($0) }, publicStatus: publicStatus)
    }

    @Test func publicStatusOpensThePagesAndBadgesOnly() async {
        let s = Self.snapshot([Self.component("orders-db", .unhealthy, message: "refused by 10.0.0.7")])
        let closed = Self.routes(s, token: "t0k", publicStatus: false)
        for path in ["/", "/components/orders-db", "/components/nope", "/badge/orders-db/status.svg"] {
            #expect(await closed.answerSlowly(HealthRequest(uri: path)).status.code == 401, "\(path)")
        }
        let open = Self.routes(s, token: "t0k", publicStatus: true)
        let page = await open.answerSlowly(HealthRequest(uri: "/"))
        #expect(page.status.code == 200)
        #expect(page.headers.first(name: "content-type") == "text/html; charset=utf-8")
        #expect(page.headers.first(name: "cache-control") == "no-store")
        #expect(page.headers.first(name: "content-security-policy")?.contains("default-src 'none'") == true)
        #expect(!page.bodyString.contains("10.0.0.7"))
        let authorized = await open.answerSlowly(HealthRequest(uri: "/", authorization: "Bearer t0k"))
        #expect(authorized.bodyString.contains("refused by 10.0.0.7"))
        #expect(await open.answerSlowly(HealthRequest(uri: "/components/orders-db")).status.code == 200)
        #expect(await open.answerSlowly(HealthRequest(uri: "/components/nope")).status.code == 404)
        #expect(await open.answerSlowly(HealthRequest(uri: "/components/a/b")).status.code == 404)
        #expect(await open.answerSlowly(HealthRequest(uri: "/badge/orders-db/status.svg")).status.code != 401)
        #expect(await open.answerSlowly(HealthRequest(method: "POST", uri: "/")).status.code == 405)
        // Everything else still needs it.
        for path in ["/health/detailed", "/metrics", "/api/v1/components", "/alerts", "/api/v1/components/orders-db"] {
            #expect(await open.answerSlowly(HealthRequest(uri: path)).status.code == 401, "\(path)")
        }
        #expect(open.rendersSlowly(HealthRequest(uri: "/")) && open.rendersSlowly(HealthRequest(uri: "/components/orders-db")))
        // A reload closes them again.
        open.setPublicStatus(false)
        #expect(await open.answerSlowly(HealthRequest(uri: "/")).status.code == 401)
        // No token at all and public: the public view (the operator said the page is public).
        let noToken = Self.routes(s, token: nil, publicStatus: true)
        #expect(!(await noToken.answerSlowly(HealthRequest(uri: "/")).bodyString.contains("10.0.0.7")))
        #expect(await Self.routes(s, token: nil, publicStatus: false).answerSlowly(HealthRequest(uri: "/")).bodyString.contains("10.0.0.7"))
    }

    @Test func firingAlertsAreReadFromTheAlertsBody() {
        let json = """
            {"alerts":[{"alert":"db-down","subject":"orders-db","state":"firing","severity":"critical","started_at":"2026-11-22T10:00:00Z",
              "acknowledged":{"by":"ana","at":"2026-11-22T10:05:00Z","comment":"on it"}},
             {"alert":"slow","subject":"service","state":"pending","severity":"warning"}]}
            """
        let alerts = FiringAlert.parse(json)
        #expect(alerts == [FiringAlert(alert: "db-down", subject: "orders-db", severity: "critical", since: RFC3339.date("2026-11-22T10:00:00Z"), acknowledgedBy: "ana", acknowledgedAt: RFC3339.date("2026-11-22T10:05:00Z"))])
        #expect(FiringAlert.parse("not json").isEmpty)
        let html = Self.page(Self.snapshot([Self.component("orders-db", .unhealthy)]), alerts: alerts)
        #expect(html.contains("<b><bdi>db-down</bdi></b> on <bdi>orders-db</bdi>"))
        #expect(html.contains("acknowledged by <bdi>ana</bdi> at 2026-11-22 10:05:00 UTC"))
    }

    /// A right-to-left override (U+202E) in a name, a group, a message, an observation or an
    /// alert stays inside its own `<bdi>`: it reorders only itself, never the page's words
    /// around it. (A `<title>` is plain text, where no markup can isolate, and is left out.)
    @Test func probeTextIsBidiIsolated() {
        let rlo = "\u{202E}"
        let entries = [HistoryEntry(at: Self.now.addingTimeInterval(-5), judgement: .unhealthy, latency: .milliseconds(2), message: rlo + "refused")]
        var c = Self.component("db", .unhealthy, groups: [rlo + "core"], message: rlo + "refused", history: entries)
        c.spec.name = rlo + "db"
        c.lastResult = ProbeResult(
            success: false, latency: .milliseconds(3), message: rlo + "refused", observations: [Observation(rlo + "version", text: rlo + "15.2")])
        let s = Self.snapshot([c])
        let transition = StatusTransition(at: Self.now.addingTimeInterval(-60), from: .healthy, to: .unhealthy, message: rlo + "refused")
        let alert = FiringAlert(alert: rlo + "DbDown", subject: rlo + "db", severity: "page", since: Self.now, acknowledgedBy: rlo + "alice")
        let pages = [
            Self.page(s, alerts: [alert]),
            StatusPage.render(.init(
                snapshot: s, history: StatusHistory(),
                maintenance: [MaintenanceNotice(components: [rlo + "db"], start: Self.now, end: Self.now, active: true, schedule: "daily")],
                audience: .full, now: Self.now)).body,
            ComponentPage.render(.init(component: c, uptime: [], transitions: [transition], results: entries, audience: .full, now: Self.now)).body,
        ]
        for html in pages {
            let body = html.replacingOccurrences(of: "<title>[^<]*</title>", with: "", options: .regularExpression)
            var depth = 0, isolated = 0, loose: [String] = []
            var rest = Substring(body)
            while let first = rest.first {
                if rest.hasPrefix("<bdi>") {
                    depth += 1
                } else if rest.hasPrefix("</bdi>") {
                    depth -= 1
                }
                if first == "<", let end = rest.firstIndex(of: ">") {
                    // A tag: an attribute value (an href) is not read as text.
                    rest = rest[rest.index(after: end)...]
                    continue
                }
                if first.unicodeScalars.contains("\u{202E}") {
                    if depth > 0 { isolated += 1 } else { loose.append(String(rest.prefix(40))) }
                }
                rest = rest.dropFirst()
            }
            #expect(loose.isEmpty, "text outside <bdi>: \(loose)")
            #expect(isolated >= 3)
            #expect(depth == 0)
        }
    }
}

/// The status page's history cache: read once, answered from memory for 30 s, then refreshed
/// in the background while the cached one is answered; past two minutes, or for other
/// components (a reload), a request waits for a fresh read.
struct PageHistoryCacheTests {
    final class Reads: Sendable {
        let count = Mutex(0)
        func read(_ names: [String], _ now: Date) async -> StatusHistory {
            let n = count.withLock { $0 += 1; return $0 }
            return StatusHistory(incidents: [names[0]: [0: n]])
        }
    }

    @Test func readsAtMostEveryThirtySeconds() async {
        let cache = PageHistoryCache()
        let reads = Reads()
        let t0 = Date(timeIntervalSince1970: 1_800_000_000)
        func get(_ seconds: Double, _ names: [String] = ["a"]) async -> Int? {
            await cache.history(components: names, now: t0.addingTimeInterval(seconds), read: reads.read).incidents[names[0]]?[0]
        }
        #expect(await get(0) == 1)
        #expect(await get(29) == 1)
        #expect(reads.count.withLock { $0 } == 1)
        // Stale: the cached answer now, a read in the background for the next request.
        #expect(await get(31) == 1)
        await cache.settle()
        #expect(reads.count.withLock { $0 } == 2)
        #expect(await get(32) == 2)
        // Too old: the request waits for a fresh read.
        #expect(await get(31 + 121) == 3)
        // Other components: a fresh read at once.
        #expect(await get(31 + 122, ["b"]) == 4)
        await cache.settle()
    }

    /// Storage that did not answer: the page gets the note, and the next request reads again
    /// rather than being answered "unavailable" from the cache for 30 s.
    @Test func anUnavailableReadIsShownButNotKept() async {
        let cache = PageHistoryCache()
        let reads = Mutex(0)
        let t0 = Date(timeIntervalSince1970: 1_800_000_000)
        let read: PageHistoryCache.Read = { _, _ in
            let n = reads.withLock { $0 += 1; return $0 }
            return n == 1 ? StatusHistory(unavailable: "postgres storage did not answer within 5 s") : StatusHistory(incidents: ["a": [0: n]])
        }
        let first = await cache.history(components: ["a"], now: t0, read: read)
        #expect(first.unavailable == "postgres storage did not answer within 5 s")
        let second = await cache.history(components: ["a"], now: t0.addingTimeInterval(1), read: read)
        #expect(second.unavailable == nil && second.incidents["a"]?[0] == 2)
        let html = StatusPage.render(.init(snapshot: PagesTests.snapshot([]), history: first, audience: .publicView, now: t0)).body
        #expect(html.contains("History is unavailable") && !html.contains("postgres storage"), "the reason only with the token")
    }
}
