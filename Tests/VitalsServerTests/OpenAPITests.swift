import Foundation
import Testing
import VitalsCore
@testable import VitalsServer

/// The OpenAPI document (api/openapi.json) and the route table describe the same endpoints:
/// every route is documented with its methods, every documented path is a route. What the
/// answers look like is checked against it by schemathesis on a live daemon
/// (`scripts/checks/api-check.sh`, part of `make test`).
struct OpenAPITests {
    /// The document, parsed: one that does not parse fails every test that reads it.
    static func document() throws -> [String: Any] {
        let parsed = try JSONSerialization.jsonObject(with: Data(OpenAPIDocument.json.utf8))
        return try #require(parsed as? [String: Any], "the OpenAPI document is not a JSON object")
    }

    static func paths() throws -> [String: [String: Any]] {
        try #require(try document()["paths"] as? [String: [String: Any]], "the OpenAPI document has no paths")
    }

    static let table = RouteTable.vitals
    static let operations: Set<String> = ["get", "put", "post", "delete", "patch", "head", "options", "trace"]

    /// One request path for every kind of route.
    static let samples = [
        "/health/live", "/livez", "/health/ready", "/readyz", "/health/startup", "/health", "/health/group/core", "/health/detailed",
        "/metrics", "/alerts", "/api/v1/components", "/api/v1/components/orders-db", "/api/v1/components/orders-db/history",
        "/api/v1/components/orders-db/transitions", "/api/v1/components/orders-db/uptime", "/api/v1/openapi.json",
        "/badge/orders-db/status.svg", "/badge/orders-db/status.json", "/badge/orders-db/uptime/30d.svg", "/badge/orders-db/uptime/30d.json",
        "/badge/orders-db/latency/24h.svg", "/badge/orders-db/latency/24h.json", "/api/v1/alerts/db-down:orders-db/ack",
        "/", "/components/orders-db", "/status/public", "/status/public/logo.svg", "/status/public/components/orders-db",
        "/status/public/feed.atom", "/feed.atom", "/api/v1/incidents", "/api/v1/incidents/7/updates",
    ]

    /// A documented path with its parameters filled in: `{window}` with a real window.
    static func instance(_ template: String) -> String {
        template.replacingOccurrences(of: "{window}", with: "7d").replacingOccurrences(of: "{name}", with: "orders-db")
            .replacingOccurrences(of: "{group}", with: "core").replacingOccurrences(of: "{id}", with: "db-down")
    }

    /// A path item's JSON pointer, as a `$ref` names it: `#/paths/~1health~1live`.
    static func pointer(_ path: String) -> String {
        "#/paths/" + path.replacingOccurrences(of: "~", with: "~0").replacingOccurrences(of: "/", with: "~1")
    }

    @Test func isOpenAPI31WithThisVersion() throws {
        let document = try Self.document()
        #expect(document["openapi"] as? String == "3.1.0")
        let info = try #require(document["info"] as? [String: Any])
        #expect(info["version"] as? String == VitalsVersion.current)
        #expect(try Self.paths().count >= 25)
    }

    @Test func everyRouteIsDocumentedWithItsMethods() throws {
        let paths = try Self.paths()
        for route in Self.table.routes {
            guard let item = paths[route.template] else {
                Issue.record("\(route.template) is served but not documented")
                continue
            }
            // HEAD goes with GET (the same answer without its body), and is not listed.
            #expect(!route.methods.contains("GET") || route.methods.contains("HEAD"), "\(route.template)")
            let served = Set(route.methods.filter { $0 != "HEAD" }.map { $0.lowercased() })
            let documented = Set(item.keys).intersection(Self.operations)
            #expect(documented == served, "\(route.template): documented \(documented.sorted()), served \(served.sorted())")
            for alias in route.aliases {
                #expect(paths[alias]?["$ref"] as? String == Self.pointer(route.template), "\(alias) is not documented as \(route.template)")
            }
        }
    }

    @Test func everyDocumentedPathIsARoute() throws {
        for (path, item) in try Self.paths() {
            if let ref = item["$ref"] as? String {
                let route = Self.table.routes.first { $0.aliases.contains(path) }
                #expect(route.map { Self.pointer($0.template) } == ref, "\(path) is documented as \(ref) but not routed there")
            } else {
                #expect(Self.table.routes.contains { $0.template == path }, "\(path) is documented but no route serves it")
            }
        }
    }

    /// Each template, filled in, is routed to its own entry with every parameter: no route
    /// shadows another.
    @Test func everyTemplateRoutesToItself() {
        for route in Self.table.routes {
            let match = Self.table.match(Self.instance(route.template)[...])
            #expect(match?.route === route, "\(route.template) is routed to \(match?.route.template ?? "nothing")")
            let names = route.segments.compactMap { if case .parameter(let name, _) = $0 { name } else { nil } }
            #expect(match.map { Set($0.parameters.keys) } == Set(names), "\(route.template)")
        }
    }

    @Test func everySampleIsADocumentedRoute() throws {
        let paths = try Self.paths()
        for sample in Self.samples {
            guard let route = Self.table.match(sample[...])?.route, Self.table.routes.contains(where: { $0 === route }) else {
                Issue.record("\(sample) is not routed")
                continue
            }
            #expect(paths[route.template] != nil, "\(sample) (\(route.template)) is served but not documented")
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
