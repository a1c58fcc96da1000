/// One connection's deadline, as a plain value: what the connection owes the server and how
/// long it may take.
///
/// A request (head and body) must arrive in full within `requestTimeout` of its first byte,
/// however slowly the client trickles it: an idle timer that any byte resets (what a plain
/// `IdleStateHandler` gives) lets a client hold a connection forever at a byte a minute. A new
/// connection owes its first request at once. Between requests a keep-alive connection may sit
/// for `idleTimeout`. The I/O side (`ConnectionGuard`) turns the returned `Timer` into a
/// scheduled close on the event loop.
struct RequestClock: Equatable, Sendable {
    /// What the I/O side does with the connection's close timer.
    enum Timer: Equatable, Sendable {
        case arm(Duration)
        case cancel
        case keep
    }

    let requestTimeout: Duration
    let idleTimeout: Duration
    private(set) var phase: ConnectionPhase = .receiving

    init(requestTimeout: Duration, idleTimeout: Duration) {
        self.requestTimeout = requestTimeout
        self.idleTimeout = idleTimeout
    }

    /// The connection was accepted: its first request is due within the request timeout.
    var opened: Timer { .arm(requestTimeout) }

    /// Bytes came in. Only the first byte of a request starts its clock; later bytes of the
    /// same request change nothing (that is the point), and bytes pipelined behind a request
    /// being answered are timed once that answer is out.
    mutating func bytesArrived() -> Timer {
        guard phase == .idle else { return .keep }
        phase = .receiving
        return .arm(requestTimeout)
    }

    /// A request arrived in full; answering it has no client deadline.
    mutating func requestComplete() -> Timer {
        phase = .answering
        return .cancel
    }

    /// The answer is written and the connection stays open for the next request.
    mutating func answerSent() -> Timer {
        phase = .idle
        return .arm(idleTimeout)
    }
}
