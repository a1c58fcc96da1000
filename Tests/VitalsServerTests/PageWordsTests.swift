import Foundation
import Testing
import VitalsConfig
import VitalsCore
@testable import VitalsServer

/// What the page says in words and units: the states hosted status pages use, values in the
/// units people read, no coverage noise on a fresh install, every chart point inside its chart.
struct PageWordsTests {
    static let now = PagesTests.now

    static func member(_ status: HealthStatus, critical: Bool = true, maintenance: Bool = false) -> PageState.Member {
        PageState.Member(critical: critical, status: status, inMaintenance: maintenance)
    }

    @Test func theStatesAreTheWordsOfHostedStatusPages() {
        #expect(PageState.of([Self.member(.unknown), Self.member(.unhealthy)], startupComplete: false) == .checking)
        #expect(PageState.of([Self.member(.healthy), Self.member(.healthy)], startupComplete: true) == .operational)
        #expect(PageState.of([Self.member(.healthy), Self.member(.degraded)], startupComplete: true) == .degraded)
        // A non-critical component down degrades; it is no outage.
        #expect(PageState.of([Self.member(.healthy), Self.member(.unhealthy, critical: false)], startupComplete: true) == .degraded)
        // One critical component of several down: partial; all of them: major.
        #expect(PageState.of([Self.member(.healthy), Self.member(.unhealthy)], startupComplete: true) == .partialOutage)
        #expect(PageState.of([Self.member(.unhealthy), Self.member(.unhealthy), Self.member(.healthy, critical: false)], startupComplete: true) == .majorOutage)
        // Failures under maintenance are expected; an outage elsewhere still shows.
        #expect(PageState.of([Self.member(.healthy), Self.member(.unhealthy, maintenance: true)], startupComplete: true) == .maintenance)
        #expect(PageState.of([Self.member(.unhealthy), Self.member(.unhealthy, maintenance: true)], startupComplete: true) == .majorOutage)
        #expect(PageState.maintenance.words == "Under maintenance" && PageState.checking.words == "Checking…")
    }

    @Test func duringStartupThePageSaysCheckingNotOutage() {
        var s = PagesTests.snapshot([PagesTests.component("a", .unknown), PagesTests.component("b", .healthy)])
        s.startupComplete = false
        let text = PagesTests.text(StatusPage.render(.init(snapshot: s, history: StatusHistory(), audience: .full, now: Self.now)).body)
        #expect(text.contains("Checking…"))
        #expect(!text.contains("outage"))
        #expect(text.contains("1 not checked yet"))
        #expect(text.contains("the first checks are still running"))
    }

    @Test func oneCriticalComponentDownIsAPartialOutage() {
        let s = PagesTests.snapshot([PagesTests.component("a", .unhealthy), PagesTests.component("b", .healthy)])
        let text = PagesTests.text(PagesTests.page(s))
        #expect(text.contains("✗ Partial outage"))
        let maintained = StatusPage.render(.init(
            snapshot: s, history: StatusHistory(),
            maintenance: [MaintenanceNotice(components: ["a"], start: Self.now, end: Self.now.addingTimeInterval(60), active: true, schedule: "now for 1m")],
            audience: .full, now: Self.now)).body
        #expect(PagesTests.text(maintained).contains("Under maintenance"))
    }

    @Test func valuesAreInTheUnitsPeopleRead() {
        #expect(HTML.seconds(863_953) == "9d 23h")
        #expect(HTML.seconds(1_209_600) == "14d")
        #expect(HTML.seconds(0.0031) == "3.1 ms")
        #expect(HTML.seconds(-172_800) == "-2d")
        #expect(HTML.quantity("cert_expiry_timestamp", 1_795_003_600, unit: "seconds") == "2026-11-18 12:06:40 UTC")
        #expect(HTML.quantity("free_bytes", 3 * 1_073_741_824, unit: "bytes") == "3.0 GiB")
        #expect(HTML.quantity("used_percent", 42.5, unit: "percent") == "42.5%")

        var c = PagesTests.component("site", .healthy)
        c.spec.thresholds["cert_expiry"] = Threshold(degraded: 1_209_600, unhealthy: 259_200, direction: .lowerIsWorse, unit: .seconds)
        c.lastResult?.observations = [
            Observation("cert_expiry", 863_953, unit: "seconds"), Observation("cert_expiry_timestamp", 1_795_867_553, unit: "seconds"),
        ]
        let html = ComponentPage.render(.init(component: c, uptime: [], transitions: [], results: [], audience: .full, now: Self.now)).body
        #expect(html.contains("below 14d") && html.contains("below 3d"))
        #expect(html.contains("<bdi>9d 23h</bdi>"))
        #expect(html.contains("<bdi>2026-11-28 12:05:53 UTC</bdi>"))
        #expect(!html.contains("863953") && !html.contains("1209600") && !html.contains("seconds"))
    }

    /// A fresh install knows an hour of a 30-day window: the row says since when, not `cov 0.1%`.
    @Test func aFreshInstallSaysSinceWhenNotCoverage() {
        let start = Self.now.addingTimeInterval(-3600)
        let today = Rollup(
            start: Date(timeIntervalSince1970: (Self.now.timeIntervalSince1970 / 86_400).rounded(.down) * 86_400),
            healthy: 3600, degraded: 0, unhealthy: 0, results: 360, failures: 0, latencyMin: 0.001, latencySum: 0.36, latencyMax: 0.001)
        let hour = Rollup(start: start, healthy: 3600, degraded: 0, unhealthy: 0, results: 360, failures: 0, latencyMin: 0.001, latencySum: 0.36, latencyMax: 0.001)
        let history = StatusHistory(days: ["a": [today]], hours: ["a": [hour]])
        let html = PagesTests.page(PagesTests.snapshot([PagesTests.component("a", .healthy)]), history: history)
        #expect(!html.contains("cov "), "coverage noise on a fresh install")
        #expect(html.contains(">since 11:06</small>"))
        // Nothing known yet: a dash and why, not 0%.
        let empty = PagesTests.page(PagesTests.snapshot([PagesTests.component("b", .healthy)]))
        #expect(empty.contains("no data yet") && !empty.contains("cov 0.0%"))
    }

    /// The current hour's bucket has not ended: its point is drawn inside the chart, not at x=901.
    @Test func everyChartPointIsInsideTheChart() throws {
        let hourStart = Date(timeIntervalSince1970: (Self.now.timeIntervalSince1970 / 3600).rounded(.down) * 3600 + 0)
        let buckets = (0..<26).map { h in
            Rollup(
                start: hourStart.addingTimeInterval(Double(h - 25) * 3600), healthy: 3600, degraded: 0, unhealthy: 0, results: 10, failures: 0,
                latencyMin: 0.001, latencySum: 0.02, latencyMax: 0.003)
        }
        // `now` 10 minutes into its hour, so the newest bucket's middle lies 20 minutes ahead.
        let now = hourStart.addingTimeInterval(600)
        let c = PagesTests.component("a", .healthy)
        let windows = [("24h", UptimeReport(uptime: 1, coverage: 1, buckets: buckets))]
        let html = ComponentPage.render(.init(component: c, uptime: windows, transitions: [], results: [], audience: .full, now: now)).body
        let chart = try #require(html.firstMatch(of: /<svg class="chart"[^>]*>.*?<\/svg>/)).output
        var xs: [Double] = []
        for m in chart.matches(of: /points="([^"]*)"/) {
            for pair in m.1.split(separator: " ") { xs.append(Double(pair.split(separator: ",")[0])!) }
        }
        #expect(xs.count > 40)
        #expect(xs.allSatisfy { $0 >= 56 && $0 <= 892 }, "a point outside the plot: \(xs.filter { $0 < 56 || $0 > 892 })")
        // The newest hour's point: the middle of its 10 elapsed minutes, 5 minutes left of now.
        #expect(xs.max() == 889.1, "the newest point is not where the current hour's middle lies")
        #expect(ComponentPage.bucketMiddle(hourStart, period: 3600, from: now.addingTimeInterval(-86_400), to: now) == hourStart.addingTimeInterval(300))
    }
}

/// `status_pages:` through the routes: each page at `/status/SLUG`, the first at `/`, what it
/// shows, its logo, and a public page opening only itself and what it shows.
struct StatusPagesRoutesTests {
    static let svg = "<svg xmlns=\"http://www.w3.org/2000/svg\"><rect width=\"4\" height=\"4\"/></svg>"

    static func routes(token: String? = "t0k") -> HealthRoutes {
        let s = PagesTests.snapshot([
            PagesTests.component("web", .healthy, groups: ["checkout"], message: "secret 10.0.0.7"),
            PagesTests.component("pay", .unhealthy, groups: ["payments"], message: "refused by 10.0.0.8"),
            PagesTests.component("db", .healthy, message: "internal"),
        ])
        let pages = [
            StatusPageSpec(
                slug: "public", title: "Acme <status>", description: "Our services", logoSVG: svg,
                links: [.init(title: "Support", url: "https://acme.example/support?a=1&b=2")], groups: ["payments", "checkout"], isPublic: true),
            StatusPageSpec(slug: "internal", title: "Internal", components: ["db"]),
        ]
        let readiness = ReadinessView(ready: true, status: s.status, startupComplete: true, draining: false, checks: [])
        return HealthRoutes(source: FakeHealthSource(snapshot: s, readiness: readiness), token: token.map { Secret($0) }, pages: pages)
    }

    static func get(_ r: HealthRoutes, _ path: String, token: Bool = false) async -> HealthAnswer {
        await r.answerSlowly(HealthRequest(uri: path, authorization: token ? "Bearer t0k" : nil))
    }

    @Test func eachPageShowsWhatItNamesInItsOrder() async throws {
        let r = Self.routes()
        let page = await Self.get(r, "/status/public")
        #expect(page.status.code == 200)
        let html = page.bodyString
        #expect(html.contains("<title>Acme &lt;status&gt;: Partial outage</title>"))
        #expect(html.contains("<img class=\"logo\" src=\"public/logo.svg\" alt=\"\">"))
        #expect(html.contains("<p><bdi>Our services</bdi></p>"))
        #expect(html.contains("<a href=\"https://acme.example/support?a=1&amp;b=2\" rel=\"noopener noreferrer\"><bdi>Support</bdi></a>"))
        let payments = try #require(html.range(of: "Group <bdi>payments</bdi>"))
        let checkout = try #require(html.range(of: "Group <bdi>checkout</bdi>"))
        #expect(payments.upperBound < checkout.lowerBound, "the page's group order")
        #expect(html.contains("href=\"public/components/pay\"") && !html.contains("components/db"))
        #expect(!html.contains("10.0.0.8"), "a message on the public page without the token")
        // The first page is also `/`, its links and logo from there.
        let root = await Self.get(r, "/")
        #expect(root.status.code == 200 && root.bodyString.contains("src=\"status/public/logo.svg\"") && root.bodyString.contains("href=\"components/pay\""))
        let logo = await Self.get(r, "/status/public/logo.svg")
        #expect(logo.status.code == 200 && logo.bodyString == Self.svg)
        #expect(logo.headers.first(name: "content-type") == "image/svg+xml")
        #expect(logo.headers.first(name: "content-security-policy")?.hasPrefix("default-src 'none'") == true)
        #expect(await Self.get(r, "/status/nope", token: true).status.code == 404)
        #expect(await Self.get(r, "/status/internal/logo.svg", token: true).status.code == 404)
        // Component pages under a page: only what it shows, with the way back to it.
        let component = await Self.get(r, "/status/public/components/pay")
        #expect(component.status.code == 200 && component.bodyString.contains("<a href=\"../../public\">"))
        #expect(await Self.get(r, "/status/public/components/db", token: true).status.code == 404)
    }

    @Test func aPublicPageOpensOnlyItselfAndWhatItShows() async {
        let r = Self.routes()
        for path in ["/", "/status/public", "/status/public/logo.svg", "/status/public/components/web", "/components/pay", "/badge/pay/status.svg"] {
            #expect(await Self.get(r, path).status.code == 200, "\(path) is not open")
        }
        for path in ["/status/internal", "/status/internal/components/db", "/components/db", "/badge/db/status.svg", "/status/nope", "/api/v1/components"] {
            #expect(await Self.get(r, path).status.code == 401, "\(path) is open")
        }
        #expect(await Self.get(r, "/status/internal", token: true).bodyString.contains("<bdi>db</bdi>"))
        #expect(await Self.get(r, "/", token: true).bodyString.contains("10.0.0.8"), "with the token, the messages")
        // A reload that closes the page closes what it opened.
        r.setPages([StatusPageSpec(slug: "public", title: "Acme")])
        #expect(await Self.get(r, "/components/pay").status.code == 401)
    }
}
