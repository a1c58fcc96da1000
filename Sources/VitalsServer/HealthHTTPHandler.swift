import NIOCore
import NIOHTTP1

/// Answers HTTP/1.1 requests on the event loop that read them.
///
/// The probe endpoints are answered synchronously from cached bytes: no task, no thread hop,
/// which is what lets a hot `/health/ready` keep pace with a static-file server. Answers that
/// render the full snapshot (`/metrics`, `/health/detailed`) are built off the event loop so a
/// scrape never holds up kubelet. Only a POST's body is kept (the alert acknowledgement's); any
/// body past 64 KiB is refused.
final class HealthHTTPHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    static let maxBodyBytes = 64 * 1024

    private let routes: HealthRoutes
    private let guardian: ConnectionGuard
    private var head: HTTPRequestHead?
    private var bodyBytes = 0
    private var refused = false
    /// The body of a POST, collected until `.end` (bounded by `maxBodyBytes`).
    private var body: ByteBuffer?

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
                write(context: context, .plain(413, "request body too large\n"), for: h, keepAlive: false)
            } else if !refused, head?.method == .POST {
                if body == nil { body = chunk } else { body!.writeBuffer(&chunk) }
            }
        case .end:
            guard let h = head, !refused else { return }
            head = nil
            let collected = body
            body = nil
            guardian.requestComplete()
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
                }
            } else {
                write(context: context, routes.answer(request), for: h, keepAlive: h.isKeepAlive)
            }
        }
    }

    private func write(context: ChannelHandlerContext, _ answer: HealthAnswer, for request: HTTPRequestHead, keepAlive: Bool) {
        var headers = answer.headers
        if !keepAlive { headers.replaceOrAdd(name: "connection", value: "close") }
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: request.version, status: answer.status, headers: headers))), promise: nil)
        if request.method != .HEAD {
            context.write(wrapOutboundOut(.body(.byteBuffer(answer.body))), promise: nil)
        }
        let done = context.writeAndFlush(wrapOutboundOut(.end(nil)))
        if keepAlive {
            guardian.answerSent()
        } else {
            let channel = context.channel
            done.whenComplete { _ in channel.close(promise: nil) }
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
