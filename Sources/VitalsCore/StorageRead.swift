import Foundation

/// What a read from storage gave an endpoint: the value, or why storage could not answer (a
/// database that did not answer within the read deadline, a broken connection, a failed query).
/// The server answers 503 with the reason rather than an empty page that looks like "no history".
public enum StorageRead<Value: Sendable>: Sendable {
    case value(Value)
    case unavailable(reason: String)

    /// The value, or nil when storage was unavailable.
    public var value: Value? {
        if case .value(let v) = self { return v }
        return nil
    }

    public var unavailableReason: String? {
        if case .unavailable(let reason) = self { return reason }
        return nil
    }

    public func map<T: Sendable>(_ transform: (Value) -> T) -> StorageRead<T> {
        switch self {
        case .value(let v): .value(transform(v))
        case .unavailable(let reason): .unavailable(reason: reason)
        }
    }
}

/// Whether an endpoint's read may go to storage now (one value per storage connection,
/// advanced by the caller with the time). A read that failed (past its deadline, a broken
/// connection) makes the reads after it fail fast with the same reason for `cooldown`, then one
/// read at a time tries again; and while a read is still running past its deadline (a hung disk
/// holding the executor thread), no other starts: a hung database costs one read in flight and
/// fast 503s, never a pile of waiting requests, threads or connections.
public struct ReadBreaker<Instant: InstantProtocol>: Sendable where Instant.Duration == Duration, Instant: Sendable {
    public let cooldown: Duration
    private var failure: (reason: String, at: Instant)?
    /// Reads admitted whose work has not ended (it may outlive its caller's deadline).
    public private(set) var running = 0
    /// A read admitted after a failure, to see whether storage is back: the only one then.
    private var trying = false

    public init(cooldown: Duration) { self.cooldown = cooldown }

    /// Nil when a read may start now (it is counted as running); otherwise why not.
    public mutating func admit(at now: Instant) -> String? {
        if let f = failure {
            if trying || running > 0 || f.at.duration(to: now) < cooldown { return f.reason }
            trying = true
        }
        running += 1
        return nil
    }

    /// The caller has its outcome: a value (nil) or why not (a failure, or its deadline passed).
    public mutating func answered(failure reason: String?, at now: Instant) {
        trying = false
        if let reason { failure = (reason, now) } else { failure = nil }
    }

    /// The read's work itself has ended (with a value or not), perhaps after its caller gave up.
    public mutating func ended() { running = max(0, running - 1) }
}
