import Testing
import VitalsConfig
import VitalsCore
@testable import VitalsServer

/// Routing as a plain function: status codes, auth, HEAD, caching, negotiation.
struct RoutesTests {
    static func routes(_ source: any HealthSource, token: String? = nil) -> HealthRoutes {
        HealthRoutes(source: source, token: token.map { .init($0) })
    }

    @Test func statusCodesAndMethods() {
        let (snapshot, readiness) = FakeHealthSource.sample()
        let r = Self.routes(FakeHealthSource(snapshot: snapshot, readiness: readiness))
        #expect(r.answer(HealthRequest(uri: "/health/ready")).status.code == 200)
        #expect(r.answer(HealthRequest(method: "HEAD", uri: "/health/ready")).status.code == 200)
        let post = r.answer(HealthRequest(method: "POST", uri: "/health/ready"))
        #expect(post.status.code == 405)
        #expect(post.headers.first(name: "allow") == "GET, HEAD")
        #expect(r.answer(HealthRequest(uri: "/nowhere")).status.code == 404)
        #expect(r.answer(HealthRequest(method: "DELETE", uri: "/nowhere")).status.code == 404)
        #expect(r.answer(HealthRequest(uri: "/health/group/core")).status.code == 200)
        #expect(r.answer(HealthRequest(uri: "/health/group/other")).status.code == 404)
        #expect(r.answer(HealthRequest(uri: "/alerts")).status.code == 404)
        let ready = r.answer(HealthRequest(uri: "/health/ready"))
        #expect(ready.headers.first(name: "content-length") == String(ready.body.readableBytes))
        #expect(ready.headers.first(name: "content-type") == "application/json")
    }

    @Test func cachedReadinessFollowsTheGeneration() {
        let (snapshot, readiness) = FakeHealthSource.sample()
        let source = FakeHealthSource(snapshot: snapshot, readiness: readiness)
        let r = Self.routes(source)
        #expect(r.answer(HealthRequest(uri: "/health/ready")).status.code == 200)
        var (s2, r2) = FakeHealthSource.sample(generation: 2)
        r2.ready = false
        r2.checks[0].ok = false
        s2.status = .unhealthy
        source.set(s2, r2)
        let after = r.answer(HealthRequest(uri: "/health/ready"))
        #expect(after.status.code == 503)
        #expect(after.bodyString.contains("\"failing\":[\"orders-db\"]"))
        #expect(r.answer(HealthRequest(uri: "/health/ready?exclude=orders-db")).status.code == 200)
    }

    /// `?exclude=` against the real store (not the fake's own recomputation): excluding the
    /// failing critical component makes readiness 200, excluding another does not.
    @Test func excludeIsAppliedByTheStore() {
        let specs = ["orders-db", "cache"].map { ComponentSpec(name: $0, failureThreshold: 1, probe: .memory(MemorySettings())) }
        let store = HealthStore(components: specs)
        store.record(component: "cache", result: ProbeResult(success: true, latency: .milliseconds(1), message: "ok"))
        store.record(component: "orders-db", result: .failure("connection refused"))
        let r = Self.routes(store)
        #expect(r.answer(HealthRequest(uri: "/health/ready")).status.code == 503)
        #expect(r.answer(HealthRequest(uri: "/health/ready?exclude=cache")).status.code == 503)
        #expect(r.answer(HealthRequest(uri: "/health/ready?exclude=orders-db")).status.code == 200)
        #expect(r.answer(HealthRequest(uri: "/health/ready?exclude=cache&exclude=orders-db")).status.code == 200)
    }

    @Test func tokenProtectsDetailsOnly() {
        let (snapshot, readiness) = FakeHealthSource.sample()
        let r = Self.routes(FakeHealthSource(snapshot: snapshot, readiness: readiness), token: "t0k")
        let denied = r.answer(HealthRequest(uri: "/health/detailed"))
        #expect(denied.status.code == 401)
        #expect(denied.headers.first(name: "www-authenticate") != nil)
        #expect(r.answer(HealthRequest(uri: "/metrics", authorization: "Bearer nope")).status.code == 401)
        let ok = r.answer(HealthRequest(uri: "/metrics", authorization: "Bearer t0k"))
        #expect(ok.status.code == 200)
        #expect(ok.headers.first(name: "content-type") == "text/plain; version=0.0.4; charset=utf-8")
        #expect(r.answer(HealthRequest(uri: "/health/ready")).status.code == 200)
        #expect(r.answer(HealthRequest(uri: "/health/live?verbose")).status.code == 200)
        #expect(r.rendersSlowly(HealthRequest(uri: "/metrics")))
        #expect(!r.rendersSlowly(HealthRequest(uri: "/health/ready")))
    }

    @Test func detailedNegotiatesHealthJSON() {
        let (snapshot, readiness) = FakeHealthSource.sample()
        let r = Self.routes(FakeHealthSource(snapshot: snapshot, readiness: readiness))
        let ietf = r.answer(HealthRequest(uri: "/health/detailed", accept: "application/health+json"))
        #expect(ietf.headers.first(name: "content-type") == "application/health+json")
        #expect(r.answer(HealthRequest(uri: "/health/detailed")).headers.first(name: "content-type") == "application/json")
    }
}
