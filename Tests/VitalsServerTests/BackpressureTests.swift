import NIOCore
import NIOEmbedded
import NIOHTTP1
import Testing
import VitalsConfig
@testable import VitalsServer

/// Backpressure on one connection, without a network: the server's own pipeline on an
/// `EmbeddedChannel` whose writability follows the bytes the client has not taken, as a
/// socket's does with NIO's write water marks.
struct BackpressureTests {
    /// The client end: counts what the server wrote and the client has not read, and turns the
    /// channel unwritable past the server's high water mark, as NIO does; counts reads.
    final class Peer: ChannelOutboundHandler, @unchecked Sendable {
        // Only touched on the embedded channel's loop, which is the test's thread.
        typealias OutboundIn = IOData
        var unread = 0
        var reads = 0
        let high = HealthServer.Buffers.writeWaterMark.high

        func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
            unread += unwrapOutboundIn(data).readableBytes
            context.write(data, promise: promise)
            if unread > high, let channel = context.channel as? EmbeddedChannel, channel.isWritable {
                channel.isWritable = false
                context.fireChannelWritabilityChanged()
            }
        }

        func read(context: ChannelHandlerContext) {
            reads += 1
            context.read()
        }
    }

    static let limits = ServingLimits(requestTimeout: .seconds(5), idleTimeout: .seconds(60), stallTimeout: .seconds(10))

    static func connection() throws -> (EmbeddedChannel, Peer, Connections) {
        let (snapshot, readiness) = FakeHealthSource.sample()
        let routes = HealthRoutes(source: FakeHealthSource(snapshot: snapshot, readiness: readiness), token: nil)
        let channel = EmbeddedChannel()
        let connections = Connections(limits: limits)
        #expect(connections.admit(channel))
        try HealthServer.configure(channel, routes: routes, connections: connections, limits: limits)
        let peer = Peer()
        try channel.pipeline.syncOperations.addHandler(peer, position: .first)
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
        return (channel, peer, connections)
    }

    /// The client reads everything the server wrote: the channel is writable again.
    static func clientReads(_ channel: EmbeddedChannel, _ peer: Peer) throws -> String {
        var text = ""
        while let part = try channel.readOutbound(as: ByteBuffer.self) { text += String(buffer: part) }
        peer.unread = 0
        channel.isWritable = true
        channel.pipeline.fireChannelWritabilityChanged()
        return text
    }

    static let request = "GET /health/live HTTP/1.1\r\nHost: x\r\n\r\n"

    static func answers(in text: String) -> Int { text.components(separatedBy: "HTTP/1.1 200").count - 1 }

    @Test func aClientThatReadsNothingGetsNoAnswerAndIsNotRead() throws {
        let (channel, peer, connections) = try Self.connection()
        defer { _ = try? channel.finish() }
        channel.isWritable = false
        channel.pipeline.fireChannelWritabilityChanged()
        #expect(connections.stalledCount == 1)
        try channel.writeInbound(ByteBuffer(string: String(repeating: Self.request, count: 500)))
        // Nothing is written while the client reads nothing, and the socket is not read further.
        #expect(try channel.readOutbound(as: ByteBuffer.self) == nil)
        let reads = peer.reads
        channel.read()
        #expect(peer.reads == reads)
    }

    @Test func answersGoOutAsTheClientReadsThemAndNoFaster() throws {
        let (channel, peer, _) = try Self.connection()
        defer { _ = try? channel.finish() }
        let count = 2000
        try channel.writeInbound(ByteBuffer(string: String(repeating: Self.request, count: count)))
        var answered = 0, rounds = 0
        var text = try Self.clientReads(channel, peer)
        while answered < count, rounds < count {
            let batch = Self.answers(in: text)
            // What the server wrote before it stopped: up to its high water mark, plus one answer.
            #expect(text.utf8.count <= HealthServer.Buffers.writeWaterMark.high + 1024, "\(text.utf8.count) bytes in one round")
            answered += batch
            rounds += 1
            text = try Self.clientReads(channel, peer)
        }
        answered += Self.answers(in: text)
        #expect(answered == count)
        #expect(rounds > 1)
    }

    /// Hundreds of requests in one read are answered a few a turn, so the other
    /// connections on it (kubelet's) are read in between.
    @Test func pipelinedRequestsAreAnsweredAFewATurn() throws {
        let (channel, _, _) = try Self.connection()
        defer { _ = try? channel.finish() }
        func written() throws -> Int {
            var text = ""
            while let part = try channel.readOutbound(as: ByteBuffer.self) { text += String(buffer: part) }
            return Self.answers(in: text)
        }
        try channel.writeInbound(ByteBuffer(string: String(repeating: Self.request, count: 100)))
        #expect(try written() == HealthHTTPHandler.answersPerTurn)
        channel.embeddedEventLoop.advanceTime(by: HealthHTTPHandler.turn)
        #expect(try written() == HealthHTTPHandler.answersPerTurn)
        for _ in 0..<10 { channel.embeddedEventLoop.advanceTime(by: HealthHTTPHandler.turn) }
        #expect(try written() == 100 - 2 * HealthHTTPHandler.answersPerTurn)
    }

    @Test func aStalledClientIsClosedAtTheStallDeadline() throws {
        let (channel, _, connections) = try Self.connection()
        try channel.writeInbound(ByteBuffer(string: String(repeating: Self.request, count: 1000)))
        // A few answers a turn: the turns until the client's buffer is full.
        for _ in 0..<100 { channel.embeddedEventLoop.advanceTime(by: HealthHTTPHandler.turn) }
        #expect(connections.stalledCount == 1)
        channel.embeddedEventLoop.advanceTime(by: .seconds(9))
        #expect(channel.isActive)
        channel.embeddedEventLoop.advanceTime(by: .seconds(1))
        #expect(!channel.isActive)
    }

    /// The token is checked before the body's size: a client without it learns nothing.
    @Test func anOversizedBodyWithoutTheTokenIs401() throws {
        let (snapshot, readiness) = FakeHealthSource.sample()
        let routes = HealthRoutes(source: FakeHealthSource(snapshot: snapshot, readiness: readiness), token: Secret("t0k"))
        func post(_ authorization: String) throws -> String {
            let channel = EmbeddedChannel()
            try HealthServer.configure(channel, routes: routes, connections: Connections(limits: Self.limits), limits: Self.limits)
            defer { _ = try? channel.finish() }
            let head = "POST /api/v1/alerts/a/ack HTTP/1.1\r\nHost: x\r\n\(authorization)Content-Type: application/json\r\nContent-Length: 70000\r\n\r\n"
            try channel.writeInbound(ByteBuffer(string: head + String(repeating: " ", count: 70000)))
            var text = ""
            while let part = try channel.readOutbound(as: ByteBuffer.self) { text += String(buffer: part) }
            return text
        }
        #expect(try post("").hasPrefix("HTTP/1.1 401"))
        #expect(try post("Authorization: Bearer nope\r\n").hasPrefix("HTTP/1.1 401"))
        #expect(try post("Authorization: Bearer t0k\r\n").hasPrefix("HTTP/1.1 413"))
    }
}
