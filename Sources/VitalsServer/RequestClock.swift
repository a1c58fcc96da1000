/// One connection's deadline, as a plain value: what the connection owes the server and how
/// long it may take.
///
/// A request (head and body) must arrive in full within `requestTimeout` of its first byte,
/// however slowly the client trickles it: an idle timer that any byte resets (what a plain
/// `IdleStateHandler` gives) lets a client hold a connection forever at a byte a minute. A new
/// connection owes its first request at once. Between requests a keep-alive connection may sit
/// for `idleTimeout`. A client that stops reading its answers (the channel is not writable,
/// `stalled`) must take some of them within `stallTimeout`, whatever else it is doing: a client
/// that pipelines requests and never reads is never idle, and without this deadline would hold
/// its connection (and the answers queued on it) for ever. The I/O side (`ConnectionGuard`)
/// turns the returned `Timer` into a scheduled close on the event loop.
struct RequestClock: Equatable, Sendable {
    /// What the I/O side does with the connection's close timer.
    enum Timer: Equatable, Sendable {
        case arm(Duration)
        case cancel
        case keep
    }

    let requestTimeout: Duration
    let idleTimeout: Duration
    let stallTimeout: Duration
    /// Where the request/answer cycle is: `receiving`, `answering` or `idle`.
    private var cycle: ConnectionPhase = .receiving
    /// The channel is not writable: the client is not reading what it was sent.
    private var unread = false

    init(requestTimeout: Duration, idleTimeout: Duration, stallTimeout: Duration = .seconds(10)) {
        self.requestTimeout = requestTimeout
        self.idleTimeout = idleTimeout
        self.stallTimeout = stallTimeout
    }

    /// A stalled connection is stalled whatever its cycle says: that is what it waits on.
    var phase: ConnectionPhase { unread ? .stalled : cycle }

    /// The connection was accepted: its first request is due within the request timeout.
    var opened: Timer { .arm(requestTimeout) }

    /// Bytes came in. Only the first byte of a request starts its clock; later bytes of the
    /// same request change nothing (that is the point), and bytes pipelined behind a request
    /// being answered are timed once that answer is out. While stalled, the stall deadline
    /// stands.
    mutating func bytesArrived() -> Timer {
        guard cycle == .idle else { return .keep }
        cycle = .receiving
        return unread ? .keep : .arm(requestTimeout)
    }

    /// A request arrived in full; answering it has no client deadline (unless the client is
    /// not reading: then the request waits, and so does the stall deadline).
    mutating func requestComplete() -> Timer {
        cycle = .answering
        return unread ? .keep : .cancel
    }

    /// The answer is written and the connection stays open for the next request.
    mutating func answerSent() -> Timer {
        cycle = .idle
        return unread ? .keep : .arm(idleTimeout)
    }

    /// The channel stopped taking writes: the client must read within the stall timeout.
    mutating func writesBlocked() -> Timer {
        guard !unread else { return .keep }
        unread = true
        return .arm(stallTimeout)
    }

    /// Part of a large answer went out while stalled: the client is reading, slowly; its stall
    /// deadline starts again.
    func writesProgressed() -> Timer { unread ? .arm(stallTimeout) : .keep }

    /// The channel takes writes again: the deadline of the cycle's phase, from now.
    mutating func writesResumed() -> Timer {
        guard unread else { return .keep }
        unread = false
        switch cycle {
        case .receiving: return .arm(requestTimeout)
        case .idle: return .arm(idleTimeout)
        case .answering, .stalled: return .cancel
        }
    }
}
