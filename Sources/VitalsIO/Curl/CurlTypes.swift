import Foundation
import VitalsConfig

/// One request header. Values may be credentials (`Authorization`): they are sent and never
/// printed; `CurlResponse.failure` messages are built from libcurl's error text, which carries
/// no header values.
public struct CurlHeader: Sendable, Equatable {
    public var name: String
    public var value: String
    public init(_ name: String, _ value: String) {
        self.name = name
        self.value = value
    }
}

/// A general HTTP request for `CurlEngine.perform`: probes build one per run, the alerting
/// code builds one per notification (webhook, Slack, Alertmanager POSTs).
public struct CurlRequest: Sendable {
    public var method: String
    public var url: String
    public var headers: [CurlHeader]
    /// Sent as the request body (`Content-Type` is whatever `headers` says).
    public var body: [UInt8]?
    /// Overall limit; libcurl enforces it itself (`CURLOPT_TIMEOUT_MS`), so a hung server costs
    /// this much and no more. Ignored when `deadline` is set.
    public var timeout: Duration
    /// An absolute deadline; when set it wins over `timeout`.
    public var deadline: ContinuousClock.Instant?
    public var tls: TLSSettings
    public var followRedirects: Bool
    public var maxRedirects: Int
    /// Body bytes kept. Past the cap the transfer is stopped (not read to the end) and the
    /// response is marked `bodyTruncated`; that is not an error.
    public var maxBodyBytes: Int
    /// Ask libcurl for the peer's certificate chain (`CURLOPT_CERTINFO`) to report the leaf's
    /// expiry. Only filled on a fresh TLS handshake, which every transfer here is.
    public var wantCertInfo: Bool
    /// Sent unless `headers` has a `User-Agent`.
    public var userAgent: String
    /// Open a new connection and close it afterwards (`FRESH_CONNECT` + `FORBID_REUSE`), so a
    /// probe measures DNS, connect and handshake every time, like blackbox_exporter.
    public var freshConnection: Bool
    /// `curl --connect-to` entries (`HOST:PORT:CONNECT-TO-HOST:CONNECT-TO-PORT`): connect
    /// somewhere else than the URL names while keeping its host for SNI, verification and `Host`.
    public var connectTo: [String] = []
    /// Connect (and handshake) only; used by `TLSTCPProbe` through `CurlEngine.connect`.
    package var connectOnly: Bool = false
    /// The HTTP version to insist on (`CURLOPT_HTTP_VERSION`); nil leaves libcurl's default:
    /// HTTP/2 when the TLS handshake's ALPN agrees, HTTP/1.1 in plain text.
    public var httpVersion: CurlHTTPVersion? = nil
    /// Set for an SMTP submission (`smtp://` or `smtps://` URL): `body` is the message,
    /// `method` and `headers` are not used.
    public var mail: CurlMail? = nil

    public static let defaultUserAgent = "Vitals/0.1 (+health-probe)"

    public init(
        method: String = "GET", url: String, headers: [CurlHeader] = [], body: [UInt8]? = nil,
        timeout: Duration = .seconds(10), deadline: ContinuousClock.Instant? = nil, tls: TLSSettings = TLSSettings(),
        followRedirects: Bool = false, maxRedirects: Int = 10, maxBodyBytes: Int = 1 << 20,
        wantCertInfo: Bool = false, userAgent: String = CurlRequest.defaultUserAgent, freshConnection: Bool = true
    ) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.timeout = timeout
        self.deadline = deadline
        self.tls = tls
        self.followRedirects = followRedirects
        self.maxRedirects = maxRedirects
        self.maxBodyBytes = maxBodyBytes
        self.wantCertInfo = wantCertInfo
        self.userAgent = userAgent
        self.freshConnection = freshConnection
    }

    /// The effective deadline.
    public var effectiveDeadline: ContinuousClock.Instant { deadline ?? ContinuousClock.now.advanced(by: timeout) }
}

/// An HTTP version a request insists on; gRPC needs HTTP/2 both ways.
public enum CurlHTTPVersion: Sendable {
    /// HTTP/2 in plain text from the first byte, without an `Upgrade` (h2c with prior knowledge).
    case http2PriorKnowledge
    /// HTTP/2 over TLS as ALPN negotiates it (HTTP/1.1 if the server picks that).
    case http2OverTLS
}

/// The SMTP envelope and login of a mail submission (`CurlRequest.mail`).
///
/// `smtps://` is TLS from the first byte; on `smtp://` libcurl upgrades with STARTTLS when the
/// server offers it, and with `requireTLS` refuses to go on when it does not (so a password
/// is never sent in clear, whatever a man in the middle strips from the server's greeting).
public struct CurlMail: Sendable {
    /// The envelope sender (`MAIL FROM`), without angle brackets.
    public var from: String
    /// The envelope recipients (`RCPT TO`); one refused recipient fails the submission.
    public var recipients: [String]
    public var username: String?
    /// Sent only inside TLS when `requireTLS`; never printed.
    public var password: String?
    public var requireTLS: Bool

    public init(from: String, recipients: [String], username: String? = nil, password: String? = nil, requireTLS: Bool = false) {
        self.from = from
        self.recipients = recipients
        self.username = username
        self.password = password
        self.requireTLS = requireTLS
    }
}

/// libcurl's own timings of one transfer, cumulative from the start of the transfer (over every
/// redirect followed), as reported by the `CURLINFO_*_TIME_T` infos (microsecond resolution).
public struct CurlTimings: Sendable, Equatable {
    public var nameLookup: Duration = .zero
    public var connect: Duration = .zero
    /// TLS handshake done; zero for plain HTTP.
    public var appConnect: Duration = .zero
    public var preTransfer: Duration = .zero
    public var startTransfer: Duration = .zero
    /// `curl -w %{time_total}`.
    public var total: Duration = .zero
    public var redirect: Duration = .zero
    public init() {}
}

/// Why a transfer failed, classified for messages and for callers that retry.
public enum CurlFailure: Sendable, Equatable, CustomStringConvertible {
    case timeout
    case connectionRefused
    case couldNotResolveHost
    case certificateExpired
    /// A TLS problem; the text is OpenSSL's reason (`unable to get local issuer certificate`).
    case tls(String)
    case cancelled
    case other(String)

    /// One line, no secrets (libcurl's error text names the host and port at most).
    public var description: String {
        switch self {
        case .timeout: "timeout"
        case .connectionRefused: "connection refused"
        case .couldNotResolveHost: "could not resolve host"
        case .certificateExpired: "certificate expired"
        case .tls(let reason): "TLS: \(reason)"
        case .cancelled: "cancelled"
        case .other(let text): text
        }
    }
}

/// What a transfer returned. A transport failure leaves `curlCode` non-zero and `failure` set;
/// any HTTP status (including 5xx) is a completed transfer.
public struct CurlResponse: Sendable {
    /// Status of the last response (after redirects), 0 when none arrived.
    public var statusCode: Int = 0
    /// `1.0`, `1.1`, `2`, `3`, or nil when no response arrived.
    public var httpVersion: String?
    /// Headers of the last response, in order, then its trailers (libcurl hands HTTP/2
    /// trailers to the header callback after the body; gRPC puts its status there).
    public var headers: [CurlHeader] = []
    public var body: [UInt8] = []
    public var bodyTruncated = false
    public var timings = CurlTimings()
    public var redirectCount = 0
    /// The leaf certificate's notAfter (when `wantCertInfo` and the transfer used TLS).
    public var certificateNotAfter: Date?
    /// libcurl's `CURLcode`; 0 is success.
    public var curlCode: Int32 = 0
    /// libcurl's error buffer (or `curl_easy_strerror`), trimmed; nil on success.
    public var errorMessage: String?
    /// `CURLINFO_OS_ERRNO` of a failed connect (`ECONNREFUSED`...).
    public var osErrno: Int32 = 0
    public var cancelled = false
    /// For SMTP: the server's last reply line (`550 5.1.1 <x@example.com>: user unknown`), at
    /// most 200 characters; the status code is `statusCode`.
    public var serverReply: String?

    public init() {}

    public var succeeded: Bool { curlCode == 0 && !cancelled }

    /// The first header named `name` (case-insensitive).
    public func header(_ name: String) -> String? {
        headers.first { $0.name.caseInsensitiveCompare(name) == .orderedSame }?.value
    }

    public var failure: CurlFailure? {
        if cancelled { return .cancelled }
        if curlCode == 0 { return nil }
        return CurlErrors.classify(code: curlCode, osErrno: osErrno, message: errorMessage ?? "")
    }
}
