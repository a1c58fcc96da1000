import VitalsAlerting
import VitalsIO

/// Notifications go out through the same libcurl engine as the HTTP probes: one multi handle on
/// its own thread, libcurl's own timeouts, nothing on the cooperative pool.
///
/// The engine is reached on the first notification, not when the daemon starts: a config
/// without http probes or notifications never starts libcurl, its thread or OpenSSL (about
/// 4 MB of resident memory).
struct CurlTransport: HTTPTransport {
    var engine: @Sendable () -> CurlEngine = { .shared }

    func post(url: String, headers: [(String, String)], body: [UInt8], timeout: Duration) async -> TransportOutcome {
        var request = CurlRequest(method: "POST", url: url, body: body, timeout: timeout)
        request.headers = [CurlHeader("Content-Type", "application/json")]
            + headers.map { CurlHeader($0.0, $0.1) }
        request.freshConnection = false
        let response = await engine().perform(request)
        if let failure = response.failure { return .failed(failure.description) }
        return .status(response.statusCode)
    }
}
