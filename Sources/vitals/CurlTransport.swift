import Foundation
import VitalsAlerting
import VitalsIO

/// Notifications go out through the same libcurl engine as the HTTP probes: one multi handle on
/// its own thread, libcurl's own timeouts, nothing on the cooperative pool. Mail too: libcurl
/// speaks SMTP (STARTTLS, SMTPS, AUTH) on the same engine.
///
/// The engine is reached on the first notification, not when the daemon starts: a config
/// without http probes or notifications never starts libcurl, its thread or OpenSSL (about
/// 4 MB of resident memory).
struct CurlTransport: HTTPTransport {
    var engine: @Sendable () -> CurlEngine = { .shared }

    func post(url: String, headers: [(String, String)], body: [UInt8], timeout: Duration) async -> TransportOutcome {
        let response = await send("POST", url: url, headers: [("Content-Type", "application/json")] + headers, body: body, timeout: timeout, maxAnswerBytes: 65536)
        if let failure = response.failure { return .failed(failure.description) }
        return RetryAfter.outcome(status: response.statusCode, retryAfter: response.header("Retry-After"), body: response.body, now: Date())
    }

    /// One request with a body, answered within `timeout` (libcurl's own); the answer's body is
    /// kept up to `maxAnswerBytes`, for callers that show a receiver's error text.
    func send(
        _ method: String, url: String, headers: [(String, String)], body: [UInt8], timeout: Duration, maxAnswerBytes: Int = 1 << 20
    ) async -> CurlResponse {
        var request = CurlRequest(method: method, url: url, body: body, timeout: timeout, maxBodyBytes: maxAnswerBytes)
        request.headers = headers.map { CurlHeader($0.0, $0.1) }
        request.freshConnection = false
        return await engine().perform(request)
    }

    func sendMail(_ mail: OutgoingMail, timeout: Duration) async -> TransportOutcome {
        var request = CurlRequest(url: mail.url, body: mail.message, timeout: timeout, tls: mail.tls)
        request.mail = CurlMail(
            from: mail.from, recipients: mail.to, username: mail.username, password: mail.password, requireTLS: mail.requiresTLS)
        let response = await engine().perform(request)
        let code = response.statusCode
        // A refusal is the server's reply (535 bad login, 550 no such mailbox, 451 try later);
        // anything else that failed never got a verdict from it (connect, TLS, timeout).
        if response.failure == nil { return .smtpReply(code == 0 ? 250 : code, response.serverReply ?? "") }
        if (400..<600).contains(code) { return .smtpReply(code, response.serverReply ?? "") }
        return .failed(response.failure?.description ?? "failed")
    }
}
