import Foundation
import NIOCore
import NIOHTTP1
import Synchronization
import VitalsConfig
import VitalsCore

/// What the server shows beyond the health state: pieces owned by other parts of the daemon.
public struct ServerExtras: Sendable {
    /// Appended to `/metrics` (alerting counters, config reload state), already in text format.
    public var metrics: @Sendable () -> String
    /// The `/alerts` JSON body, when alerting is wired.
    public var alerts: (@Sendable () -> String)?
    /// Where results, status changes, roll-ups and incidents are read from: the storage backend's
    /// `HistoryReader`, whichever it is. Each read says when storage did not answer within its
    /// deadline (`StorageRead`): the endpoint then answers 503 with the reason, never an empty
    /// page. Without one, the history endpoints answer 404.
    public var history: (any HistoryReader)?
    /// `POST /api/v1/alerts/ID/ack`: acknowledges the firing alert `id`; returns its `/alerts`
    /// entry (JSON), or nil when no alert with that id is firing.
    public var acknowledge: (@Sendable (_ id: String, _ by: String, _ comment: String) -> String?)?
    /// Maintenance windows running at `now` or starting within a week, for the status page.
    public var maintenance: (@Sendable (_ now: Date) -> [MaintenanceNotice])?
    /// `service.name`, for the `service` label of `vitals_build_info` (spec section 11).
    public var serviceName: @Sendable () -> String = { "vitals" }

    public init(
        metrics: @escaping @Sendable () -> String = { "" }, alerts: (@Sendable () -> String)? = nil,
        history: (any HistoryReader)? = nil,
        acknowledge: (@Sendable (_ id: String, _ by: String, _ comment: String) -> String?)? = nil
    ) {
        self.metrics = metrics
        self.alerts = alerts
        self.history = history
        self.acknowledge = acknowledge
    }
}

/// A request as the routes see it: no transport types, so routing is a plain function that
/// tests call directly.
public struct HealthRequest: Sendable {
    public var method: String
    /// Path and query, as sent: `/health/ready?verbose`.
    public var uri: String
    public var authorization: String?
    public var accept: String?
    /// Only the routes that take a body (`POST`) see it; the server caps it at 64 KiB.
    public var contentType: String?
    public var body: [UInt8]
    /// For the badges' revalidation (their answers carry an ETag).
    public var ifNoneMatch: String?

    public init(
        method: String = "GET", uri: String, authorization: String? = nil, accept: String? = nil, contentType: String? = nil,
        body: [UInt8] = [], ifNoneMatch: String? = nil
    ) {
        self.method = method
        self.uri = uri
        self.authorization = authorization
        self.accept = accept
        self.contentType = contentType
        self.body = body
        self.ifNoneMatch = ifNoneMatch
    }

    var path: Substring {
        guard let q = uri.firstIndex(of: "?") else { return uri[...] }
        return uri[..<q]
    }
    var query: String? {
        guard let q = uri.firstIndex(of: "?") else { return nil }
        return String(uri[uri.index(after: q)...])
    }
}

/// A complete answer: status, headers (content type and length included) and body.
public struct HealthAnswer: Sendable {
    public var status: HTTPResponseStatus
    public var headers: HTTPHeaders
    public var body: ByteBuffer

    init(status: Int, contentType: String, body: String, extraHeaders: [(String, String)] = []) {
        self.status = HTTPResponseStatus(statusCode: status)
        self.body = ByteBuffer(string: body)
        var h = HTTPHeaders()
        h.add(name: "content-type", value: contentType)
        h.add(name: "content-length", value: String(self.body.readableBytes))
        h.add(name: "cache-control", value: "no-store")
        for (k, v) in extraHeaders { h.add(name: k, value: v) }
        headers = h
    }

    init(_ r: Rendered) {
        // A page also says where nothing may come from, and that it is not to be sniffed or framed.
        let page = r.policy.map { [("content-security-policy", $0), ("x-content-type-options", "nosniff"), ("referrer-policy", "no-referrer")] }
        self.init(status: r.status, contentType: r.contentType, body: r.body, extraHeaders: page ?? [])
    }

    static func plain(_ status: Int, _ text: String, _ extra: [(String, String)] = []) -> HealthAnswer {
        HealthAnswer(status: status, contentType: "text/plain; charset=utf-8", body: text, extraHeaders: extra)
    }

    /// 503 for an endpoint whose storage read did not come back within its deadline (or
    /// failed): `{"error": "storage unavailable", "reason": ...}`, and when to try again.
    static func storageUnavailable(_ reason: String) -> HealthAnswer {
        HealthAnswer(
            status: 503, contentType: "application/json",
            body: "{\"error\":\"storage unavailable\",\"reason\":" + JSONString.quoted(reason) + "}", extraHeaders: [("retry-after", "5")])
    }

    public var bodyString: String { String(buffer: body) }
}

/// Routes requests to renderers. No probe ever runs here: every answer comes from the health
/// source's published state, and the hot answers are cached whole per generation, so a kubelet
/// or load balancer polling hard costs one lock and a copy per request.
public final class HealthRoutes: Sendable {
    let source: any HealthSource
    /// Swapped by a reload that re-read `detailed_token_file`: the old token stops working at once.
    let token: Mutex<BearerToken?>
    /// `server.public_status`: the status page, component pages and badges need no token.
    let publicStatus: Mutex<Bool>
    let extras: ServerExtras
    /// The status page's long history, read from storage at most every 30 s.
    let pageHistory = PageHistoryCache()
    private let cache = Mutex<[CachedAnswer?]>([nil, nil, nil])

    private struct CachedAnswer: Sendable {
        var generation: UInt64
        var answer: HealthAnswer
    }

    public init(source: any HealthSource, token: Secret?, publicStatus: Bool = false, extras: ServerExtras = ServerExtras()) {
        self.source = source
        self.token = Mutex(token.map(BearerToken.init))
        self.publicStatus = Mutex(publicStatus)
        self.extras = extras
    }

    /// Replaces the bearer token the detailed endpoints need (nil: they need none).
    public func setToken(_ secret: Secret?) {
        let new = secret.map(BearerToken.init)
        token.withLock { $0 = new }
    }

    /// Opens or closes the status pages to requests without the token (a reload).
    public func setPublicStatus(_ open: Bool) {
        publicStatus.withLock { $0 = open }
    }

    /// Whether answering takes a full snapshot render (detailed, metrics, alerts): the server
    /// does those off the event loop so they never hold up the probe endpoints.
    public func rendersSlowly(_ request: HealthRequest) -> Bool {
        let route = Route(path: String(request.path))
        return route.needsToken || route.isPage
    }

    /// The slow routes' answer, off the event loop: storage reads are async.
    public func answerSlowly(_ request: HealthRequest) async -> HealthAnswer {
        let route = Route(path: String(request.path))
        if route.isPage { return await page(request, route) }
        if route == .components {
            if let refused = refusal(request, route) { return refused }
            let snapshot = source.snapshot()
            var windows: [String: [(String, UptimeReport)]] = [:]
            if let reader = extras.history {
                for (label, window) in UptimeReport.windows.prefix(4) {
                    let read = await reader.uptimeOfAll(window)
                    guard let reports = read.value else { return .storageUnavailable(read.unavailableReason ?? "") }
                    for c in snapshot.allComponents {
                        windows[c.name, default: []].append((label, reports[c.name] ?? UptimeReport(uptime: nil, coverage: 0, buckets: [])))
                    }
                }
            } else {
                for c in snapshot.allComponents {
                    let read = await summaryWindows(c.name)
                    guard let w = read.value else { return .storageUnavailable(read.unavailableReason ?? "") }
                    windows[c.name] = w
                }
            }
            return HealthAnswer(ComponentsAPI.list(snapshot, windows: windows))
        }
        if case .badge(let badge) = route {
            if let refused = refusal(request, route) { return refused }
            return await badgeAnswer(badge, request)
        }
        guard case .component(let name, let part) = route else { return answer(request) }
        if let refused = refusal(request, route) { return refused }
        guard let component = source.snapshot().component(named: name) else { return .plain(404, "unknown component\n") }
        let query = Query(request.query)
        switch part {
        case .summary:
            let read = await summaryWindows(name)
            guard let windows = read.value else { return .storageUnavailable(read.unavailableReason ?? "") }
            return HealthAnswer(ComponentsAPI.one(component, windows: windows))
        case .history, .transitions:
            let parsed: HistoryQuery
            switch HistoryQuery.parse(query) {
            case .failure(let error): return .plain(400, error.message + "\n")
            case .success(let q): parsed = q
            }
            if part == .history {
                guard let history = extras.history else { return .plain(404, "history is not available\n") }
                let read = await history.history(name, parsed)
                guard let entries = read.value else { return .storageUnavailable(read.unavailableReason ?? "") }
                let body = HistoryQuery.json(component: name, entries, limit: parsed.limit)
                return HealthAnswer(status: 200, contentType: "application/json", body: body)
            }
            guard let reader = extras.history else { return .plain(404, "transitions are not available\n") }
            let read = await reader.transitions(name, parsed)
            guard let page = read.value else { return .storageUnavailable(read.unavailableReason ?? "") }
            var next: Date?
            if let newest = page.first {
                let after = await reader.transition(component: name, after: newest.at)
                guard let found = after.value else { return .storageUnavailable(after.unavailableReason ?? "") }
                next = found?.at
            }
            let body = HistoryQuery.transitionsJSON(component: name, page, next: next, now: Date(), limit: parsed.limit)
            return HealthAnswer(status: 200, contentType: "application/json", body: body)
        case .uptime:
            let label = query.first("window") ?? "24h"
            guard let window = UptimeReport.windows.first(where: { $0.0 == label })?.1 else {
                return .plain(400, "window must be one of " + UptimeReport.windows.map(\.0).joined(separator: ", ") + "\n")
            }
            guard let reader = extras.history else { return .plain(404, "uptime is not available\n") }
            let read = await reader.uptime(name, window)
            guard let report = read.value else { return .storageUnavailable(read.unavailableReason ?? "") }
            let body = UptimeReport.json(component: name, window: label, report)
            return HealthAnswer(status: 200, contentType: "application/json", body: body)
        }
    }

    /// Uptime over 1h, 24h, 7d and 30d, for the component lists.
    private func summaryWindows(_ name: String) async -> StorageRead<[(String, UptimeReport)]> {
        await uptimeWindows(name, UptimeReport.windows.prefix(4))
    }

    /// Uptime over each window, or why storage could not say (the first read that failed ends it).
    func uptimeWindows(_ name: String, _ windows: ArraySlice<(String, Duration)>) async -> StorageRead<[(String, UptimeReport)]> {
        guard let reader = extras.history else { return .value([]) }
        var out: [(String, UptimeReport)] = []
        for (label, window) in windows {
            let read = await reader.uptime(name, window)
            guard let report = read.value else { return .unavailable(reason: read.unavailableReason ?? "") }
            out.append((label, report))
        }
        return .value(out)
    }

    /// 405 for a method the endpoint does not take, then `unauthorized`.
    func refusal(_ request: HealthRequest, _ route: Route) -> HealthAnswer? {
        guard route.takes(request.method) else {
            return .plain(405, "method not allowed\n", [("allow", route.allowedMethods)])
        }
        return unauthorized(request, route)
    }

    /// 401 without the token where one is needed: with `public_status`, the status pages and
    /// badges (`Route.isPublicStatus`) need none.
    func unauthorized(_ request: HealthRequest, _ route: Route) -> HealthAnswer? {
        if route.needsToken, !(Route.isPublicStatus(String(request.path)) && publicStatus.withLock({ $0 })),
            let token = token.withLock({ $0 }), !token.accepts(authorization: request.authorization)
        {
            return .plain(401, "unauthorized\n", [("www-authenticate", "Bearer realm=\"vitals\"")])
        }
        return nil
    }

    /// 401 without the token, for a body too large to read: the token comes before the size.
    func refusalBeforeBody(_ request: HealthRequest) -> HealthAnswer? {
        unauthorized(request, Route(path: String(request.path)))
    }

    public func answer(_ request: HealthRequest) -> HealthAnswer {
        let route = Route(path: String(request.path))
        guard route != .notFound else { return .plain(404, "not found\n") }
        if let refused = refusal(request, route) { return refused }
        let query = Query(request.query)
        let verbose = query.has("verbose")
        let excluded = query.isEmpty ? [] : Set(query.all("exclude"))
        switch route {
        case .live:
            return HealthAnswer(ProbeEndpoints.live(source.liveness(), verbose: verbose))
        case .ready:
            if !verbose && excluded.isEmpty {
                return cached(0) { ProbeEndpoints.ready(source.readiness(group: nil, excluding: [])!, verbose: false) }
            }
            return HealthAnswer(ProbeEndpoints.ready(source.readiness(group: nil, excluding: excluded)!, verbose: verbose))
        case .group(let name):
            guard let view = source.readiness(group: name, excluding: excluded) else { return .plain(404, "unknown group\n") }
            return HealthAnswer(ProbeEndpoints.ready(view, verbose: verbose, name: "group \(name)"))
        case .startup:
            return cached(1) { ProbeEndpoints.startup(source.snapshot()) }
        case .health:
            return cached(2) { ProbeEndpoints.health(source.snapshot()) }
        case .detailed:
            var snapshot = source.snapshot()
            // `?scope=all`: also the components other shards probe (spec section 8).
            if query.first("scope") == "all" { snapshot.components = snapshot.allComponents }
            let wantsIETF = request.accept?.contains("application/health+json") ?? false
            return HealthAnswer(wantsIETF ? DetailedReport.healthJSON(snapshot) : DetailedReport.json(snapshot))
        case .metrics:
            let body = MetricsRenderer.render(source.snapshot(), lag: source.schedulerLag(), extra: extras.metrics(), service: extras.serviceName())
            return HealthAnswer(status: 200, contentType: "text/plain; version=0.0.4; charset=utf-8", body: body)
        case .alerts:
            guard let alerts = extras.alerts else { return .plain(404, "alerting is not configured\n") }
            return HealthAnswer(status: 200, contentType: "application/json", body: alerts())
        case .alertAck(let id):
            return acknowledge(request, id: id)
        case .notFound, .guardedNotFound:
            return .plain(404, "not found\n")
        case .openapi:
            return HealthAnswer(status: 200, contentType: "application/json", body: OpenAPIDocument.json)
        case .component, .components, .badge, .statusPage, .componentPage:
            return .plain(500, "answered off the event loop\n")
        }
    }

    private func cached(_ slot: Int, render: () -> Rendered) -> HealthAnswer {
        let generation = source.generation
        if let c = cache.withLock({ $0[slot] }), c.generation == generation { return c.answer }
        let answer = HealthAnswer(render())
        cache.withLock { $0[slot] = CachedAnswer(generation: generation, answer: answer) }
        return answer
    }
}

/// What `/api/v1/components/NAME/...` reads from storage.
enum ComponentPart: String, Equatable {
    /// `/api/v1/components/NAME` itself.
    case summary = ""
    case history, transitions, uptime
}

/// The endpoints the server knows.
enum Route: Equatable {
    case live, ready, startup, health, detailed, metrics, alerts
    /// `POST /api/v1/alerts/ID/ack`, the id percent-decoded.
    case alertAck(String)
    /// `/api/v1/components`
    case components
    case group(String)
    /// `/api/v1/components/NAME/history`, `.../transitions`, `.../uptime`
    case component(String, ComponentPart)
    /// `/badge/NAME/...`
    case badge(BadgeRequest)
    /// `/api/v1/openapi.json`
    case openapi
    /// `/`, the status page.
    case statusPage
    /// `/components/NAME`, a component's page.
    case componentPage(String)
    case notFound
    /// A path in a namespace that needs the token (`/`, `/api/`, `/components/`, `/badge/`) with
    /// nothing behind it: without the token it is a 401 like its neighbours, so a client without
    /// the token cannot learn which names exist.
    case guardedNotFound

    init(path: String) {
        switch path {
        case "/health/live", "/livez": self = .live
        case "/health/ready", "/readyz": self = .ready
        case "/health/startup": self = .startup
        case "/health": self = .health
        case "/health/detailed": self = .detailed
        case "/metrics": self = .metrics
        case "/alerts": self = .alerts
        case "/api/v1/components": self = .components
        case "/api/v1/openapi.json": self = .openapi
        case "/": self = .statusPage
        default:
            let prefix = "/health/group/"
            if path.hasPrefix(prefix), path.count > prefix.count, !path.dropFirst(prefix.count).contains("/") {
                self = .group(String(path.dropFirst(prefix.count)))
            } else if let (name, part) = Self.componentPart(path) {
                self = .component(name, part)
            } else if let id = Self.alertAckID(path) {
                self = .alertAck(id)
            } else if let badge = BadgeRequest(path: path) {
                self = .badge(badge)
            } else if path.hasPrefix("/components/"), path.count > 12, !path.dropFirst(12).contains("/") {
                self = .componentPage(String(path.dropFirst(12)))
            } else if path == "/" || Self.guardedPrefixes.contains(where: path.hasPrefix) {
                self = .guardedNotFound
            } else {
                self = .notFound
            }
        }
    }

    static func componentPart(_ path: String) -> (String, ComponentPart)? {
        let prefix = "/api/v1/components/"
        guard path.hasPrefix(prefix) else { return nil }
        let rest = path.dropFirst(prefix.count).split(separator: "/", omittingEmptySubsequences: false)
        guard !rest[0].isEmpty else { return nil }
        if rest.count == 1 { return (String(rest[0]), .summary) }
        guard rest.count == 2, !rest[1].isEmpty, let part = ComponentPart(rawValue: String(rest[1])) else { return nil }
        return (String(rest[0]), part)
    }

    /// The ack takes POST only, every other endpoint GET and HEAD (no allocation: the probe
    /// endpoints ask on every request).
    func takes(_ method: String) -> Bool {
        if case .alertAck = self { return method == "POST" }
        return method == "GET" || method == "HEAD"
    }

    /// The `Allow` header of a 405.
    var allowedMethods: String {
        if case .alertAck = self { return "POST" }
        return "GET, HEAD"
    }

    /// The namespaces spec section 9 puts behind the token besides the fixed paths above.
    static let guardedPrefixes = ["/api/", "/components/", "/badge/"]

    /// With `detailed_token_file` set these need the bearer token; the probe endpoints never do.
    var needsToken: Bool {
        switch self {
        case .detailed, .metrics, .alerts, .components, .component, .alertAck, .badge, .openapi, .guardedNotFound, .statusPage, .componentPage:
            true
        default: false
        }
    }

    /// The HTML pages, rendered off the event loop (storage reads).
    var isPage: Bool {
        switch self {
        case .statusPage, .componentPage: true
        default: false
        }
    }

    /// What `server.public_status: true` opens (spec section 9): the status page, the
    /// component pages and the badges, whatever is behind those prefixes (a 404 then, not a 401).
    static func isPublicStatus(_ path: String) -> Bool {
        path == "/" || path.hasPrefix("/components/") || path.hasPrefix("/badge/")
    }
}
