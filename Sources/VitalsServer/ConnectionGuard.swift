import NIOCore

/// One connection's `RequestClock` on its event loop: arms and cancels the timer that closes a
/// connection whose client is too slow or too long idle, and tells `Connections` when the
/// connection starts or stops waiting on its client. Shared by `RequestBytesWatcher`, which
/// sees raw bytes before the HTTP decoder, and `HealthHTTPHandler`, which sees whole requests;
/// both run on the channel's event loop only.
final class ConnectionGuard {
    private var clock: RequestClock
    private var timer: Scheduled<Void>?
    private let channel: any Channel
    private let connections: Connections

    init(channel: any Channel, connections: Connections, limits: ServingLimits) {
        self.channel = channel
        self.connections = connections
        self.clock = limits.clock
        apply(clock.opened)
    }

    func bytesArrived() { apply(clock.bytesArrived()) }
    func requestComplete() { apply(clock.requestComplete()) }
    func answerSent() { apply(clock.answerSent()) }
    /// NIO's writability, as `channelWritabilityChanged` reports it.
    func writabilityChanged(writable: Bool) { apply(writable ? clock.writesResumed() : clock.writesBlocked()) }
    /// A part of a large answer went out to the client.
    func writeProgressed() { apply(clock.writesProgressed()) }

    private func apply(_ change: RequestClock.Timer) {
        switch change {
        case .keep:
            return
        case .cancel:
            timer?.cancel()
            timer = nil
        case .arm(let after):
            timer?.cancel()
            let channel = self.channel
            let (seconds, attoseconds) = after.components
            let nanos = seconds * 1_000_000_000 + attoseconds / 1_000_000_000
            timer = channel.eventLoop.scheduleTask(in: .nanoseconds(nanos)) { channel.close(promise: nil) }
        }
        connections.set(channel, clock.phase)
    }

    /// The connection closed: nothing left to time.
    func stop() {
        timer?.cancel()
        timer = nil
    }
}

/// First in the pipeline, before the HTTP decoder: the first byte of a request starts its
/// clock, which a decoder that only reports whole heads could not see.
final class RequestBytesWatcher: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    private let guardian: ConnectionGuard

    init(_ guardian: ConnectionGuard) { self.guardian = guardian }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guardian.bytesArrived()
        context.fireChannelRead(data)
    }

    func channelInactive(context: ChannelHandlerContext) {
        guardian.stop()
        context.fireChannelInactive()
    }
}
