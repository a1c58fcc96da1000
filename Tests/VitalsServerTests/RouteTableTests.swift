import Testing
@testable import VitalsServer

/// The rules the route table derives: the guarded namespaces and what a template matches.
struct RouteTableTests {
    static func routes(token: String?, publicStatus: Bool = false) -> HealthRoutes {
        let (snapshot, readiness) = FakeHealthSource.sample()
        return HealthRoutes(source: FakeHealthSource(snapshot: snapshot, readiness: readiness), token: token.map { .init($0) }, publicStatus: publicStatus)
    }

    /// Spec section 9's namespaces: `/api/` needs the token, `/components/` and `/badge/` are
    /// the status pages', `/health/` (which holds the probes) is nobody's.
    @Test func guardedNamespacesComeFromTheirRoutes() {
        let guarded = RouteTable.vitals.guarded.mapValues(\.access)
        #expect(guarded == ["/api/": .token, "/components/": .statusPage, "/badge/": .statusPage, "/status/": .statusPage])
        for path in ["/api/", "/api/v2/anything", "/api/v1/components/a/b/c"] {
            #expect(RouteTable.vitals.match(path[...])?.route.template == "/api/", "\(path)")
        }
        for path in ["/api", "/health/nothing", "/nothing/at/all", "/badge", ""] {
            #expect(RouteTable.vitals.match(path[...])?.route.template == nil, "\(path)")
        }
    }

    /// A path in a guarded namespace that no route takes: 401 without the token, 404 with it
    /// (or with `public_status` where the namespace is the status pages'), GET and HEAD only.
    @Test func nothingInAGuardedNamespaceIsA401ThenA404() async {
        let r = Self.routes(token: "t0k")
        #expect(await r.answerSlowly(HealthRequest(uri: "/api/nothing")).status.code == 401)
        let found = await r.answerSlowly(HealthRequest(uri: "/api/nothing", authorization: "Bearer t0k"))
        #expect(found.status.code == 404 && found.bodyString == "not found\n")
        let post = await r.answerSlowly(HealthRequest(method: "POST", uri: "/api/nothing", authorization: "Bearer t0k"))
        #expect(post.status.code == 405 && post.headers.first(name: "allow") == "GET, HEAD")
        // A badge window the uptime endpoint does not have is no badge.
        #expect(await r.answerSlowly(HealthRequest(uri: "/badge/orders-db/uptime/2d.svg")).status.code == 401)
        let open = Self.routes(token: "t0k", publicStatus: true)
        for path in ["/badge/orders-db/uptime/2d.svg", "/badge/orders-db/nothing", "/components/a/b"] {
            let answer = await open.answerSlowly(HealthRequest(uri: path))
            #expect(answer.status.code == 404 && answer.bodyString == "not found\n", "\(path)")
        }
        #expect(await open.answerSlowly(HealthRequest(uri: "/api/nothing")).status.code == 401)
        // Outside a guarded namespace, 404 for anyone, whatever the method.
        #expect(r.answer(HealthRequest(method: "PUT", uri: "/health/nothing")).status.code == 404)
        #expect(!r.rendersSlowly(HealthRequest(uri: "/health/nothing")))
    }

    /// The ack's id is percent-decoded; one that does not decode is no ack (the namespace's 405).
    @Test func parametersThatDoNotDecodeAreNoMatch() async {
        #expect(RouteTable.vitals.match("/api/v1/alerts/db-down%3Adb/ack")?.parameters == ["id": "db-down:db"])
        #expect(RouteTable.vitals.match("/api/v1/alerts/%ZZ/ack")?.route.template == "/api/")
        // Other parameters are taken as sent.
        #expect(RouteTable.vitals.match("/components/a%20b")?.parameters == ["name": "a%20b"])
        let r = Self.routes(token: nil)
        #expect(await r.answerSlowly(HealthRequest(method: "POST", uri: "/api/v1/alerts/%ZZ/ack")).status.code == 405)
    }

    @Test func templatesMatchWholeSegments() {
        let route = Route("/badge/{name}/uptime/{window}.svg", .statusPage, .rendered { _, _ in .plain(200, "") })
        #expect(route.match("/badge/db/uptime/7d.svg".split(separator: "/", omittingEmptySubsequences: false)) == ["name": "db", "window": "7d"])
        for path in ["/badge/db/uptime/.svg", "/badge//uptime/7d.svg", "/badge/db/uptime/7d.json", "/badge/db/uptime/7d.svg/x", "/badge/db/latency/7d.svg"] {
            #expect(route.match(path.split(separator: "/", omittingEmptySubsequences: false)) == nil, "\(path)")
        }
    }

    /// Only open inline routes are answered on the event loop: a route that needs the token is
    /// answered where its headers are read.
    @Test func onlyOpenInlineRoutesStayOnTheEventLoop() {
        let inline = Route("/x", .token, .inline { _, _ in .plain(200, "") })
        #expect(inline.answersOffLoop)
        #expect(!Route("/x", .open, .inline { _, _ in .plain(200, "") }).answersOffLoop)
        for route in RouteTable.vitals.routes where !route.answersOffLoop {
            #expect(route.access == .open && route.template.hasPrefix("/health"), "\(route.template)")
        }
    }
}
