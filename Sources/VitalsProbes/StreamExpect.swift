import VitalsConfig

/// `expect` on a `tcp` stream, plain or TLS: read until the pattern matches what has arrived,
/// the peer closes, the deadline passes, or `maxRead` bytes are in. One loop for both
/// transports: the plain copy once stopped at the cap without testing the chunk that reached
/// it, so a match in the last chunk was reported as none.
struct StreamExpect: Sendable {
    /// How much is read while looking for the pattern.
    static let maxRead = 4096

    let regex: BodyRegex

    /// What one read gave: bytes (empty when the peer closed), or a failure of the transport.
    enum Read<Failure> {
        case bytes([UInt8])
        case failed(Failure, timedOut: Bool)
    }

    enum Outcome<Failure> {
        case matched(bytesRead: Int)
        /// No match; the message quotes what arrived and says why reading stopped.
        case noMatch(String, atTimeout: Bool)
        /// The transport failed before anything arrived: the caller reports its own failure.
        case failed(Failure)
    }

    func read<Failure>(timeout: Duration, _ next: (_ max: Int) async -> Read<Failure>) async -> Outcome<Failure> {
        var received: [UInt8] = []
        func mismatch(_ end: String) -> String {
            "expect \"\(regex.pattern)\" did not match \"\(Printable.excerpt(received))\" (\(end))"
        }
        while true {
            if regex.matches(String(decoding: received, as: UTF8.self)) { return .matched(bytesRead: received.count) }
            if received.count >= Self.maxRead { return .noMatch(mismatch("no match in the first \(Self.maxRead) bytes"), atTimeout: false) }
            switch await next(Self.maxRead - received.count) {
            case .bytes(let chunk) where chunk.isEmpty:
                return .noMatch(mismatch("connection closed"), atTimeout: false)
            case .bytes(let chunk):
                received += chunk.prefix(Self.maxRead - received.count)
            case .failed(let failure, let timedOut):
                if timedOut, !received.isEmpty { return .noMatch(mismatch("timeout after \(DurationFormat.short(timeout))"), atTimeout: true) }
                return .failed(failure)
            }
        }
    }
}
