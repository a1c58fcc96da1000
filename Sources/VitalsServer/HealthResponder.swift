import Foundation
import Hummingbird
import Synchronization
import VitalsConfig
import VitalsCore

/// What the server shows beyond the health state: pieces owned by other parts of the daemon.
public struct ServerExtras: Sendable {
    /// Appended to `/metrics` (alerting counters, config reload state), already in text format.
    public var metrics: @Sendable () -> String
    /// The `/alerts` JSON body, when alerting is wired.
    public var alerts: (@Sendable () -> String)?

    public init(metrics: @escaping @Sendable () -> String = { "" }, alerts: (@Sendable () -> String)? = nil) {
        self.metrics = metrics
        self.alerts = alerts
    }
}

/// Routes requests to renderers. A thin switch over the path: no probe runs here, every answer
/// comes from the health source's published state, and the hot bodies are cached per generation.
public struct HealthResponder: HTTPResponder {
    public typealias Context = BasicRequestContext

    let source: any HealthSource
    let token: BearerToken?
    let extras: ServerExtras
    let cache = RenderCache()

    public init(source: any HealthSource, token: Secret?, extras: ServerExtras = ServerExtras()) {
        self.source = source
        self.token = token.map(BearerToken.init)
        self.extras = extras
    }

    public func respond(to request: Request, context: Context) async throws -> Response {
        let path = request.uri.path
        let route = Route(path: path)
        guard route != .notFound else { return Self.plain(404, "not found\n") }
        guard request.method == .get || request.method == .head else {
            var r = Self.plain(405, "method not allowed\n")
            r.headers[.allow] = "GET, HEAD"
            return r
        }
        var response = answer(route, request)
        if request.method == .head { response.body = ResponseBody() }
        return response
    }

    private func answer(_ route: Route, _ request: Request) -> Response {
        if route.needsToken, let token, !token.accepts(authorization: request.headers[.authorization]) {
            var r = Self.plain(401, "unauthorized\n")
            r.headers[.wwwAuthenticate] = "Bearer realm=\"vitals\""
            return r
        }
        let query = Query(request.uri.query)
        let verbose = query.has("verbose")
        let excluded = Set(query.all("exclude"))
        switch route {
        case .live:
            return Self.response(ProbeEndpoints.live(source.liveness(), verbose: verbose))
        case .ready:
            if !verbose && excluded.isEmpty {
                return cache.response(.ready, generation: source.generation) {
                    ProbeEndpoints.ready(source.readiness(group: nil, excluding: [])!, verbose: false)
                }
            }
            return Self.response(ProbeEndpoints.ready(source.readiness(group: nil, excluding: excluded)!, verbose: verbose))
        case .group(let name):
            guard let view = source.readiness(group: name, excluding: excluded) else {
                return Self.plain(404, "unknown group\n")
            }
            return Self.response(ProbeEndpoints.ready(view, verbose: verbose, name: "group \(name)"))
        case .startup:
            return cache.response(.startup, generation: source.generation) { ProbeEndpoints.startup(source.snapshot()) }
        case .health:
            return cache.response(.health, generation: source.generation) { ProbeEndpoints.health(source.snapshot()) }
        case .detailed:
            let accept = request.headers[.accept] ?? ""
            let snapshot = source.snapshot()
            return Self.response(
                accept.contains("application/health+json") ? DetailedReport.healthJSON(snapshot) : DetailedReport.json(snapshot))
        case .metrics:
            let body = MetricsRenderer.render(source.snapshot(), lag: source.schedulerLag(), extra: extras.metrics())
            return Self.response(Rendered(status: 200, contentType: "text/plain; version=0.0.4; charset=utf-8", body: body))
        case .alerts:
            guard let alerts = extras.alerts else { return Self.plain(404, "alerting is not configured\n") }
            return Self.response(Rendered(status: 200, contentType: "application/json", body: alerts()))
        case .notFound:
            return Self.plain(404, "not found\n")
        }
    }

    static func response(_ r: Rendered) -> Response {
        response(status: r.status, contentType: r.contentType, body: ByteBuffer(string: r.body))
    }

    static func response(status: Int, contentType: String, body: ByteBuffer) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = contentType
        headers[.cacheControl] = "no-store"
        return Response(status: .init(code: status), headers: headers, body: ResponseBody(byteBuffer: body))
    }

    static func plain(_ status: Int, _ text: String) -> Response {
        response(status: status, contentType: "text/plain; charset=utf-8", body: ByteBuffer(string: text))
    }
}

/// The endpoints the server knows.
enum Route: Equatable {
    case live, ready, startup, health, detailed, metrics, alerts
    case group(String)
    case notFound

    init(path: String) {
        switch path {
        case "/health/live", "/livez": self = .live
        case "/health/ready", "/readyz": self = .ready
        case "/health/startup": self = .startup
        case "/health": self = .health
        case "/health/detailed": self = .detailed
        case "/metrics": self = .metrics
        case "/alerts": self = .alerts
        default:
            let prefix = "/health/group/"
            if path.hasPrefix(prefix), path.count > prefix.count, !path.dropFirst(prefix.count).contains("/") {
                self = .group(String(path.dropFirst(prefix.count)))
            } else {
                self = .notFound
            }
        }
    }

    /// With `detailed_token_file` set these need the bearer token; the probe endpoints never do.
    var needsToken: Bool {
        switch self {
        case .detailed, .metrics, .alerts: true
        default: false
        }
    }
}

/// Responses of the hot endpoints, kept whole (head and body) until the health generation
/// moves on, so a kubelet or load balancer polling hard costs one lock and a copy of a value
/// per request: no rendering, no header building.
final class RenderCache: Sendable {
    enum Key: Int { case ready, startup, health }
    private struct Entry: Sendable {
        var generation: UInt64
        var response: Response
    }
    private let entries = Mutex<[Entry?]>([nil, nil, nil])

    func response(_ key: Key, generation: UInt64, render: () -> Rendered) -> Response {
        if let e = entries.withLock({ $0[key.rawValue] }), e.generation == generation { return e.response }
        let response = HealthResponder.response(render())
        entries.withLock { $0[key.rawValue] = Entry(generation: generation, response: response) }
        return response
    }
}
