import Foundation
import VitalsConfig
import VitalsCore
import VitalsIO

/// A `tcp` component with `tls:`: connects, does the TLS handshake, optionally sends bytes and
/// matches what comes back, and reports the leaf certificate's expiry like the HTTP probe.
///
/// The handshake runs on the shared libcurl engine (`CONNECT_ONLY` on `https://host:port`), so
/// it uses the same OpenSSL set-up, verification rules and error texts as HTTPS probes, and
/// holds no thread while the peer is slow. Reads and writes then go through libcurl's
/// `curl_easy_send`/`curl_easy_recv` (on the engine thread, which owns the handle), waiting for
/// the socket with `SocketPoller`. Messages follow the plain tcp probe's wording.
public struct TLSTCPProbe: Probe {
    public let settings: TCPSettings
    public let tls: TLSSettings
    public let timeout: Duration
    private let engine: CurlEngine
    private let host: String
    private let port: Int
    private let expect: StreamExpect?
    /// `expect.conditions` and `body_not_contains`, judged on what was read.
    private let conditions: [Condition]

    /// For a component of type `tcp` whose `tls` is set (`tls: true` or a map).
    public init(settings: TCPSettings, timeout: Duration, engine: CurlEngine = .shared) throws {
        self.settings = settings
        self.tls = settings.tls ?? TLSSettings()
        self.timeout = timeout
        self.engine = engine
        (host, port) = try HostPort.split(settings.address)
        conditions = settings.conditions.checks
        expect = try StreamExpect(pattern: settings.expect, conditions: conditions)
    }

    func request(deadline: ContinuousClock.Instant) -> CurlRequest {
        let url = "https://\(URLParts.bracketed(host)):\(port)/"
        var request = CurlRequest(url: url, deadline: deadline, tls: tls, wantCertInfo: true)
        if let name = tls.serverName, !name.isEmpty, let named = URLParts.serverName(name, for: url) {
            // SNI and verification for `server_name`; the connection goes to the configured address.
            request.url = named.url
            request.connectTo = [named.connectTo]
        }
        return request
    }

    /// libcurl bounds the handshake, the poller every read and write.
    public var returnsByDeadline: Bool { true }

    public func run(deadline: ContinuousClock.Instant) async -> ProbeResult {
        let start = ContinuousClock.now
        let (response, connection) = await engine.connect(request(deadline: deadline))
        var observations = HTTPProbe.certificateObservations(response.certificateNotAfter)
        let t = response.timings
        let phases = Array(HTTPProbe.phases(t).prefix(3))  // dns, connect, tls
        guard let connection else {
            let failure = response.failure ?? .other("connect failed")
            if failure == .timeout { return .timeout(after: timeout) }
            return ProbeResult(success: false, latency: t.total, message: failure.description, observations: observations, phases: phases)
        }
        defer { connection.close() }
        func elapsed() -> Duration { start.duration(to: .now) }
        func failed(_ error: CurlConnection.IOError) -> ProbeResult {
            switch error {
            case .timeout: .timeout(after: timeout)
            case .cancelled: .failure("cancelled", latency: elapsed(), observations: observations)
            case .closed: .failure("connection closed", latency: elapsed(), observations: observations)
            case .failed(let text): .failure(text, latency: elapsed(), observations: observations)
            }
        }
        do {
            if !settings.send.isEmpty {
                try await connection.send(settings.send, deadline: deadline)
            }
        } catch {
            return failed(error)
        }
        guard let expect else {
            // Handshake only: libcurl's own measure, like the HTTP probe.
            let latency = settings.send.isEmpty ? t.total : elapsed()
            var result = ProbeResult(success: true, latency: latency, message: "TLS handshake ok", observations: observations, phases: phases)
            result.apply(StreamExpect.judge(conditions, body: nil, result: result))
            return result
        }
        let outcome = await expect.read(timeout: timeout) { max -> StreamExpect.Read<CurlConnection.IOError> in
            do throws(CurlConnection.IOError) {
                return .bytes(try await connection.receive(max: max, deadline: deadline))
            } catch {
                return .failed(error, timedOut: error == .timeout)
            }
        }
        switch outcome {
        case .matched(let received):
            observations.append(Observation("bytes_read", Double(received.count), unit: "bytes"))
            var result = ProbeResult(
                success: true, latency: elapsed(), message: "TLS handshake ok, \(expect.matchedText(received))", observations: observations, phases: phases)
            result.apply(StreamExpect.judge(expect.pattern.map { [$0] + conditions } ?? conditions, body: received, result: result))
            return result
        case .noMatch(let message, let atTimeout):
            return .failure(message, latency: atTimeout ? timeout : elapsed(), observations: observations)
        case .failed(let error):
            return failed(error)
        }
    }
}
