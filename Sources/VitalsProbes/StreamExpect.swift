import VitalsConfig
import VitalsCore

/// `expect` on a `tcp` stream, plain or TLS: read until the pattern matches what has arrived,
/// the peer closes, the deadline passes, or `maxRead` bytes are in. One loop for both
/// transports: the plain copy once stopped at the cap without testing the chunk that reached
/// it, so a match in the last chunk was reported as none.
///
/// The pattern is judged as the condition `body matches '...'` by the one condition evaluator.
/// Without a pattern (conditions that read the body), the first bytes to arrive are the body.
struct StreamExpect: Sendable {
    /// How much is read while looking for the pattern.
    static let maxRead = 4096

    /// `expect`'s regex as a condition; nil: stop at the first bytes (or the peer's close).
    let pattern: Condition?
    let patternText: String?

    /// What one read gave: bytes (empty when the peer closed), or a failure of the transport.
    enum Read<Failure> {
        case bytes([UInt8])
        case failed(Failure, timedOut: Bool)
    }

    enum Outcome<Failure> {
        case matched(received: [UInt8])
        /// No match; the message quotes what arrived and says why reading stopped.
        case noMatch(String, atTimeout: Bool)
        /// The transport failed before anything arrived: the caller reports its own failure.
        case failed(Failure)
    }

    /// For a tcp component: its regex, and whether its conditions read the body; nil when
    /// there is nothing to read. A pattern that does not compile is refused at its key.
    init?(pattern: String?, conditions: [Condition]) throws {
        if let pattern {
            do {
                self.pattern = try Condition.bodyRegex(pattern)
            } catch {
                throw ProbeSetupError("expect /\(pattern)/ does not compile: \(error)", key: "expect")
            }
            patternText = pattern
        } else if conditions.contains(where: \.readsBody) {
            self.pattern = nil
            patternText = nil
        } else {
            return nil
        }
    }

    func found(_ received: [UInt8]) -> Bool {
        guard let pattern else { return !received.isEmpty }
        var evaluator = ConditionEvaluator(ConditionSubject(latency: .zero, body: received))
        return evaluator.evaluate(pattern).passed
    }

    func read<Failure>(timeout: Duration, _ next: (_ max: Int) async -> Read<Failure>) async -> Outcome<Failure> {
        var received: [UInt8] = []
        func mismatch(_ end: String) -> String {
            "expect \"\(patternText ?? "")\" did not match \"\(Printable.excerpt(received))\" (\(end))"
        }
        while true {
            if found(received) { return .matched(received: received) }
            if received.count >= Self.maxRead { return .noMatch(mismatch("no match in the first \(Self.maxRead) bytes"), atTimeout: false) }
            switch await next(Self.maxRead - received.count) {
            case .bytes(let chunk) where chunk.isEmpty:
                if pattern == nil { return .matched(received: received) }
                return .noMatch(mismatch("connection closed"), atTimeout: false)
            case .bytes(let chunk):
                received += chunk.prefix(Self.maxRead - received.count)
            case .failed(let failure, let timedOut):
                if timedOut, !received.isEmpty { return .noMatch(mismatch("timeout after \(DurationFormat.short(timeout))"), atTimeout: true) }
                return .failed(failure)
            }
        }
    }

    /// `expect "^SSH-" matched` or `read 42 bytes`.
    func matchedText(_ received: [UInt8]) -> String {
        patternText.map { "expect \"\($0)\" matched" } ?? "read \(received.count) bytes"
    }
}
