import Foundation
import Logging
import Synchronization
import Testing
import VitalsConfig
@testable import VitalsServer

/// The server under a hostile crowd, on real sockets: kubelet's probes are answered while
/// thousands of slow clients hold connections, slow requests are cut at their deadline,
/// idle keep-alive ends, and a 400 closes at once.
@Suite(.serialized)
struct AbuseTests {
    /// A server over a fixed healthy state, on a free loopback port.
    static func serve(_ limits: ServingLimits) async throws -> (port: Int, server: BoundHealthServer) {
        let (snapshot, readiness) = FakeHealthSource.sample()
        let routes = HealthRoutes(source: FakeHealthSource(snapshot: snapshot, readiness: readiness), token: nil)
        let port = Mutex(0)
        let server = try await HealthServer(
            listen: ListenAddress(host: "127.0.0.1", port: 0), routes: routes, logger: Logger(label: "abuse-test"),
            limits: limits, onListening: { p in port.withLock { $0 = p } }
        ).bind()
        return (port.withLock { $0 }, server)
    }

    static func stop(_ server: BoundHealthServer) async {
        try? await server.server.close()
        server.connections.closeAll()
    }

    /// Connections that trickle a request head a byte at a time, from ten client addresses,
    /// on a thread of their own; counts how many the server has closed.
    final class Flood: Sendable {
        private let state = Mutex<(stop: Bool, opened: Int, closed: Int, done: Bool)>((false, 0, 0, false))
        var opened: Int { state.withLock { $0.opened } }
        var closed: Int { state.withLock { $0.closed } }
        var done: Bool { state.withLock { $0.done } }
        func stop() { state.withLock { $0.stop = true } }

        init(port: Int, connections: Int, addresses: Int = 10) {
            Thread.detachNewThread { [self] in
                var clients: [RawClient] = []
                for i in 0..<connections {
                    if let c = RawClient(port: port, from: "127.0.0.\(2 + i % addresses)") {
                        c.send("G")
                        clients.append(c)
                    }
                }
                state.withLock { $0.opened = clients.count }
                var alive = clients
                while !state.withLock({ $0.stop }), !alive.isEmpty {
                    // One more header byte each, a few times a second: every byte would reset
                    // an idle timer; none of them may extend the request's deadline.
                    alive.removeAll { !$0.send("a") || $0.isClosedByServer }
                    state.withLock { $0.closed = clients.count - alive.count }
                    usleep(200_000)
                }
                state.withLock { $0.done = true }
            }
        }
    }

    @Test func kubeletIsAnsweredWhileAFloodOfSlowClientsFillsTheCap() async throws {
        RawClient.raiseDescriptorLimit()
        // Both ends of every connection live in this process.
        let flood = min(3000, (RawClient.descriptorLimit - 500) / 2)
        try #require(flood >= 2000, "descriptor limit \(RawClient.descriptorLimit) is too low for the flood")
        let limits = ServingLimits(maxConnections: 1024, maxConnectionsPerClient: 256, requestTimeout: .seconds(3), idleTimeout: .seconds(60))
        let (port, server) = try await Self.serve(limits)
        let crowd = Flood(port: port, connections: flood)
        defer { crowd.stop() }
        let started = ContinuousClock.now
        while crowd.opened == 0, ContinuousClock.now < started + .seconds(60) { try await Task.sleep(for: .milliseconds(20)) }
        #expect(crowd.opened >= 2000)
        #expect(server.connections.count <= 1024)

        // kubelet from its own address, and from one the flood uses (a node-local attacker).
        var answers: [Int?] = []
        for i in 0..<40 {
            answers.append(RawClient.status(port: port, from: i % 2 == 0 ? "127.0.0.1" : "127.0.0.2", path: "/health/live"))
            try await Task.sleep(for: .milliseconds(50))
        }
        #expect(answers.allSatisfy { $0 == 200 }, "answers: \(answers)")

        // No trickler outlives its deadline: all are closed, though each keeps sending.
        let deadline = ContinuousClock.now + .seconds(60)
        while crowd.closed < crowd.opened, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(100)) }
        #expect(crowd.closed == crowd.opened)
        crowd.stop()
        while !crowd.done, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
        while server.connections.count > 0, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
        #expect(server.connections.count == 0)
        await Self.stop(server)
    }

    @Test func aRequestTrickledByteByByteIsCutAtItsDeadline() async throws {
        // Generous idle timeout: only the request deadline can end this connection in time.
        let limits = ServingLimits(requestTimeout: .seconds(1), idleTimeout: .seconds(600))
        let (port, server) = try await Self.serve(limits)
        let client = try #require(RawClient(port: port))
        let start = ContinuousClock.now
        var closed = false
        for byte in "GET /health/live HTTP/1.1\r\nX-Slow: " + String(repeating: "a", count: 100) {
            if !client.send(String(byte)) || client.isClosedByServer {
                closed = true
                break
            }
            if client.read(timeout: .milliseconds(100)).closed {
                closed = true
                break
            }
        }
        #expect(closed, "the server kept a trickling request open for \(start.duration(to: .now))")
        await Self.stop(server)
    }

    @Test func aTrickledBodyIsCutAtTheRequestDeadlineToo() async throws {
        let limits = ServingLimits(requestTimeout: .seconds(1), idleTimeout: .seconds(600))
        let (port, server) = try await Self.serve(limits)
        let client = try #require(RawClient(port: port))
        client.send("POST /health/live HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n")
        var closed = false
        for _ in 0..<100 where !closed {
            closed = !client.send("b") || client.read(timeout: .milliseconds(100)).closed
        }
        #expect(closed)
        await Self.stop(server)
    }

    @Test func anIdleKeepAliveConnectionIsClosed() async throws {
        let limits = ServingLimits(requestTimeout: .seconds(600), idleTimeout: .seconds(1))
        let (port, server) = try await Self.serve(limits)
        let client = try #require(RawClient(port: port))
        client.send("GET /health/live HTTP/1.1\r\nHost: x\r\n\r\n")
        let answer = client.read(until: "pass\"}", timeout: .seconds(10))
        #expect(answer.text.hasPrefix("HTTP/1.1 200"))
        #expect(!answer.closed)
        // Nothing more is sent: the idle timeout, not the request's, ends it.
        #expect(client.read(timeout: .seconds(20)).closed)
        await Self.stop(server)
    }

    @Test func aBadRequestGets400AndTheConnectionClosesAtOnce() async throws {
        // Both timers far out: only the immediate close after 400 passes this test.
        let limits = ServingLimits(requestTimeout: .seconds(600), idleTimeout: .seconds(600))
        let (port, server) = try await Self.serve(limits)
        let client = try #require(RawClient(port: port))
        client.send("NOT HTTP AT ALL\r\n\r\n")
        let answer = client.read(timeout: .seconds(20))
        #expect(answer.text.hasPrefix("HTTP/1.1 400"))
        #expect(answer.text.lowercased().contains("connection: close"))
        #expect(answer.closed)
        await Self.stop(server)
    }

    @Test func oneClientAtItsCapCannotPushOutAnotherClientsConnections() async throws {
        let limits = ServingLimits(maxConnections: 64, maxConnectionsPerClient: 8, requestTimeout: .seconds(600), idleTimeout: .seconds(600))
        let (port, server) = try await Self.serve(limits)
        // Prometheus holds keep-alive connections that have waited longest of all.
        let prometheus = (0..<4).compactMap { _ in RawClient(port: port, from: "127.0.0.20") }
        for c in prometheus {
            c.send("GET /health/live HTTP/1.1\r\nHost: x\r\n\r\n")
            #expect(c.read(until: "pass\"}", timeout: .seconds(10)).text.hasPrefix("HTTP/1.1 200"))
        }
        // One address opens ten times its cap of silent connections.
        let flood = (0..<80).compactMap { _ in RawClient(port: port, from: "127.0.0.21") }
        #expect(flood.count == 80)
        let deadline = ContinuousClock.now + .seconds(20)
        while flood.filter(\.isClosedByServer).count < 72, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(20))
        }
        #expect(flood.filter(\.isClosedByServer).count == 72)
        // Prometheus' connections are still open and still answered.
        for c in prometheus {
            #expect(!c.isClosedByServer)
            c.send("GET /health/ready HTTP/1.1\r\nHost: x\r\n\r\n")
            #expect(c.read(until: "\r\n\r\n", timeout: .seconds(10)).text.hasPrefix("HTTP/1.1 200"))
        }
        await Self.stop(server)
    }
}
