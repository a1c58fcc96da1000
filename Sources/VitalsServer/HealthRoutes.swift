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
    /// Every SLO's standing now, or one component's (`SLOReader.statuses(only:)`); nil when
    /// nothing reads them (no component has an `slo:`).
    public var slos: (@Sendable (_ only: String?) async -> StorageRead<[SLOStatus]>)?
    /// Maintenance windows running at `now` or starting within a week, for the status page.
    public var maintenance: (@Sendable (_ now: Date) -> [MaintenanceNotice])?
    /// Push components' tokens and where their pushes go (`/api/v1/push/NAME`); without it,
    /// every push is a 404.
    public var push: (any PushReceiver)?
    /// Incidents and announcements people post (`/api/v1/incidents`), shown on the pages.
    public var incidents: IncidentBook?
    /// The `/api/v1/fleet` JSON body, when this replica is a fleet member (spec section 14).
    public var fleet: (@Sendable () -> String)?
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

    /// 404 for a path no route takes.
    static var notFound: HealthAnswer { .plain(404, "not found\n") }

    /// 404 for a component the config does not have.
    static var unknownComponent: HealthAnswer { .plain(404, "unknown component\n") }

    public var bodyString: String { String(buffer: body) }
}

/// Routes requests to handlers by `RouteTable.vitals`. No probe ever runs here: every answer
/// comes from the health source's published state, and the hot answers are cached whole per
/// generation, so a kubelet or load balancer polling hard costs one lock and a copy per request.
public final class HealthRoutes: Sendable {
    let source: any HealthSource
    /// Swapped by a reload that re-read `detailed_token_file`: the old token stops working at once.
    let token: Mutex<BearerToken?>
    /// `server.public_status`: the status page, component pages and badges need no token.
    let publicStatus: Mutex<Bool>
    /// `status_pages:` (a reload swaps them): `/status/SLUG`, the first also at `/`.
    let pages: Mutex<[StatusPageSpec]>
    let extras: ServerExtras
    /// The status page's long history, read from storage at most every 30 s.
    let pageHistory = PageHistoryCache()
    private let cache = Mutex<[CachedAnswer?]>(Array(repeating: nil, count: HotAnswer.allCases.count))
    private static let table = RouteTable.vitals

    private struct CachedAnswer: Sendable {
        var generation: UInt64
        var answer: HealthAnswer
    }

    /// The answers cached whole per generation of the published state.
    enum HotAnswer: Int, CaseIterable {
        case ready, startup, health
    }

    public init(
        source: any HealthSource, token: Secret?, publicStatus: Bool = false, pages: [StatusPageSpec] = [], extras: ServerExtras = ServerExtras()
    ) {
        self.source = source
        self.token = Mutex(token.map(BearerToken.init))
        self.publicStatus = Mutex(publicStatus)
        self.pages = Mutex(pages)
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

    /// Replaces the status pages (a reload).
    public func setPages(_ new: [StatusPageSpec]) {
        pages.withLock { $0 = new }
    }

    /// Whether the request is answered off the event loop (`Route.answersOffLoop`): storage
    /// reads, full snapshot renders and every route that needs the token, so that they never
    /// hold up the probe endpoints.
    public func rendersSlowly(_ request: HealthRequest) -> Bool {
        Self.table.match(request.path)?.route.answersOffLoop ?? false
    }

    /// Any request's answer, off the event loop: storage reads are async.
    public func answerSlowly(_ request: HealthRequest) async -> HealthAnswer {
        guard let (route, parameters) = Self.table.match(request.path) else { return .notFound }
        if let refused = refusal(request, route, parameters) { return refused }
        let call = RouteCall(request: request, parameters: parameters)
        switch route.handler {
        case .inline(let handler), .rendered(let handler): return handler(self, call)
        case .reads(let handler): return await handler(self, call)
        }
    }

    /// The answer of a route that reads no storage: 404 for a path no route takes (whatever the
    /// method), then 405, 401, and the route's handler.
    public func answer(_ request: HealthRequest) -> HealthAnswer {
        guard let (route, parameters) = Self.table.match(request.path) else { return .notFound }
        if let refused = refusal(request, route, parameters) { return refused }
        switch route.handler {
        case .inline(let handler), .rendered(let handler): return handler(self, RouteCall(request: request, parameters: parameters))
        case .reads: return .plain(500, "answered off the event loop\n")
        }
    }

    /// 405 for a method the endpoint does not take, then `unauthorized`.
    func refusal(_ request: HealthRequest, _ route: Route, _ parameters: [String: String]) -> HealthAnswer? {
        guard route.takes(request.method) else {
            return .plain(405, "method not allowed\n", [("allow", route.allow)])
        }
        return unauthorized(request, route, parameters)
    }

    /// 401 without the token where the route needs one: with `public_status`, the status pages
    /// and badges (`Access.statusPage`) need none; a public page of `status_pages` opens
    /// itself and what it shows (`isPublic`).
    func unauthorized(_ request: HealthRequest, _ route: Route, _ parameters: [String: String]) -> HealthAnswer? {
        switch route.access {
        case .open, .push: return nil
        case .statusPage where publicStatus.withLock({ $0 }) || isPublic(route, parameters): return nil
        case .token, .statusPage:
            guard let token = token.withLock({ $0 }), !token.accepts(authorization: request.authorization) else { return nil }
            return .plain(401, "unauthorized\n", [("www-authenticate", "Bearer realm=\"vitals\"")])
        }
    }

    /// 401 without the token, for a body too large to read: the token comes before the size.
    func refusalBeforeBody(_ request: HealthRequest) -> HealthAnswer? {
        guard let (route, parameters) = Self.table.match(request.path) else { return nil }
        return unauthorized(request, route, parameters)
    }

    func cached(_ slot: HotAnswer, render: () -> Rendered) -> HealthAnswer {
        let generation = source.generation
        if let c = cache.withLock({ $0[slot.rawValue] }), c.generation == generation { return c.answer }
        let answer = HealthAnswer(render())
        cache.withLock { $0[slot.rawValue] = CachedAnswer(generation: generation, answer: answer) }
        return answer
    }
}
