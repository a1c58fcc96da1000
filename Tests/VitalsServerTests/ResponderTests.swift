import Hummingbird
import HummingbirdTesting
import Logging
import Testing
import VitalsCore
@testable import VitalsServer

/// The responder through Hummingbird's test client: status codes, auth, HEAD, caching.
struct ResponderTests {
    func app(_ source: FakeHealthSource, token: String? = nil) -> some ApplicationProtocol {
        Application(responder: HealthResponder(source: source, token: token.map { .init($0) }))
    }

    @Test func statusCodesAndMethods() async throws {
        let (snapshot, readiness) = FakeHealthSource.sample()
        let source = FakeHealthSource(snapshot: snapshot, readiness: readiness)
        try await app(source).test(.router) { client in
            try await client.execute(uri: "/health/ready", method: .get) { #expect($0.status == .ok) }
            try await client.execute(uri: "/health/ready", method: .head) { r in
                #expect(r.status == .ok)
                #expect(r.body.readableBytes == 0)
            }
            try await client.execute(uri: "/health/ready", method: .post) { r in
                #expect(r.status == .methodNotAllowed)
                #expect(r.headers[.allow] == "GET, HEAD")
            }
            try await client.execute(uri: "/nowhere", method: .get) { #expect($0.status == .notFound) }
            try await client.execute(uri: "/health/group/core", method: .get) { #expect($0.status == .ok) }
            try await client.execute(uri: "/health/group/other", method: .get) { #expect($0.status == .notFound) }
            try await client.execute(uri: "/alerts", method: .get) { #expect($0.status == .notFound) }
        }
    }

    @Test func cachedReadinessFollowsTheGeneration() async throws {
        let (snapshot, readiness) = FakeHealthSource.sample()
        let source = FakeHealthSource(snapshot: snapshot, readiness: readiness)
        try await app(source).test(.router) { client in
            try await client.execute(uri: "/health/ready", method: .get) { #expect($0.status == .ok) }
            var (s2, r2) = FakeHealthSource.sample(generation: 2)
            r2.ready = false
            r2.checks[0].ok = false
            s2.status = .unhealthy
            source.set(s2, r2)
            try await client.execute(uri: "/health/ready", method: .get) { r in
                #expect(r.status == .serviceUnavailable)
                #expect(String(buffer: r.body).contains("\"failing\":[\"orders-db\"]"))
            }
            try await client.execute(uri: "/health/ready?exclude=orders-db", method: .get) { #expect($0.status == .ok) }
        }
    }

    @Test func tokenProtectsDetailsOnly() async throws {
        let (snapshot, readiness) = FakeHealthSource.sample()
        let source = FakeHealthSource(snapshot: snapshot, readiness: readiness)
        try await app(source, token: "t0k").test(.router) { client in
            try await client.execute(uri: "/health/detailed", method: .get) { r in
                #expect(r.status == .unauthorized)
                #expect(r.headers[.wwwAuthenticate] != nil)
            }
            try await client.execute(uri: "/metrics", method: .get, headers: [.authorization: "Bearer nope"]) {
                #expect($0.status == .unauthorized)
            }
            try await client.execute(uri: "/metrics", method: .get, headers: [.authorization: "Bearer t0k"]) { r in
                #expect(r.status == .ok)
                #expect(r.headers[.contentType] == "text/plain; version=0.0.4; charset=utf-8")
            }
            try await client.execute(uri: "/health/ready", method: .get) { #expect($0.status == .ok) }
            try await client.execute(uri: "/health/live?verbose", method: .get) { #expect($0.status == .ok) }
        }
    }

    @Test func detailedNegotiatesHealthJSON() async throws {
        let (snapshot, readiness) = FakeHealthSource.sample()
        let source = FakeHealthSource(snapshot: snapshot, readiness: readiness)
        try await app(source).test(.router) { client in
            try await client.execute(uri: "/health/detailed", method: .get, headers: [.accept: "application/health+json"]) { r in
                #expect(r.headers[.contentType] == "application/health+json")
            }
            try await client.execute(uri: "/health/detailed", method: .get) { r in
                #expect(r.headers[.contentType] == "application/json")
            }
        }
    }
}
