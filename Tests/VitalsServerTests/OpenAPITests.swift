import Foundation
import Testing
import VitalsCore
@testable import VitalsServer

/// The OpenAPI document and the routes describe the same endpoints: every documented path is
/// served, every served path is documented. What the answers look like is checked against it
/// by schemathesis on a live daemon (`scripts/checks/api-check.sh`, part of `make test`).
struct OpenAPITests {
    static var document: [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(OpenAPIDocument.json.utf8)) as? [String: Any]) ?? [:]
    }
    static var paths: [String: [String: Any]] { document["paths"] as? [String: [String: Any]] ?? [:] }

    /// One request path for every kind of route.
    static let samples = [
        "/health/live", "/livez", "/health/ready", "/readyz", "/health/startup", "/health", "/health/group/core", "/health/detailed",
        "/metrics", "/alerts", "/api/v1/components", "/api/v1/components/orders-db", "/api/v1/components/orders-db/history",
        "/api/v1/components/orders-db/transitions", "/api/v1/components/orders-db/uptime", "/api/v1/openapi.json",
        "/badge/orders-db/status.svg", "/badge/orders-db/status.json", "/badge/orders-db/uptime/30d.svg", "/badge/orders-db/uptime/30d.json",
        "/badge/orders-db/latency/24h.svg", "/badge/orders-db/latency/24h.json", "/api/v1/alerts/db-down:orders-db/ack",
        "/", "/components/orders-db",
    ]

    /// The documented path of a route. A new kind of route does not compile until it has one.
    static func documentedPath(_ route: Route) -> String? {
        switch route {
        case .live: "/health/live"
        case .ready: "/health/ready"
        case .startup: "/health/startup"
        case .health: "/health"
        case .detailed: "/health/detailed"
        case .metrics: "/metrics"
        case .alerts: "/alerts"
        case .components: "/api/v1/components"
        case .openapi: "/api/v1/openapi.json"
        case .alertAck: "/api/v1/alerts/{id}/ack"
        case .statusPage: "/"
        case .componentPage: "/components/{name}"
        case .group: "/health/group/{group}"
        case .component(_, let part): part == .summary ? "/api/v1/components/{name}" : "/api/v1/components/{name}/" + part.rawValue
        case .badge(let b):
            switch b.kind {
            case .status: "/badge/{name}/status.\(b.format.rawValue)"
            case .uptime: "/badge/{name}/uptime/{window}.\(b.format.rawValue)"
            case .latency: "/badge/{name}/latency/{window}.\(b.format.rawValue)"
            }
        case .notFound, .guardedNotFound: nil
        }
    }

    /// A documented path with its parameters filled in: `{window}` with a real window.
    static func instance(_ template: String) -> String {
        template.replacingOccurrences(of: "{window}", with: "7d").replacingOccurrences(of: "{name}", with: "orders-db")
            .replacingOccurrences(of: "{group}", with: "core").replacingOccurrences(of: "{id}", with: "db-down")
    }

    @Test func isOpenAPI31WithThisVersion() throws {
        #expect(Self.document["openapi"] as? String == "3.1.0")
        let info = try #require(Self.document["info"] as? [String: Any])
        #expect(info["version"] as? String == VitalsVersion.current)
        #expect(Self.paths.count >= 25)
    }

    @Test func everyServedPathIsDocumented() {
        for sample in Self.samples {
            let route = Route(path: sample)
            guard let path = Self.documentedPath(route) else {
                Issue.record("\(sample) is not routed")
                continue
            }
            #expect(Self.paths[path] != nil, "\(sample) (\(path)) is served but not documented")
        }
        // The aliases are documented under their own names too.
        #expect(Self.paths["/livez"]?["$ref"] as? String == "#/paths/~1health~1live")
        #expect(Self.paths["/readyz"]?["$ref"] as? String == "#/paths/~1health~1ready")
    }

    @Test func everyDocumentedPathIsServed() {
        for (path, item) in Self.paths where item["$ref"] == nil {
            let route = Route(path: Self.instance(path))
            #expect(Self.documentedPath(route) == path, "\(path) is documented but routed as \(route)")
            let methods = Set(item.keys).intersection(["get", "put", "post", "delete", "patch", "head", "options"])
            let expected: Set<String> = path.hasSuffix("/ack") ? ["post"] : ["get"]
            #expect(methods == expected, "\(path): \(methods.sorted()); the routes answer GET and HEAD, the acknowledgement POST")
        }
    }

    @Test func servedAsJSONBehindTheToken() async {
        let (snapshot, readiness) = FakeHealthSource.sample()
        let routes = HealthRoutes(source: FakeHealthSource(snapshot: snapshot, readiness: readiness), token: .init("t0k"))
        let request = HealthRequest(uri: "/api/v1/openapi.json")
        #expect(routes.rendersSlowly(request))
        #expect(await routes.answerSlowly(request).status.code == 401)
        let answer = await routes.answerSlowly(HealthRequest(uri: "/api/v1/openapi.json", authorization: "Bearer t0k"))
        #expect(answer.status.code == 200)
        #expect(answer.headers.first(name: "content-type") == "application/json")
        #expect(answer.bodyString == OpenAPIDocument.json)
    }
}
