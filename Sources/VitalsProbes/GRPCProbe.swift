import Foundation
import VitalsConfig
import VitalsCore
import VitalsIO

/// `grpc`: the standard health check, `grpc.health.v1.Health/Check`, as `grpc-health-probe`
/// and Kubernetes' grpc probe ask it, sent as one HTTP/2 POST through the shared libcurl engine.
///
/// No gRPC library: a unary call is a POST with `content-type: application/grpc`, a framed
/// protobuf body and the status in the trailers, which libcurl delivers through the header
/// callback. So the probe inherits the engine's bounds and measures: libcurl's `TIMEOUT_MS`
/// from the deadline (a stalled server costs only this probe, and no thread waits for it), a
/// fresh connection per run, the dns/connect/tls/ttfb/transfer phases, the leaf certificate's
/// expiry. Plain text speaks HTTP/2 from the first byte (prior knowledge, as gRPC servers
/// expect); TLS negotiates it by ALPN.
///
/// `SERVING` is healthy; `NOT_SERVING`, `SERVICE_UNKNOWN`, `UNKNOWN` and any grpc-status other
/// than 0 are not, and the message says which (`grpc-status 12 UNIMPLEMENTED: <grpc-message>`).
/// The settings hold no secret (an address, a service name, file paths), so messages need no
/// `Redactor`; the server's `grpc-message` is decoded, made one printable line and capped.
public struct GRPCProbe: Probe {
    public let settings: GRPCSettings
    /// The component's timeout: only for the wording of `timeout after 2s`.
    public let timeout: Duration
    private let engine: CurlEngine
    private let url: String
    /// With `tls.server_name`: the libcurl `CONNECT_TO` entry that still connects to `address`.
    private let connectTo: [String]
    private let body: [UInt8]
    /// `expect.conditions`, judged on a reply that carried a serving status.
    private let conditions: [Condition]

    /// A reply is one frame of a few bytes; past this the transfer is stopped, not read on.
    static let maxReplyBytes = 16 << 10

    public init(settings: GRPCSettings, timeout: Duration, engine: CurlEngine = .shared) throws {
        self.settings = settings
        self.timeout = timeout
        self.engine = engine
        let (host, port) = try HostPort.split(settings.address)
        let scheme = settings.tls == nil ? "http" : "https"
        let url = "\(scheme)://\(URLParts.bracketed(host)):\(port)\(GRPCHealthWire.path)"
        if let name = settings.tls?.serverName, !name.isEmpty, let named = URLParts.serverName(name, for: url) {
            // SNI and verification for `server_name`; the connection goes to the configured address.
            self.url = named.url
            connectTo = [named.connectTo]
        } else {
            self.url = url
            connectTo = []
        }
        body = GRPCHealthWire.request(service: settings.service)
        conditions = settings.expect.checks
    }

    /// The request a run sends; `grpc-timeout` tells the server the deadline too, so a server
    /// that honours it gives up when the probe does.
    func request(deadline: ContinuousClock.Instant) -> CurlRequest {
        let left = max(1, Int((ContinuousClock.now.duration(to: deadline).seconds * 1000).rounded(.down)))
        var request = CurlRequest(
            method: "POST", url: url,
            headers: [
                CurlHeader("content-type", "application/grpc"), CurlHeader("te", "trailers"),
                CurlHeader("grpc-timeout", "\(min(left, 99_999_999))m"),
            ],
            body: body, deadline: deadline, tls: settings.tls ?? TLSSettings(), maxBodyBytes: Self.maxReplyBytes,
            wantCertInfo: settings.tls != nil)
        request.connectTo = connectTo
        request.httpVersion = settings.tls == nil ? .http2PriorKnowledge : .http2OverTLS
        return request
    }

    /// libcurl ends the transfer at the deadline (`TIMEOUT_MS`).
    public var returnsByDeadline: Bool { true }

    public func run(deadline: ContinuousClock.Instant) async -> ProbeResult {
        judge(await engine.perform(request(deadline: deadline)))
    }

    /// Transport, then the grpc-status (trailers, or headers of a trailers-only reply), then
    /// the HTTP answer, then the serving status in the body.
    func judge(_ response: CurlResponse) -> ProbeResult {
        var observations = HTTPProbe.certificateObservations(response.certificateNotAfter)
        let phases = HTTPProbe.phases(response.timings)
        func result(_ success: Bool, _ message: String) -> ProbeResult {
            ProbeResult(success: success, latency: response.timings.total, message: message, observations: observations, phases: phases)
        }
        if let failure = response.failure {
            guard failure == .timeout else { return result(false, failure.description) }
            var timedOut = ProbeResult.timeout(after: timeout)
            timedOut.observations = observations
            timedOut.phases = phases
            return timedOut
        }
        if response.bodyTruncated {
            // The transfer was stopped at the cap, so the trailers never came.
            return result(false, "reply over \(HTTPProbe.size(Self.maxReplyBytes))")
        }
        let grpcStatus = response.header("grpc-status").map { $0.trimmingCharacters(in: .whitespaces) }
        if let text = grpcStatus {
            guard let code = Int(text), code >= 0 else { return result(false, "grpc-status \(Printable.excerpt(Array(text.utf8))) is not a number") }
            observations.append(Observation("grpc_status", Double(code)))
            if code != 0 { return result(false, statusMessage(code, response.header("grpc-message") ?? "")) }
        }
        if response.statusCode != 200 {
            return result(false, "HTTP status \(response.statusCode) (HTTP/\(response.httpVersion ?? "?")), not a gRPC reply")
        }
        guard grpcStatus != nil else { return result(false, "no grpc-status in the reply") }
        let status: GRPCHealthWire.ServingStatus
        do {
            status = try GRPCHealthWire.servingStatus(in: response.body)
        } catch {
            return result(false, error.description)
        }
        observations.append(Observation("serving_status", Double(status.number)))
        // `status` is the serving status by name; headers and trailers are `header.NAME`.
        var evaluator = ConditionEvaluator(
            ConditionSubject(
                latency: response.timings.total, status: .string(status.description), header: { response.header($0) },
                observations: observations))
        var judged = result(status == .serving, status.description)
        judged.apply(evaluator.evaluate(conditions))
        return judged
    }

    /// `grpc-status 12 UNIMPLEMENTED: Method not found!`. Health's Check answers an unknown
    /// service with NOT_FOUND and, from most servers, no message: the message then says so.
    private func statusMessage(_ code: Int, _ encodedMessage: String) -> String {
        var message = "grpc-status \(code)"
        if let name = GRPCHealthWire.statusName(code) { message += " \(name)" }
        let text = GRPCHealthWire.message(encodedMessage)
        if !text.isEmpty {
            message += ": \(text)"
        } else if code == 5 {
            message += ": service \(TextExcerpt.quoted(settings.service)) unknown to the server"
        }
        return message
    }
}
