import Foundation

/// Who may call a route.
enum Access: Sendable, Equatable {
    /// Never needs the token: the probe endpoints, which kubelet and load balancers call bare.
    case open
    /// Needs the bearer token when `server.detailed_token_file` is set.
    case token
    /// As `token`, unless `server.public_status` opens it (spec section 9): the status page,
    /// the component pages and the badges.
    case statusPage
    /// Not the API's token but the component's own, checked by the handler (`push`): a cron
    /// job is given the token of its component, never one that reads the whole API.
    case push
}

/// A route's answer, and where it is made.
enum RouteHandler: Sendable {
    /// On the event loop that read the request, from published state (the hot answers are
    /// cached whole): no storage read, no full render. Such a request's headers are not read.
    case inline(@Sendable (HealthRoutes, RouteCall) -> HealthAnswer)
    /// Off the event loop, without waiting: renders the whole snapshot or reads the request's
    /// headers and body.
    case rendered(@Sendable (HealthRoutes, RouteCall) -> HealthAnswer)
    /// Off the event loop, waiting on storage reads (each bounded by its read deadline).
    case reads(@Sendable (HealthRoutes, RouteCall) async -> HealthAnswer)
}

/// A request matched to its route: the request and the template's parameters.
struct RouteCall: Sendable {
    var request: HealthRequest
    /// By name, as the template spells them: `name` for `/components/{name}`.
    var parameters: [String: String]

    /// A parameter of the template (the table only routes a path that gives them all).
    subscript(_ name: String) -> String { parameters[name] ?? "" }
    var query: Query { Query(request.query) }
}

/// One endpoint: its path template, methods, who may call it and its handler. Everything the
/// server decides before a handler runs (404, 405 with `Allow`, 401, on or off the event loop)
/// comes from these, and `OpenAPITests` checks the table against `api/openapi.json`. A class:
/// every request's lookup hands out one reference, not a copy of the fields.
final class Route: Sendable {
    /// `/api/v1/components/{name}/history`: literal segments, and parameters that are a whole
    /// segment, or a segment's start before a literal end (`{window}.svg`).
    let template: String
    /// Other paths for the same endpoint (`/livez`), documented as `$ref`s to the template.
    let aliases: [String]
    /// `GET` routes also take `HEAD` (the server then writes no body).
    let methods: [String]
    let access: Access
    let handler: RouteHandler
    /// The parameters are percent-decoded (`%3A` for `:` in an alert id); a path where one does
    /// not decode, or decodes to nothing, is not this route.
    let decodesParameters: Bool
    /// The `Allow` header of a 405.
    let allow: String
    let segments: [PathSegment]

    init(
        _ template: String, aliases: [String] = [], methods: [String] = ["GET", "HEAD"], _ access: Access, _ handler: RouteHandler,
        decodesParameters: Bool = false
    ) {
        self.template = template
        self.aliases = aliases
        self.methods = methods
        self.access = access
        self.handler = handler
        self.decodesParameters = decodesParameters
        allow = methods.joined(separator: ", ")
        segments = PathSegment.parse(template)
    }

    /// No allocation: the probe endpoints ask on every request.
    func takes(_ method: String) -> Bool { methods.contains(method) }

    /// Off the event loop: everything but the inline handlers, and every route that needs the
    /// token (only there are the request's headers read).
    var answersOffLoop: Bool {
        if case .inline = handler, access == .open { return false }
        return true
    }

    var hasParameters: Bool { segments.contains { if case .parameter = $0 { true } else { false } } }

    /// The template's parameters in `path`, or nil when the path is not this route's.
    func match(_ path: [Substring]) -> [String: String]? {
        guard path.count == segments.count else { return nil }
        var parameters: [String: String] = [:]
        for (segment, part) in zip(segments, path) {
            switch segment {
            case .literal(let text):
                guard part == text else { return nil }
            case .parameter(let name, let suffix):
                guard part.hasSuffix(suffix) else { return nil }
                var value = String(part.dropLast(suffix.count))
                if decodesParameters {
                    guard let decoded = value.removingPercentEncoding else { return nil }
                    value = decoded
                }
                guard !value.isEmpty else { return nil }
                parameters[name] = value
            }
        }
        return parameters
    }
}

/// A segment of a route's template.
enum PathSegment: Equatable, Sendable {
    case literal(String)
    /// `{name}`, or `{window}.svg` (suffix `.svg`).
    case parameter(name: String, suffix: String)

    static func parse(_ template: String) -> [PathSegment] {
        template.split(separator: "/", omittingEmptySubsequences: false).map { part in
            guard part.hasPrefix("{"), let close = part.firstIndex(of: "}") else { return .literal(String(part)) }
            return .parameter(name: String(part[part.index(after: part.startIndex)..<close]), suffix: String(part[part.index(after: close)...]))
        }
    }
}

/// The routes, looked up: fixed paths by hash (the probe endpoints' case), templates in order.
struct RouteTable: Sendable {
    /// Every route, in the order the templates are tried.
    let routes: [Route]
    private let fixed: [String: Route]
    private let templated: [Route]
    /// A namespace (`/api/`, `/badge/`) where every route needs the token, or a public status
    /// page: a path in it that no route takes is still a 401 without the token (so a client
    /// without it cannot learn which names exist), and a 404 with it. Its access is the
    /// strictest of its routes'; a namespace with an open route (`/health/`) has none.
    let guarded: [String: Route]

    init(_ routes: [Route]) {
        self.routes = routes
        var fixed: [String: Route] = [:]
        for route in routes where !route.hasParameters {
            for path in [route.template] + route.aliases {
                precondition(fixed.updateValue(route, forKey: path) == nil, "two routes for \(path)")
            }
        }
        self.fixed = fixed
        templated = routes.filter(\.hasParameters)
        var byNamespace: [String: [Route]] = [:]
        for route in routes {
            if let namespace = Self.namespace(route.template) { byNamespace[String(namespace), default: []].append(route) }
        }
        var guarded: [String: Route] = [:]
        for (namespace, members) in byNamespace where !members.contains(where: { $0.access == .open }) {
            let access: Access = members.contains { $0.access == .token } ? .token : .statusPage
            guarded[namespace] = Route(namespace, access, .rendered { _, _ in .notFound })
        }
        self.guarded = guarded
    }

    /// The route of `path` and its parameters, the guarded namespace's 404 route, or nil (404
    /// for anyone).
    func match(_ path: Substring) -> (route: Route, parameters: [String: String])? {
        if let route = fixed[String(path)] { return (route, [:]) }
        let parts = path.split(separator: "/", omittingEmptySubsequences: false)
        for route in templated {
            if let parameters = route.match(parts) { return (route, parameters) }
        }
        guard let namespace = Self.namespace(path) else { return nil }
        return guarded[String(namespace)].map { ($0, [:]) }
    }

    /// `/api/` for `/api/v1/components`; nil for a path of one segment (`/metrics`).
    static func namespace<S: StringProtocol>(_ path: S) -> S.SubSequence? {
        guard path.first == "/", let slash = path.dropFirst().firstIndex(of: "/") else { return nil }
        return path[...slash]
    }
}
