import Foundation
import VitalsConfig

/// What one delivery attempt ended with.
public enum TransportOutcome: Sendable, Equatable {
    /// The HTTP receiver answered with this status code.
    case status(Int)
    /// The receiver asked to be left alone for a while: HTTP 429 (or 503) with a `Retry-After`
    /// header the transport could read (`RetryAfter.parse`). Retried no sooner than that.
    case throttled(status: Int, retryAfter: Duration)
    /// The mail server's final reply: 250 when it took the message, otherwise the code and
    /// text of the refusal (4xx: try again later; 5xx: permanent).
    case smtpReply(Int, String)
    /// Written to the daemon's own log (the `log` notifier): nothing can refuse it.
    case logged
    /// No answer: connection refused, DNS, TLS, timeout... The text must not contain header
    /// values or the URL's secret parts (path, query, credentials); the delivery queue scrubs
    /// them again before recording, but a transport should not rely on that.
    case failed(String)
}

/// One message for a mail server, as the `email` notifier sends it.
public struct OutgoingMail: Sendable, Equatable {
    /// `smtp://host:port` (STARTTLS when offered, required with a login) or `smtps://`.
    public var url: String
    public var from: String
    public var to: [String]
    public var username: String?
    public var password: String?
    public var tls: TLSSettings
    /// The RFC 5322 message, CRLF line ends.
    public var message: [UInt8]

    public init(url: String, from: String, to: [String], username: String?, password: String?, tls: TLSSettings, message: [UInt8]) {
        self.url = url
        self.from = from
        self.to = to
        self.username = username
        self.password = password
        self.tls = tls
        self.message = message
    }

    /// A login must not cross the network in clear: with one, `smtp://` needs STARTTLS.
    public var requiresTLS: Bool { username != nil }
}

/// The one thing alerting needs from a network client: HTTP POSTs (webhook, Slack,
/// Alertmanager, PagerDuty) and mail submissions (email).
///
/// A protocol so the daemon plugs in the libcurl engine the probes use and tests plug in a
/// minimal loopback client. An implementation must return by `timeout` (connect through the
/// last byte of the answer) and must not block a thread of the cooperative pool; the queue
/// also gives up on it a grace period after `timeout`, so a transport that hangs anyway costs
/// only its own notifier's time.
public protocol HTTPTransport: Sendable {
    func post(url: String, headers: [(String, String)], body: [UInt8], timeout: Duration) async -> TransportOutcome
    /// Submits `mail` over SMTP: `.smtpReply` with the server's final reply, or `.failed`
    /// when there was none (connection, TLS, timeout).
    func sendMail(_ mail: OutgoingMail, timeout: Duration) async -> TransportOutcome
}

extension Redactor {
    /// For text recorded about a delivery (error messages from transports, a mail server's
    /// reply): notifier URLs carry tokens in their path (Slack incoming webhooks), query or
    /// credentials, and configured headers, SMTP passwords and routing keys are credentials;
    /// none of them may reach `/alerts` or a log.
    static func notifier(url: String, secrets: [String]) -> Redactor {
        var all = [url] + secrets + Redactor.userinfoPassword(of: url)
        if let parts = URLComponents(string: url) {
            if let user = parts.user { all.append(user) }
            let path = parts.percentEncodedPath
            if path.count > 1 { all.append(path) }
            if let query = parts.percentEncodedQuery { all.append(query) }
        }
        return Redactor(all)
    }
}

/// Exponential backoff with jitter, bounded in total time.
///
/// Jitter spreads the retries of many replicas (or many queued notifications) so a receiver
/// coming back is not hit by all of them in the same second.
public struct RetryPolicy: Sendable, Equatable {
    public var initialDelay: Duration
    public var multiplier: Double
    public var maxDelay: Duration
    /// No retry starts later than this after the first attempt: the notification is given up.
    public var maxElapsed: Duration
    /// Each delay is scaled by a random factor in `1 ± jitter`.
    public var jitter: Double
    /// A receiver's `Retry-After` is honoured up to this long, and a delivery it keeps
    /// throttling is given up `maxElapsed + maxRetryAfter` after its first attempt: a receiver
    /// answering 429 forever, or asking for a day, holds its own queue for a bounded time,
    /// never for ever.
    public var maxRetryAfter: Duration

    public init(
        initialDelay: Duration = .seconds(1), multiplier: Double = 2, maxDelay: Duration = .seconds(60),
        maxElapsed: Duration = .seconds(300), jitter: Double = 0.2, maxRetryAfter: Duration = .seconds(3600)
    ) {
        self.initialDelay = initialDelay
        self.multiplier = multiplier
        self.maxDelay = maxDelay
        self.maxElapsed = maxElapsed
        self.jitter = jitter
        self.maxRetryAfter = maxRetryAfter
    }

    /// The wait before the next attempt after failed attempt number `attempt`, given what it
    /// ended with: the backoff, or a throttling receiver's `Retry-After` (capped at
    /// `maxRetryAfter`) when that is longer, so a `Retry-After: 0` answered forever still
    /// backs off.
    func wait(afterAttempt attempt: Int, outcome: TransportOutcome, random: Double) -> Duration {
        let backoff = delay(afterAttempt: attempt, random: random)
        guard case .throttled(_, let asked) = outcome else { return backoff }
        return max(backoff, min(asked, maxRetryAfter))
    }

    /// How long after its first attempt a delivery that just ended with `outcome` may still be
    /// retried.
    func budget(after outcome: TransportOutcome) -> Duration {
        if case .throttled = outcome { return maxElapsed + maxRetryAfter }
        return maxElapsed
    }

    /// The wait after failed attempt number `attempt` (1-based); `random` is in `0..<1`.
    public func delay(afterAttempt attempt: Int, random: Double) -> Duration {
        let base = min(initialDelay.seconds * pow(multiplier, Double(max(attempt - 1, 0))), maxDelay.seconds)
        let factor = 1 - jitter + 2 * jitter * min(max(random, 0), 1)
        return .milliseconds(Int64((base * factor * 1000).rounded()))
    }
}

/// Whether an answer is worth another try.
enum DeliveryVerdict: Equatable {
    case delivered
    case retry
    /// The receiver rejected the request itself (bad URL, auth, an unknown mailbox): retrying
    /// sends the same bytes.
    case rejected

    init(_ outcome: TransportOutcome) {
        switch outcome {
        case .status(let code) where (200..<300).contains(code): self = .delivered
        case .throttled: self = .retry
        case .status(408), .status(425), .status(429): self = .retry
        case .status(let code) where (400..<500).contains(code): self = .rejected
        case .status: self = .retry
        // SMTP: 2xx taken, 4xx transient (greylisting, a full queue), 5xx permanent.
        case .smtpReply(let code, _) where (200..<300).contains(code): self = .delivered
        case .smtpReply(let code, _) where (500..<600).contains(code): self = .rejected
        case .smtpReply: self = .retry
        case .logged: self = .delivered
        case .failed: self = .retry
        }
    }
}

/// The `Retry-After` header of a 429 or 503 answer (RFC 9110 section 10.2.3): delay-seconds or
/// an HTTP-date. Pure, so transports share one reading of it.
public enum RetryAfter {
    /// The wait it asks for from `now`; nil when absent or unreadable (the answer is then an
    /// ordinary failure, retried with the backoff). A date in the past is no wait.
    public static func parse(_ value: String?, now: Date) -> Duration? {
        guard let text = value?.trimmingCharacters(in: .whitespaces), !text.isEmpty else { return nil }
        if text.allSatisfy(\.isASCIIDigit) {
            // Digits beyond any sane wait are clamped rather than overflowing.
            return .seconds(Int64(text.prefix(9)) ?? 0)
        }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
        guard let date = formatter.date(from: text) else { return nil }
        return .milliseconds(Int64(max(date.timeIntervalSince(now), 0) * 1000))
    }

    /// A transport's outcome for an HTTP answer: `.throttled` for a 429 or 503 carrying a
    /// readable `Retry-After` header, or (for a 429 without one) a JSON body's `retry_after`
    /// seconds, where Discord (top level) and Telegram's Bot API (`parameters.retry_after`)
    /// document it; `.status` otherwise.
    public static func outcome(status: Int, retryAfter header: String?, body: [UInt8] = [], now: Date) -> TransportOutcome {
        guard status == 429 || status == 503 else { return .status(status) }
        if let wait = parse(header, now: now) { return .throttled(status: status, retryAfter: wait) }
        if status == 429, let wait = fromBody(body) { return .throttled(status: status, retryAfter: wait) }
        return .status(status)
    }

    /// `retry_after` (seconds, maybe fractional) at the top of a JSON object or in its
    /// `parameters`; bodies past 64 KiB are not read.
    static func fromBody(_ body: [UInt8]) -> Duration? {
        guard !body.isEmpty, body.count <= 65536,
            let object = (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any]
        else { return nil }
        let value = object["retry_after"] ?? (object["parameters"] as? [String: Any])?["retry_after"]
        guard let seconds = (value as? NSNumber)?.doubleValue, seconds.isFinite, seconds >= 0 else { return nil }
        return .milliseconds(Int64(min(seconds, 999_999_999) * 1000))
    }
}

extension Character {
    fileprivate var isASCIIDigit: Bool { isASCII && isNumber }
}
