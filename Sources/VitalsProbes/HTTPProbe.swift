import Foundation
import VitalsConfig
import VitalsCore
import VitalsIO

/// Probes an HTTP(S) endpoint through the shared libcurl engine, like kubelet's httpGet and
/// blackbox_exporter's http module: a fresh connection every run (so DNS, connect and TLS are
/// measured, and a dead backend behind a keep-alive connection is noticed), libcurl's own
/// timeout from the deadline, and the response judged against the `expect` block.
///
/// Latency is libcurl's `TOTAL_TIME_T`, the same number `curl -w %{time_total}` prints, rather
/// than a clock around an `await` that would add scheduling delay to the target's latency.
public struct HTTPProbe: Probe {
    public let settings: HTTPSettings
    /// The component's timeout: only for the wording of `timeout after 2s`.
    public let timeout: Duration
    private let engine: CurlEngine
    /// Every `expect` check as conditions, built (and their regexes compiled) once, here.
    private let conditions: [Condition]
    /// Strings that must never appear in a message: header values and the URL's password.
    private let redactor: Redactor
    /// With `tls.server_name` on an https URL: the URL under that name, and the libcurl
    /// `CONNECT_TO` entry that still connects to the URL's own host.
    private let serverName: (url: String, connectTo: String)?
    /// Read once here, not on every run.
    private let isHTTPS: Bool

    public init(settings: HTTPSettings, timeout: Duration, engine: CurlEngine = .shared) throws {
        self.settings = settings
        self.timeout = timeout
        self.engine = engine
        do {
            conditions = try settings.expect.allConditions()
        } catch {
            throw ProbeSetupError("expect: \(error)", key: "expect")
        }
        redactor = Redactor(settings.headers.map(\.value.value) + Redactor.userinfoPassword(of: settings.url))
        let isHTTPS = settings.url.lowercased().hasPrefix("https:")
        self.isHTTPS = isHTTPS
        serverName = settings.tls.serverName.flatMap { name in
            name.isEmpty || !isHTTPS ? nil : URLParts.serverName(name, for: settings.url)
        }
    }

    /// The request a run sends.
    public func request(deadline: ContinuousClock.Instant) -> CurlRequest {
        var request = CurlRequest(
            method: settings.method, url: serverName?.url ?? settings.url,
            headers: settings.headers.map { CurlHeader($0.name, $0.value.value) },
            body: settings.body.map { Array($0.utf8) }, deadline: deadline, tls: settings.tls,
            followRedirects: settings.followRedirects, maxBodyBytes: settings.maxBodyBytes,
            wantCertInfo: isHTTPS)
        if let serverName { request.connectTo = [serverName.connectTo] }
        return request
    }

    /// libcurl ends the transfer at the deadline (`TIMEOUT_MS`).
    public var returnsByDeadline: Bool { true }

    public func run(deadline: ContinuousClock.Instant) async -> ProbeResult {
        let response = await engine.perform(request(deadline: deadline))
        return judge(response)
    }

    /// Turns a response into a result: transport failure, then status, then body checks.
    func judge(_ response: CurlResponse) -> ProbeResult {
        let latency = response.timings.total
        let observations = Self.observations(response)
        let phases = Self.phases(response.timings)
        func fail(_ message: String) -> ProbeResult {
            ProbeResult(success: false, latency: latency, message: redact(message), observations: observations, phases: phases)
        }
        if let failure = response.failure {
            if failure == .timeout {
                var result = ProbeResult.timeout(after: timeout)
                result.observations = observations
                result.phases = phases
                return result
            }
            return fail(failure.description)
        }
        var evaluator = ConditionEvaluator(
            ConditionSubject(
                latency: latency, status: .number(Double(response.statusCode), text: nil), body: response.body,
                header: { response.header($0) }, observations: observations))
        let outcomes = evaluator.evaluate(conditions)
        var message = "status \(response.statusCode)"
        if response.bodyTruncated { message += ", body cut at \(Self.size(settings.maxBodyBytes))" }
        var result = ProbeResult(success: true, latency: latency, message: message, observations: observations, phases: phases)
        result.apply(outcomes)
        // A body check failed on a cut body says so: the text sought may lie past the cap.
        if !result.success, response.bodyTruncated, outcomes.contains(where: { !$0.passed && $0.condition.readsBody }) {
            result.message += " (first \(Self.size(settings.maxBodyBytes)) read)"
        }
        // What a condition read may echo a header value the request sent.
        result.message = redact(result.message)
        for i in result.conditions.indices { result.conditions[i].observed = redact(result.conditions[i].observed) }
        return result
    }

    private func redact(_ message: String) -> String { redactor.scrub(message) }

    /// `status_code`, `http_version`, `response_bytes`, `redirects`, and on HTTPS the leaf
    /// certificate's `cert_expiry` (seconds left) and `cert_expiry_timestamp` (unix seconds).
    static func observations(_ r: CurlResponse, now: Date = Date()) -> [Observation] {
        var list: [Observation] = []
        if r.statusCode > 0 {
            list.append(Observation("status_code", Double(r.statusCode)))
            if let version = r.httpVersion, let number = Double(version) { list.append(Observation("http_version", number)) }
            list.append(Observation("response_bytes", Double(r.body.count), unit: "bytes"))
            list.append(Observation("redirects", Double(r.redirectCount), unit: "count"))
        }
        list += certificateObservations(r.certificateNotAfter, now: now)
        return list
    }

    /// Seconds left (the `cert_expiry` threshold, lower is worse) and the notAfter itself
    /// (`vitals_tls_cert_expiry_timestamp_seconds`).
    static func certificateObservations(_ notAfter: Date?, now: Date = Date()) -> [Observation] {
        guard let notAfter else { return [] }
        return [
            Observation("cert_expiry", notAfter.timeIntervalSince(now).rounded(), unit: "seconds"),
            Observation("cert_expiry_timestamp", notAfter.timeIntervalSince1970, unit: "seconds"),
        ]
    }

    /// `dns`, `connect`, `tls`, `ttfb`, `transfer`: consecutive slices of libcurl's timeline, so
    /// they add up to the total.
    static func phases(_ t: CurlTimings) -> [Phase] {
        guard t.total > .zero else { return [] }
        func slice(_ from: Duration, _ to: Duration) -> Double { max(0, (to - from).seconds) }
        let handshakeDone = max(t.appConnect, t.connect)
        let firstByte = t.startTransfer > .zero ? t.startTransfer : t.total
        return [
            Phase("dns", seconds: t.nameLookup.seconds),
            Phase("connect", seconds: t.connect > .zero ? slice(t.nameLookup, t.connect) : 0),
            Phase("tls", seconds: t.appConnect > .zero ? slice(t.connect, t.appConnect) : 0),
            Phase("ttfb", seconds: slice(handshakeDone, firstByte)),
            Phase("transfer", seconds: slice(firstByte, t.total)),
        ]
    }

    static func size(_ bytes: Int) -> String {
        if bytes >= 1 << 20 && bytes % (1 << 20) == 0 { return "\(bytes >> 20) MiB" }
        if bytes >= 1 << 10 && bytes % (1 << 10) == 0 { return "\(bytes >> 10) KiB" }
        return "\(bytes) bytes"
    }
}

/// Pieces of a URL the probe needs without a full parser.
enum URLParts {
    /// For `tls.server_name`: the URL with its host replaced by `name`, so that SNI, certificate
    /// verification and the `Host` header use it, and the libcurl `CONNECT_TO` entry that still
    /// sends the connection to the URL's own host and port (like `curl --connect-to`). Nil when
    /// the URL already names that host.
    static func serverName(_ name: String, for url: String) -> (url: String, connectTo: String)? {
        guard let schemeEnd = url.range(of: "://") else { return nil }
        let rest = url[schemeEnd.upperBound...]
        let authority = rest.prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        let at = authority.lastIndex(of: "@")
        let userinfo = at.map { authority[...$0] } ?? ""
        let hostPort = at.map { authority[authority.index(after: $0)...] } ?? authority
        let host: Substring
        let port: Substring?
        if hostPort.hasPrefix("[") {
            guard let close = hostPort.firstIndex(of: "]") else { return nil }
            host = hostPort[...close]
            let after = hostPort[hostPort.index(after: close)...]
            port = after.hasPrefix(":") ? after.dropFirst() : nil
        } else if let colon = hostPort.lastIndex(of: ":") {
            host = hostPort[..<colon]
            port = hostPort[hostPort.index(after: colon)...]
        } else {
            host = hostPort
            port = nil
        }
        let named = bracketed(name)
        guard host.lowercased() != named.lowercased() else { return nil }
        let number = port.flatMap { Int($0) } ?? (url.lowercased().hasPrefix("https:") ? 443 : 80)
        let renamed = "\(url[..<schemeEnd.upperBound])\(userinfo)\(named)\(port.map { ":\($0)" } ?? "")\(rest[authority.endIndex...])"
        return (renamed, "\(named):\(number):\(host):\(number)")
    }

    /// A host as a URL writes it: an IPv6 address in brackets.
    static func bracketed(_ host: String) -> String { host.contains(":") ? "[\(host)]" : host }
}
