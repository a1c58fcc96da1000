import Foundation
import Yams

/// `http`: one request through libcurl (the probe is `VitalsProbes/HTTPProbe.swift`).
public struct HTTPSettings: Sendable, Equatable {
    public var url: String
    public var method: String = "GET"
    /// Header values are secrets: `Authorization` and the like must never be printed.
    public var headers: [(name: String, value: Secret)] = []
    public var body: String? = nil
    public var expect: HTTPExpectation = HTTPExpectation()
    public var followRedirects: Bool = true
    public var tls: TLSSettings = TLSSettings()
    /// Cap on the response body read (default 1 MiB).
    public var maxBodyBytes: Int = 1 << 20
    public init(url: String) { self.url = url }

    public static func == (a: HTTPSettings, b: HTTPSettings) -> Bool {
        a.url == b.url && a.method == b.method && a.body == b.body && a.expect == b.expect
            && a.followRedirects == b.followRedirects && a.tls == b.tls && a.maxBodyBytes == b.maxBodyBytes
            && a.headers.count == b.headers.count
            && zip(a.headers, b.headers).allSatisfy { $0.name == $1.name && $0.value == $1.value }
    }
}

/// Inclusive status-code ranges; the default is kubelet's 200-399.
public struct StatusCodeSet: Sendable, Equatable, CustomStringConvertible {
    public var ranges: [ClosedRange<Int>]
    public init(_ ranges: [ClosedRange<Int>]) { self.ranges = ranges }
    public static let kubelet = StatusCodeSet([200...399])
    public func contains(_ code: Int) -> Bool { ranges.contains { $0.contains(code) } }
    public var description: String {
        ranges.map { $0.lowerBound == $0.upperBound ? "\($0.lowerBound)" : "\($0.lowerBound)-\($0.upperBound)" }
            .joined(separator: ",")
    }
}

public struct HTTPExpectation: Sendable, Equatable {
    public var status: StatusCodeSet = .kubelet
    public var bodyContains: String? = nil
    /// Validated at parse time (compiles as a regex).
    public var bodyRegex: String? = nil
    public var json: JSONExpectation? = nil
    /// `conditions` and `body_not_contains`.
    public var conditions = ConditionExpectation()
    public init() {}

    /// Every check of a response as conditions, in the order they are reported: the status,
    /// `body_contains`, `body_regex`, `json`, `body_not_contains`, then the written conditions.
    /// Built when the probe is (at load); throws for a `body_regex` or json path that the
    /// config check would have refused.
    public func allConditions() throws -> [Condition] {
        var list = [Condition.status(in: status)]
        if let bodyContains { list.append(.bodyContains(bodyContains)) }
        if let bodyRegex { list.append(try Condition.bodyRegex(bodyRegex)) }
        if let json {
            guard let path = JSONPath(json.path) else { throw ConditionSyntaxError(offset: 0, message: "json path '\(json.path)' is not like $.a.b[0].c") }
            list.append(.json(path, equals: json.equals))
        }
        return list + conditions.checks
    }
}

/// `json: { path: "$.status", equals: "UP" }`: a dotted path with optional `[index]` steps.
public struct JSONExpectation: Sendable, Equatable {
    public var path: String
    public var equals: String
    public init(path: String, equals: String) {
        self.path = path
        self.equals = equals
    }
}

extension HTTPSettings {
    /// The observations a condition may name (`VitalsProbes/HTTPProbe.swift` reports them).
    public static let conditionNames: Set<String> = ["status_code", "http_version", "response_bytes", "redirects", "cert_expiry", "cert_expiry_timestamp"]
}

extension HTTPSettings: ProbeConfig {
    static let type = ProbeType.http
    static let keys = ["url", "method", "headers", "body", "expect", "follow_redirects", "tls", "max_body"]
    static let structuredKeys: Set<String> = ["headers", "tls", "expect"]
    static let thresholds: Set<String> = ["latency", "cert_expiry"]
    var probeSettings: ProbeSettings { .http(self) }
    static func parse(_ f: Fields, _ parser: ConfigParser) -> Self? { parser.parseHTTP(f) }
}

extension ConfigParser {
    func parseHTTP(_ f: Fields) -> HTTPSettings? {
        guard f.require("url") != nil, let url = f.string("url") else { return nil }
        if !Syntax.isHTTPURL(url) {
            // The URL may hold credentials (user:password@): say what is wrong without quoting it.
            f.error("url", "expected an http:// or https:// URL with a host")
        }
        var h = HTTPSettings(url: url)
        if let m = f.string("method") {
            if !m.isEmpty, m.allSatisfy({ $0.isASCII && $0.isLetter && $0.isUppercase }) {
                h.method = m
            } else {
                f.error("method", "expected an HTTP method in capitals such as GET, HEAD or POST" + f.got("method", m))
            }
        }
        if let headers = f.secretMap("headers", validName: Syntax.isHeaderName, nameRule: " for a header") {
            h.headers = headers.map { (name: $0.0, value: $0.1) }
        }
        h.body = f.string("body")
        if let e = f.value("expect") { h.expect = parseHTTPExpect(e, path: f.sub("expect"), file: f.file) }
        if let fr = f.bool("follow_redirects") { h.followRedirects = fr }
        if let t = f.value("tls") { h.tls = parseTLS(t, path: f.sub("tls"), file: f.file) ?? TLSSettings() }
        if let mb = f.size("max_body") { h.maxBodyBytes = mb }
        return h
    }

    private func parseHTTPExpect(_ node: Node, path: String, file: String) -> HTTPExpectation {
        var e = HTTPExpectation()
        let keys = ["status", "body_contains", "body_regex", "json", "conditions", "body_not_contains"]
        guard let f = Fields(node, reader: reader, file: file, path: path, allowed: keys, structured: ["status", "json", "conditions"]) else { return e }
        parseConditionKeys(f, into: &e.conditions, names: HTTPSettings.conditionNames)
        if let s = f.value("status"), let set = parseStatus(s, path: f.sub("status"), file: file) { e.status = set }
        e.bodyContains = f.string("body_contains")
        if let re = f.string("body_regex") {
            if Syntax.isRegex(re) {
                e.bodyRegex = re
            } else {
                f.error("body_regex", "not a valid regular expression: \(re)")
            }
        }
        if let j = f.value("json"), let jf = Fields(j, reader: reader, file: file, path: f.sub("json"), allowed: ["path", "equals"]) {
            jf.require("path")
            jf.require("equals")
            if let p = jf.string("path"), let eq = jf.string("equals") {
                if JSONPath(p) != nil {
                    e.json = JSONExpectation(path: p, equals: eq)
                } else {
                    jf.error("path", #"expected a path like $.status, $.items[0].name or $["key with.dots"]"# + jf.got("path", p))
                }
            }
        }
        return e
    }

    /// `200`, `"200-299"`, or a list of those; codes within 100...599.
    private func parseStatus(_ s: Node, path: String, file: String) -> StatusCodeSet? {
        let items = s.sequence.map(Array.init) ?? [s]
        var ranges: [ClosedRange<Int>] = []
        for (i, item) in items.enumerated() {
            let itemPath = s.sequence == nil ? path : path + "[\(i)]"
            guard let text = reader.substitute(item, file: file, path: itemPath) else { continue }
            let parts = text.split(separator: "-", maxSplits: 1, omittingEmptySubsequences: false).map {
                Int($0.trimmingCharacters(in: .whitespaces))
            }
            if parts.count == 1, let a = parts[0], (100...599).contains(a) {
                ranges.append(a...a)
            } else if parts.count == 2, let a = parts[0], let b = parts[1], (100...599).contains(a), (100...599).contains(b), a <= b {
                ranges.append(a...b)
            } else {
                reader.error(item, in: file, itemPath, "expected a status code or a range like 200-299 (100 to 599), got \"\(text)\"")
            }
        }
        if s.sequence?.isEmpty == true { reader.error(s, in: file, path, "list at least one status code") }
        return ranges.isEmpty ? nil : StatusCodeSet(ranges)
    }
}
