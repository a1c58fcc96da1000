import NIOCore
import NIOHTTP1

/// Answers HTTP/1.1 requests on the event loop that read them.
///
/// The probe endpoints are answered synchronously from cached bytes: no task, no thread hop,
/// which is what lets a hot `/health/ready` keep pace with a static-file server. Answers that
/// render the full snapshot (`/metrics`, `/health/detailed`) are built off the event loop so a
/// scrape never holds up kubelet. Only a POST's body is kept (the alert acknowledgement's); any
/// body past 64 KiB is refused (after the token: a client without it learns nothing more).
///
/// Backpressure: a request that completes while the channel is not writable (the client is not
/// reading its earlier answers) is held, unanswered, until the channel is writable again. Its
/// answer's `.end` not being written, NIO's pipelining handler buffers what follows and stops
/// reading the socket, so a client that pipelines without reading holds one connection's worth
/// of memory (`HealthServer.Buffers`), not an answer per request it sends.
final class HealthHTTPHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    static let maxBodyBytes = 64 * 1024
    /// A larger body is written in parts of this size, each of which going out counts as the
    /// client reading (`ConnectionGuard.writeProgressed`): a slow reader of a large `/metrics`
    /// is not taken for one that reads nothing.
    static let writePart = 64 * 1024

    private let routes: HealthRoutes
    private let guardian: ConnectionGuard
    private var head: HTTPRequestHead?
    private var bodyBytes = 0
    private var refused = false
    /// The body of a POST, collected until `.end` (bounded by `maxBodyBytes`).
    private var body: ByteBuffer?
    /// A complete request that arrived while the channel was not writable.
    private var held: (head: HTTPRequestHead, body: ByteBuffer?)?
    /// Answers written on the event loop's turn and not yet flushed: pipelined requests are
    /// answered with one flush (one system call) per read, not one each.
    private var unflushed = false
    /// Pipelined requests answered in this turn: past `answersPerTurn` the next one waits
    /// `turn`, so a client that pipelines hundreds of requests in one read does not hold up the
    /// other connections on its event loop (kubelet's). A task the loop is asked to `execute`
    /// would not do: NIO runs the tasks that tasks submit before it looks at I/O again; a
    /// scheduled one lets the loop wait for I/O until it is due.
    private var answeredThisTurn = 0
    private var nextTurnScheduled = false
    static let answersPerTurn = 16
    static let turn = TimeAmount.milliseconds(1)

    init(routes: HealthRoutes, guardian: ConnectionGuard) {
        self.routes = routes
        self.guardian = guardian
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let h):
            head = h
            bodyBytes = 0
            refused = false
            body = nil
        case .body(var chunk):
            bodyBytes += chunk.readableBytes
            if bodyBytes > Self.maxBodyBytes, !refused, let h = head {
                refused = true
                body = nil
                write(context: context, tooLarge(h), for: h, keepAlive: false)
            } else if !refused, head?.method == .POST {
                if body == nil { body = chunk } else { body!.writeBuffer(&chunk) }
            }
        case .end:
            guard let h = head, !refused else { return }
            head = nil
            let collected = body
            body = nil
            guardian.requestComplete()
            if context.channel.isWritable, answeredThisTurn < Self.answersPerTurn {
                answer(context: context, h, body: collected)
            } else {
                held = (h, collected)
                if context.channel.isWritable { answerInNextTurn(context: context) }
            }
        }
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        let writable = context.channel.isWritable
        guardian.writabilityChanged(writable: writable)
        if writable { answerHeld(context: context) }
        flushIfNeeded(context: context)
        context.fireChannelWritabilityChanged()
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        answeredThisTurn = 0
        flushIfNeeded(context: context)
        context.fireChannelReadComplete()
    }

    private func answerHeld(context: ChannelHandlerContext) {
        guard let (h, collected) = held, context.channel.isWritable else { return }
        held = nil
        answer(context: context, h, body: collected)
    }

    /// In a `turn`, after the other connections' I/O.
    private func answerInNextTurn(context: ChannelHandlerContext) {
        guard !nextTurnScheduled else { return }
        nextTurnScheduled = true
        let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        context.eventLoop.scheduleTask(in: Self.turn) {
            let (handler, context) = bound.value
            handler.nextTurnScheduled = false
            handler.answeredThisTurn = 0
            handler.answerHeld(context: context)
            handler.flushIfNeeded(context: context)
        }
    }

    private func flushIfNeeded(context: ChannelHandlerContext) {
        guard unflushed else { return }
        unflushed = false
        context.flush()
    }

    private func answer(context: ChannelHandlerContext, _ h: HTTPRequestHead, body collected: ByteBuffer?) {
        answeredThisTurn += 1
        var request = HealthRequest(method: h.method == .GET ? "GET" : h.method.rawValue, uri: h.uri)
        if routes.rendersSlowly(request) {
            // Only these routes read headers: the hot ones skip the lookups.
            request.authorization = h.headers.first(name: "authorization")
            request.accept = h.headers.first(name: "accept")
            if h.method == .POST {
                request.contentType = h.headers.first(name: "content-type")
                request.body = collected.map { Array($0.readableBytesView) } ?? []
            }
            request.ifNoneMatch = h.headers.first(name: "if-none-match")
            let routes = self.routes
            let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
            context.eventLoop.makeFutureWithTask { await routes.answerSlowly(request) }.whenSuccess { answer in
                let (handler, context) = bound.value
                handler.write(context: context, answer, for: h, keepAlive: h.isKeepAlive)
                handler.flushIfNeeded(context: context)
            }
        } else {
            write(context: context, routes.answer(request), for: h, keepAlive: h.isKeepAlive)
        }
    }

    /// 413 for a body past the limit, but 401 first without the token where one is needed: the
    /// README promises the token is checked before anything else.
    private func tooLarge(_ h: HTTPRequestHead) -> HealthAnswer {
        var request = HealthRequest(method: h.method == .GET ? "GET" : h.method.rawValue, uri: h.uri)
        request.authorization = h.headers.first(name: "authorization")
        return routes.refusalBeforeBody(request) ?? .plain(413, "request body too large\n")
    }

    private func write(context: ChannelHandlerContext, _ answer: HealthAnswer, for request: HTTPRequestHead, keepAlive: Bool) {
        var headers = answer.headers
        if !keepAlive { headers.replaceOrAdd(name: "connection", value: "close") }
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: request.version, status: answer.status, headers: headers))), promise: nil)
        if request.method != .HEAD {
            var body = answer.body
            if body.readableBytes <= Self.writePart {
                context.write(wrapOutboundOut(.body(.byteBuffer(body))), promise: nil)
            } else {
                let guardian = NIOLoopBound(guardian, eventLoop: context.eventLoop)
                while body.readableBytes > 0, let part = body.readSlice(length: min(Self.writePart, body.readableBytes)) {
                    context.write(wrapOutboundOut(.body(.byteBuffer(part)))).whenSuccess { guardian.value.writeProgressed() }
                }
            }
        }
        if keepAlive {
            // Flushed at the end of this turn (`channelReadComplete`, or the caller).
            context.write(wrapOutboundOut(.end(nil)), promise: nil)
            unflushed = true
            guardian.answerSent()
        } else {
            unflushed = false
            let channel = context.channel
            context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in channel.close(promise: nil) }
        }
    }

    /// NIO's protocol error handler, before this one, has already written `400` with
    /// `Connection: close`; the connection is closed at once, as that header promises, instead
    /// of being held until a timer ends it.
    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if error is HTTPParserError {
            context.close(promise: nil)
        } else {
            context.fireErrorCaught(error)
        }
    }
}
