/// Where a connection is in its request/answer cycle. The server's deadlines and its choice of
/// whom to close under a flood both follow from this one value.
enum ConnectionPhase: Equatable, Sendable {
    /// A request has begun (or the connection was just opened) and has not fully arrived.
    case receiving
    /// A complete request is being answered.
    case answering
    /// A keep-alive connection between requests.
    case idle
    /// The client does not read its answers: the channel holds more unsent bytes than its high
    /// water mark, so the server writes nothing more to it and reads no further request from it
    /// (backpressure) until the client takes some of them.
    case stalled

    /// Receiving, idle and stalled connections are waiting on their client, so they are the ones
    /// a newcomer may push out; one being answered is doing what the server is for.
    var isWaitingOnClient: Bool { self != .answering }
}
