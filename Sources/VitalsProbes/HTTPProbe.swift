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
    private let regex: BodyRegex?
    private let jsonPath: JSONPath?
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
        if let pattern = settings.expect.bodyRegex {
            guard let regex = BodyRegex(pattern) else { throw ProbeSetupError("body_regex /\(pattern)/ does not compile", key: "expect") }
            self.regex = regex
        } else {
            regex = nil
        }
        if let json = settings.expect.json {
            guard let path = JSONPath(json.path) else { throw ProbeSetupError("json path '\(json.path)' is not like $.a.b[0].c", key: "expect") }
            jsonPath = path
        } else {
            jsonPath = nil
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
        let expect = settings.expect
        guard expect.status.contains(response.statusCode) else {
            return fail("status \(response.statusCode) not in \(expect.status)")
        }
        let cut = response.bodyTruncated ? " (first \(Self.size(settings.maxBodyBytes)) read)" : ""
        if expect.bodyContains != nil || regex != nil || jsonPath != nil {
            let body = String(decoding: response.body, as: UTF8.self)
            if let needle = expect.bodyContains, !body.contains(needle) {
                return fail("body does not contain \(Self.quote(needle))\(cut)")
            }
            if let regex, !regex.matches(body) {
                return fail("body does not match /\(regex.pattern)/\(cut)")
            }
            if let jsonPath, let json = expect.json {
                guard let document = JSONValue.parse(response.body) else { return fail("body is not JSON\(cut)") }
                guard let value = jsonPath.lookup(in: document) else { return fail("json \(json.path) not found") }
                let text = value.stringForm
                if text != json.equals {
                    return fail("json \(json.path) is \(Self.quote(text)), expected \(Self.quote(json.equals))")
                }
            }
        }
        var message = "status \(response.statusCode)"
        if response.bodyTruncated { message += ", body cut at \(Self.size(settings.maxBodyBytes))" }
        return ProbeResult(success: true, latency: latency, message: message, observations: observations, phases: phases)
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

    static func quote(_ s: String) -> String {
        let short = s.count > 60 ? String(s.prefix(57)) + "..." : s
        return "\"" + short.replacingOccurrences(of: "\n", with: "\\n").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }

    static func size(_ bytes: Int) -> String {
        if bytes >= 1 << 20 && bytes % (1 << 20) == 0 { return "\(bytes >> 20) MiB" }
        if bytes >= 1 << 10 && bytes % (1 << 10) == 0 { return "\(bytes >> 10) KiB" }
        return "\(bytes) bytes"
    }
}

/// A compiled `body_regex` / `expect` pattern (ICU syntax through `NSRegularExpression`, close
/// to PCRE, like the tcp probe; `NSRegularExpression` is immutable and thread-safe).
struct BodyRegex: Sendable {
    let pattern: String
    private let regex: NSRegularExpression

    init?(_ pattern: String) {
        guard let regex = try? NSRegularExpression(pattern: pattern, options: []) else { return nil }
        self.pattern = pattern
        self.regex = regex
    }

    func matches(_ text: String) -> Bool {
        regex.firstMatch(in: text, options: [], range: NSRange(text.startIndex..., in: text)) != nil
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

// MARK: - JSON for `expect.json`

/// A JSON value that keeps numbers as written, so `equals: "1.50"` compares with what the
/// server sent, not with a re-printed double.
indirect enum JSONValue {
    case string(String)
    case number(String)
    case bool(Bool)
    case null
    case array([JSONValue])
    case object([(String, JSONValue)])

    /// What `equals` is compared with: a string's contents, a number's text, `true`, `false`,
    /// `null`, or compact JSON for arrays and objects.
    var stringForm: String {
        if case .string(let s) = self { return s }
        return json
    }

    var json: String {
        switch self {
        case .string(let s): JSONValue.encode(s)
        case .number(let n): n
        case .bool(let b): b ? "true" : "false"
        case .null: "null"
        case .array(let items): "[" + items.map(\.json).joined(separator: ",") + "]"
        case .object(let members): "{" + members.map { JSONValue.encode($0.0) + ":" + $0.1.json }.joined(separator: ",") + "}"
        }
    }

    private static func encode(_ s: String) -> String { JSONString.quoted(s) }

    static func parse(_ bytes: [UInt8]) -> JSONValue? {
        var parser = JSONParser(bytes: bytes)
        guard let value = parser.value(depth: 0) else { return nil }
        parser.skipSpace()
        return parser.index == bytes.count ? value : nil
    }
}

private struct JSONParser {
    let bytes: [UInt8]
    var index = 0

    mutating func skipSpace() {
        while index < bytes.count, [0x20, 0x0A, 0x0D, 0x09].contains(bytes[index]) { index += 1 }
    }

    private mutating func take(_ c: Character) -> Bool {
        skipSpace()
        guard index < bytes.count, bytes[index] == c.asciiValue! else { return false }
        index += 1
        return true
    }

    mutating func value(depth: Int) -> JSONValue? {
        guard depth < 256 else { return nil }
        skipSpace()
        guard index < bytes.count else { return nil }
        switch bytes[index] {
        case UInt8(ascii: "{"):
            index += 1
            var members: [(String, JSONValue)] = []
            if take("}") { return .object(members) }
            repeat {
                skipSpace()
                guard let key = string(), take(":"), let v = value(depth: depth + 1) else { return nil }
                members.append((key, v))
            } while take(",")
            return take("}") ? .object(members) : nil
        case UInt8(ascii: "["):
            index += 1
            var items: [JSONValue] = []
            if take("]") { return .array(items) }
            repeat {
                guard let v = value(depth: depth + 1) else { return nil }
                items.append(v)
            } while take(",")
            return take("]") ? .array(items) : nil
        case UInt8(ascii: "\""):
            return string().map(JSONValue.string)
        case UInt8(ascii: "t"): return literal("true", .bool(true))
        case UInt8(ascii: "f"): return literal("false", .bool(false))
        case UInt8(ascii: "n"): return literal("null", .null)
        default:
            let start = index
            while index < bytes.count, "+-0123456789.eE".utf8.contains(bytes[index]) { index += 1 }
            let text = String(decoding: bytes[start..<index], as: UTF8.self)
            return index > start && Double(text) != nil ? .number(text) : nil
        }
    }

    private mutating func literal(_ word: String, _ v: JSONValue) -> JSONValue? {
        let w = Array(word.utf8)
        guard index + w.count <= bytes.count, Array(bytes[index..<index + w.count]) == w else { return nil }
        index += w.count
        return v
    }

    private mutating func string() -> String? {
        guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else { return nil }
        index += 1
        var out: [UInt8] = []
        while index < bytes.count {
            let c = bytes[index]
            index += 1
            if c == UInt8(ascii: "\"") { return String(decoding: out, as: UTF8.self) }
            guard c == UInt8(ascii: "\\") else {
                out.append(c)
                continue
            }
            guard index < bytes.count else { return nil }
            let e = bytes[index]
            index += 1
            switch e {
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "u"):
                guard var code = hex4() else { return nil }
                // A character outside the BMP is a surrogate pair: two \u escapes.
                if (0xD800..<0xDC00).contains(code), index + 1 < bytes.count, bytes[index] == UInt8(ascii: "\\"),
                    bytes[index + 1] == UInt8(ascii: "u")
                {
                    index += 2
                    guard let low = hex4(), (0xDC00..<0xE000).contains(low) else { return nil }
                    code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                }
                out += Array(String(Unicode.Scalar(code).map(Character.init) ?? "\u{FFFD}").utf8)
            default: out.append(e)
            }
        }
        return nil
    }

    private mutating func hex4() -> UInt32? {
        guard index + 4 <= bytes.count, let v = UInt32(String(decoding: bytes[index..<index + 4], as: UTF8.self), radix: 16)
        else { return nil }
        index += 4
        return v
    }
}

extension JSONPath {
    func lookup(in root: JSONValue) -> JSONValue? {
        var current = root
        for step in steps {
            switch (step, current) {
            case (.key(let k), .object(let members)):
                guard let v = members.first(where: { $0.0 == k })?.1 else { return nil }
                current = v
            case (.index(let i), .array(let items)):
                guard i < items.count else { return nil }
                current = items[i]
            default:
                return nil
            }
        }
        return current
    }
}
