import Foundation
import VitalsConfig

/// What one delivery attempt ended with.
public enum TransportOutcome: Sendable, Equatable {
    /// The HTTP receiver answered with this status code.
    case status(Int)
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

    public init(
        initialDelay: Duration = .seconds(1), multiplier: Double = 2, maxDelay: Duration = .seconds(60),
        maxElapsed: Duration = .seconds(300), jitter: Double = 0.2
    ) {
        self.initialDelay = initialDelay
        self.multiplier = multiplier
        self.maxDelay = maxDelay
        self.maxElapsed = maxElapsed
        self.jitter = jitter
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
