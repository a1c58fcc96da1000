import Foundation
import Yams

/// `dns`: one query for one record type, to one server or the system's resolvers, through
/// c-ares (the probe is `VitalsProbes/DNSProbe.swift`, the c-ares glue `VitalsIO/DNSLookup.swift`).
public struct DNSSettings: Sendable, Equatable {
    /// The name asked for, as written (no search domains are appended). For `PTR`, an IP
    /// address is accepted too and asked as its `in-addr.arpa` / `ip6.arpa` name.
    public var query: String
    public var record: DNSRecordType = .a
    /// `IP`, `IP:port` or `[IPv6]:port` (port 53 when absent); nil asks the resolvers of
    /// `/etc/resolv.conf`. An address, never a name: the probe refuses a name at this key.
    public var server: String? = nil
    public var expect = DNSExpectation()
    public init(query: String) { self.query = query }
}

/// The record types the probe asks for and formats, with their numbers on the wire.
public enum DNSRecordType: String, CaseIterable, Sendable {
    case a = "A", aaaa = "AAAA", cname = "CNAME", mx = "MX", txt = "TXT", ns = "NS", srv = "SRV", soa = "SOA", ptr = "PTR"

    public var code: UInt16 {
        switch self {
        case .a: 1
        case .ns: 2
        case .cname: 5
        case .soa: 6
        case .ptr: 12
        case .mx: 15
        case .txt: 16
        case .aaaa: 28
        case .srv: 33
        }
    }

    public init?(code: UInt16) {
        guard let t = Self.allCases.first(where: { $0.code == code }) else { return nil }
        self = t
    }
}

/// DNS response codes by name (RFC 1035 and 2136), as `expect.rcode` takes them and messages show them.
public enum DNSRCode {
    public static let names = [
        "NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP", "REFUSED", "YXDOMAIN", "YXRRSET", "NXRRSET", "NOTAUTH", "NOTZONE",
    ]
    public static let noError = 0
    public static let nxDomain = 3

    /// `NXDOMAIN` for 3; `RCODE15` for a code without a name.
    public static func name(_ code: Int) -> String { names.indices.contains(code) ? names[code] : "RCODE\(code)" }

    public static func code(_ name: String) -> Int? { names.firstIndex(of: name.uppercased()) }
}

public struct DNSExpectation: Sendable, Equatable {
    /// The response code that counts as success (default NOERROR, which also needs at least
    /// one record of the asked type: an empty NOERROR answer is what a deleted record looks like).
    public var rcode: Int = DNSRCode.noError
    /// At least one answer, as text, must match (validated at parse time).
    public var answerRegex: String? = nil
    /// `conditions` and `body_not_contains` (the body is the answers, one per line).
    public var conditions = ConditionExpectation()
    public init() {}

    /// `answer_regex` as a condition, then `body_not_contains` and the written conditions.
    public func allConditions() throws -> [Condition] {
        (try answerRegex.map { [try Condition.answerRegex($0)] } ?? []) + conditions.checks
    }
}

extension DNSSettings {
    /// The observations a condition may name (`DNSProbe`), and `answers`, the list.
    public static let conditionNames: Set<String> = ["rcode", "answer_count", "lookup_time", "serial", "answers", "transport"]
}

extension DNSSettings: ProbeConfig {
    static let type = ProbeType.dns
    static let keys = ["query", "record", "server", "expect"]
    static let structuredKeys: Set<String> = ["expect"]
    static let thresholds: Set<String> = ["latency"]
    var probeSettings: ProbeSettings { .dns(self) }
    static func parse(_ f: Fields, _ parser: ConfigParser) -> Self? { parser.parseDNS(f) }
}

extension ConfigParser {
    func parseDNS(_ f: Fields) -> DNSSettings? {
        guard f.require("query") != nil, let query = f.string("query") else { return nil }
        var d = DNSSettings(query: query)
        if let r = f.string("record") {
            if let t = DNSRecordType(rawValue: r.uppercased()) {
                d.record = t
            } else {
                f.error("record", "expected one of \(DNSRecordType.allCases.map(\.rawValue).joined(separator: " "))" + f.got("record", r))
            }
        }
        // A PTR query may be an address (`10.0.0.5`, `2001:db8::1`); the probe reverses it.
        let address = d.record == .ptr && Syntax.mayBeIPAddress(query)
        if !address && !Syntax.isDNSName(query) {
            f.error("query", "expected a domain name such as api.example.com (labels of 1 to 63 characters)" + f.got("query", query))
        }
        if let s = f.string("server") {
            if Syntax.dnsServer(s) != nil {
                d.server = s
            } else {
                f.error("server", "expected an IP address, IP:port or [IPv6]:port" + f.got("server", s))
            }
        }
        let (conditions, ef) = parseConditionExpect(f, body: true, names: DNSSettings.conditionNames, extra: ["rcode", "answer_regex"])
        d.expect.conditions = conditions
        if let ef {
            if let r = ef.string("rcode") {
                if let code = DNSRCode.code(r) {
                    d.expect.rcode = code
                } else {
                    ef.error("rcode", "expected one of \(DNSRCode.names.joined(separator: " "))" + ef.got("rcode", r))
                }
            }
            if let re = ef.string("answer_regex") {
                if Syntax.isRegex(re) {
                    d.expect.answerRegex = re
                } else {
                    ef.error("answer_regex", "not a valid regular expression: \(re)")
                }
            }
        }
        return d
    }
}

extension Syntax {
    /// A domain name as a resolver takes it: up to 253 characters (a final dot aside), labels of
    /// 1 to 63 printable ASCII characters without spaces (underscores allowed, as SRV names have them).
    static func isDNSName(_ s: String) -> Bool {
        let name = s.hasSuffix(".") ? String(s.dropLast()) : s
        guard !name.isEmpty, name.utf8.count <= 253 else { return false }
        let labels = name.split(separator: ".", omittingEmptySubsequences: false)
        return labels.allSatisfy { label in
            (1...63).contains(label.utf8.count) && label.unicodeScalars.allSatisfy { $0.isASCII && $0.value > 0x20 && $0.value < 0x7f }
        }
    }

    /// Whether `s` has the shape of an IPv4 or IPv6 address (digits and dots, or hex digits and
    /// colons). The probe checks it properly (inet_pton), at the same key.
    static func mayBeIPAddress(_ s: String) -> Bool {
        guard !s.isEmpty else { return false }
        if s.contains(":") { return s.allSatisfy { $0.isHexDigit || $0 == ":" || $0 == "." } }
        let parts = s.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 4 && parts.allSatisfy { !$0.isEmpty && $0.count <= 3 && $0.allSatisfy(\.isNumber) && Int($0)! <= 255 }
    }

    /// `IP`, `IP:port`, `[IPv6]:port` or a bare IPv6 address: the host and the port (53 when
    /// absent). One colon is a port's; a bare IPv6 address has at least two.
    static func dnsServer(_ s: String) -> ListenAddress? {
        if s.hasPrefix("[") || s.filter({ $0 == ":" }).count == 1 {
            guard let a = ListenAddress(parsing: s), !s.hasPrefix(":"), a.port > 0, mayBeIPAddress(a.host) else { return nil }
            return a
        }
        return mayBeIPAddress(s) ? ListenAddress(host: s, port: 53) : nil
    }
}

extension DNSSettings {
    /// The `server` as host and port (53 when not written); nil for the system's resolvers.
    public var serverAddress: ListenAddress? { server.flatMap(Syntax.dnsServer) }
}
