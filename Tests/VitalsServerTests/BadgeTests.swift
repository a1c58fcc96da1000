import Foundation
import Testing
import VitalsConfig
import VitalsCore
@testable import VitalsServer

#if canImport(FoundationXML)
import FoundationXML
#endif

/// Badges as README readers see them: the colour steps, the figures, an SVG that parses with
/// its accessible title, shields.io's JSON, and the endpoint's 404s, token and revalidation.
struct BadgeTests {
    @Test func uptimeColoursFollowGatusSteps() {
        let expected: [(Double?, String)] = [
            (1, "#40cc11"), (0.975, "#40cc11"), (0.9749, "#94cc11"), (0.95, "#94cc11"), (0.9499, "#ccd311"), (0.90, "#ccd311"),
            (0.8999, "#ccb311"), (0.80, "#ccb311"), (0.7999, "#cc8111"), (0.65, "#cc8111"), (0.6499, "#c7130a"), (0, "#c7130a"),
            (nil, "#9f9f9f"),
        ]
        for (ratio, color) in expected { #expect(BadgeColors.uptime(ratio) == color, "\(String(describing: ratio))") }
    }

    @Test func latencyColoursFollowTheComponentsThresholdElseFixedSteps() {
        let fixed: [(Double, String)] = [
            (0.010, "#40cc11"), (0.050, "#40cc11"), (0.051, "#94cc11"), (0.200, "#94cc11"), (0.300, "#ccd311"), (0.500, "#ccb311"),
            (0.750, "#cc8111"), (0.751, "#c7130a"),
        ]
        for (seconds, color) in fixed { #expect(BadgeColors.latency(seconds, threshold: nil) == color, "\(seconds)") }
        // Judged as a result is: at a level counts as crossing it.
        let own = Threshold(degraded: 0.1, unhealthy: 1, unit: .seconds)
        #expect(BadgeColors.latency(0.099, threshold: own) == "#40cc11")
        #expect(BadgeColors.latency(0.1, threshold: own) == "#ccb311")
        #expect(BadgeColors.latency(1, threshold: own) == "#c7130a")
        // 300 ms is yellow-green on the fixed steps, but green under a 2 s degraded level.
        #expect(BadgeColors.latency(0.3, threshold: Threshold(degraded: 2, unit: .seconds)) == "#40cc11")
        #expect(BadgeColors.latency(0.3, threshold: Threshold(unit: .seconds)) == "#ccd311", "a threshold without levels sets nothing")
        #expect(BadgeColors.latency(nil, threshold: own) == "#9f9f9f")
    }

    @Test func figuresAreNeverRoundedUpToAPerfectRecord() {
        let percents: [(Double, String)] = [
            (1, "100%"), (0.99999, "99.99%"), (0.9995, "99.95%"), (0.875, "87.5%"), (0.5, "50%"), (0.0705, "7.05%"), (0, "0%"),
        ]
        for (ratio, text) in percents { #expect(Badge.percent(ratio) == text) }
        let durations: [(Double, String)] = [(0.0031, "3.1ms"), (0.0004, "0.4ms"), (0.123, "123ms"), (0.01, "10ms"), (1.25, "1.3s"), (12, "12s")]
        for (seconds, text) in durations { #expect(Badge.duration(seconds) == text) }
    }

    /// shields.io's own "build | passing" badge is 88 px wide: 37 and 51.
    @Test func widthsFollowShieldsIO() throws {
        let svg = Badge(label: "build", message: "passing", color: "#40cc11").svg()
        #expect(svg.contains(#"<svg xmlns="http://www.w3.org/2000/svg" width="88" height="20""#))
        #expect(svg.contains(##"<rect width="37" height="20" fill="#555"/><rect x="37" width="51""##))
        let short = Badge(label: "uptime 1h", message: "9%", color: "#c7130a").svg()
        let long = Badge(label: "uptime 1h", message: "99.99%", color: "#40cc11").svg()
        #expect(try width(short) < width(long))
    }

    @Test func svgParsesWithAnAccessibleTitleAndEscapedText() throws {
        let hostile = Badge(label: "a<b>&\"c'", message: "</text><script>x</script>", color: "#c7130a")
        let svg = hostile.svg()
        #expect(!svg.contains("<script>"))
        let parsed = try XMLTree(svg)
        #expect(parsed.root == "svg")
        #expect(parsed.attributes["role"] == "img")
        #expect(parsed.attributes["aria-label"] == "a<b>&\"c': </text><script>x</script>")
        #expect(parsed.title == "a<b>&\"c': </text><script>x</script>")
        #expect(parsed.texts == ["a<b>&\"c'", "a<b>&\"c'", "</text><script>x</script>", "</text><script>x</script>"])
    }

    @Test func darkTextOnBrightColours() {
        #expect(Badge(label: "l", message: "m", color: "#ccd311").svg().contains(##"fill="#333""##))
        #expect(!Badge(label: "l", message: "m", color: "#40cc11").svg().contains(##"fill="#333""##))
    }

    @Test func shieldsEndpointSchema() throws {
        let json = Badge(label: "uptime 30d", message: "99.5%", color: "#94cc11").shieldsJSON()
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        #expect(object["schemaVersion"] as? Int == 1)
        #expect(object["label"] as? String == "uptime 30d")
        #expect(object["message"] as? String == "99.5%")
        #expect(object["color"] as? String == "#94cc11")
        #expect(object.count == 4)
    }

    @Test func averageLatencyPrefersRollupsThenRecentResults() {
        let now = Date(timeIntervalSince1970: 1_000_000)
        let rollups = [
            Rollup(start: now, healthy: 3600, degraded: 0, unhealthy: 0, results: 3, failures: 0, latencyMin: 0.1, latencySum: 0.6, latencyMax: 0.3),
            Rollup(start: now, healthy: 3600, degraded: 0, unhealthy: 0, results: 1, failures: 1, latencyMin: 1, latencySum: 1, latencyMax: 1),
        ]
        let history = [
            HistoryEntry(at: now.addingTimeInterval(-7200), judgement: .healthy, latency: .milliseconds(900), message: "old"),
            HistoryEntry(at: now.addingTimeInterval(-60), judgement: .healthy, latency: .milliseconds(10), message: "a"),
            HistoryEntry(at: now, judgement: .healthy, latency: .milliseconds(30), message: "b"),
        ]
        #expect(Badge.averageLatency(rollups, history: history, since: now.addingTimeInterval(-3600)) == 0.4)
        let fromHistory = Badge.averageLatency([], history: history, since: now.addingTimeInterval(-3600))
        #expect(abs((fromHistory ?? 0) - 0.020) < 1e-9)
        #expect(Badge.averageLatency([], history: history, since: now.addingTimeInterval(1)) == nil)
    }

    // MARK: The endpoint

    static func routes(token: String? = nil, rollups: [Rollup]? = nil) -> HealthRoutes {
        let (snapshot, readiness) = FakeHealthSource.sample()
        var extras = ServerExtras()
        if let rollups { extras.history = FakeHistoryReader(rollups: rollups) }
        return HealthRoutes(source: FakeHealthSource(snapshot: snapshot, readiness: readiness), token: token.map { .init($0) }, extras: extras)
    }

    @Test func unknownNamesWindowsAndKindsAre404() async {
        let r = Self.routes()
        for path in [
            "/badge/nope/status.svg", "/badge/orders-db/uptime/2d.svg", "/badge/orders-db/speed/24h.svg", "/badge/orders-db/status.png",
            "/badge/orders-db/uptime.svg", "/badge/orders-db/uptime/24h", "/badge/orders-db/uptime/24h.svg/x", "/badge//status.svg",
            "/badge/orders-db",
        ] {
            let request = HealthRequest(uri: path)
            let answer = r.rendersSlowly(request) ? await r.answerSlowly(request) : r.answer(request)
            #expect(answer.status.code == 404, "\(path)")
        }
        #expect(await r.answerSlowly(HealthRequest(method: "POST", uri: "/badge/orders-db/status.svg")).status.code == 405)
    }

    @Test func statusBadgeCarriesTheStatusNeverTheMessage() async {
        let r = Self.routes()
        let svg = await r.answerSlowly(HealthRequest(uri: "/badge/payments-api/status.svg"))
        #expect(svg.status.code == 200)
        #expect(svg.headers.first(name: "content-type") == "image/svg+xml")
        #expect(svg.bodyString.contains("<title>payments-api: degraded</title>"))
        #expect(svg.bodyString.contains(##"fill="#ccb311""##))
        #expect(!svg.bodyString.contains("350ms"), "the probe message stays off badges")
        let json = await r.answerSlowly(HealthRequest(uri: "/badge/orders-db/status.json"))
        #expect(json.headers.first(name: "content-type") == "application/json")
        #expect(json.bodyString == ##"{"schemaVersion":1,"label":"orders-db","message":"healthy","color":"#40cc11"}"##)
    }

    @Test func uptimeAndLatencyBadgesReadTheWindow() async {
        let rollup = Rollup(
            start: Date(), healthy: 3000, degraded: 0, unhealthy: 600, results: 4, failures: 1, latencyMin: 0.1, latencySum: 1.0, latencyMax: 0.4)
        let r = Self.routes(rollups: [rollup])
        let uptime = await r.answerSlowly(HealthRequest(uri: "/badge/orders-db/uptime/7d.json"))
        #expect(uptime.bodyString == ##"{"schemaVersion":1,"label":"uptime 7d","message":"83.33%","color":"#ccb311"}"##)
        // 250 ms on average: over orders-db's 100 ms degraded level, under its 1 s unhealthy one.
        let latency = await r.answerSlowly(HealthRequest(uri: "/badge/orders-db/latency/24h.json"))
        #expect(latency.bodyString == ##"{"schemaVersion":1,"label":"latency 24h","message":"250ms","color":"#ccb311"}"##)
        // payments-api has no latency threshold: 250 ms is "good" on the fixed steps.
        let fixed = await r.answerSlowly(HealthRequest(uri: "/badge/payments-api/latency/24h.json"))
        #expect(fixed.bodyString.contains(##""color":"#ccd311""##))
        let unknown = await Self.routes(rollups: []).answerSlowly(
            HealthRequest(uri: "/badge/orders-db/uptime/1h.svg"))
        #expect(unknown.bodyString.contains("<title>uptime 1h: unknown</title>"))
    }

    /// `no-cache` with an ETag: every view revalidates (camo included), and an unchanged badge
    /// costs a bodiless 304.
    @Test func revalidationAnswers304WhileTheBadgeIsUnchanged() async throws {
        let r = Self.routes()
        let first = await r.answerSlowly(HealthRequest(uri: "/badge/orders-db/status.svg"))
        #expect(first.headers.first(name: "cache-control") == "no-cache")
        let etag = try #require(first.headers.first(name: "etag"))
        #expect(etag.hasPrefix("\"") && etag.hasSuffix("\"") && etag.count > 2)
        for asked in [etag, "W/\(etag)", "\"other\", \(etag)", "*"] {
            let again = await r.answerSlowly(HealthRequest(uri: "/badge/orders-db/status.svg", ifNoneMatch: asked))
            #expect(again.status.code == 304, "\(asked)")
            #expect(again.body.readableBytes == 0)
            #expect(again.headers.first(name: "etag") == etag)
            #expect(again.headers.first(name: "content-type") == nil)
        }
        let changed = await r.answerSlowly(HealthRequest(uri: "/badge/orders-db/status.svg", ifNoneMatch: "\"stale\""))
        #expect(changed.status.code == 200)
        let other = await r.answerSlowly(HealthRequest(uri: "/badge/payments-api/status.svg"))
        #expect(other.headers.first(name: "etag") != etag)
    }

    @Test func theTokenGuardsBadges() async {
        let r = Self.routes(token: "t0k")
        let denied = await r.answerSlowly(HealthRequest(uri: "/badge/orders-db/status.svg"))
        #expect(denied.status.code == 401)
        #expect(!denied.bodyString.contains("orders-db"))
        #expect(await r.answerSlowly(HealthRequest(uri: "/badge/nope/status.svg")).status.code == 401, "names are not revealed")
        #expect(await r.answerSlowly(HealthRequest(uri: "/badge/orders-db/status.svg", authorization: "Bearer t0k")).status.code == 200)
    }

    private func width(_ svg: String) throws -> Int {
        try #require(try XMLTree(svg).attributes["width"].flatMap { Int($0) })
    }
}

/// The parts of an SVG the tests look at, read by a real XML parser (which fails on anything
/// not well-formed).
struct XMLTree {
    var root = ""
    var attributes: [String: String] = [:]
    var title = ""
    var texts: [String] = []

    struct Malformed: Error {
        var reason: String
    }

    init(_ xml: String) throws {
        let delegate = Collector()
        let parser = XMLParser(data: Data(xml.utf8))
        parser.delegate = delegate
        guard parser.parse() else { throw Malformed(reason: parser.parserError.map { "\($0)" } ?? "unknown") }
        root = delegate.root
        attributes = delegate.rootAttributes
        title = delegate.title
        texts = delegate.texts
    }

    private final class Collector: NSObject, XMLParserDelegate {
        var root = ""
        var rootAttributes: [String: String] = [:]
        var title = ""
        var texts: [String] = []
        private var current: String?
        private var buffer = ""

        func parser(_ p: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?, attributes: [String: String] = [:]) {
            if root.isEmpty {
                root = name
                rootAttributes = attributes
            }
            current = name
            buffer = ""
        }

        func parser(_ p: XMLParser, foundCharacters string: String) { buffer += string }

        func parser(_ p: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
            if name == "title" { title = buffer }
            if name == "text" { texts.append(buffer) }
            current = nil
            buffer = ""
        }
    }
}
