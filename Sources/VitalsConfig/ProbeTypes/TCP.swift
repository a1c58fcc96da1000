import Foundation
import Yams

/// `tcp`: connect, optionally TLS, send and expect (the probes are `VitalsProbes/TCPProbe.swift`
/// and `TLSTCPProbe.swift`).
public struct TCPSettings: Sendable, Equatable {
    /// `host:port`.
    public var address: String
    /// Bytes to send after connecting, escapes (`\r \n \x00`) already decoded.
    public var send: [UInt8] = []
    /// Regex the first bytes read must match (validated at parse time): `expect: "^SSH-"` or
    /// `expect: { regex: "^SSH-" }`.
    public var expect: String? = nil
    /// `expect: { conditions, body_not_contains }`, judged on what was read (`body`).
    public var conditions = ConditionExpectation()
    /// `tls: true` does a TLS handshake and reports certificate expiry.
    public var tls: TLSSettings? = nil
    public init(address: String) { self.address = address }
}

extension TCPSettings {
    /// The observations a condition may name (`TCPProbe`, `TLSTCPProbe`).
    public static let conditionNames: Set<String> = ["connect_time", "bytes_read", "cert_expiry", "cert_expiry_timestamp"]
}

extension TCPSettings: ProbeConfig {
    static let type = ProbeType.tcp
    static let keys = ["address", "send", "expect", "tls"]
    static let structuredKeys: Set<String> = ["tls", "expect"]
    static let thresholds: Set<String> = ["latency", "cert_expiry"]
    var probeSettings: ProbeSettings { .tcp(self) }
    static func parse(_ f: Fields, _ parser: ConfigParser) -> Self? { parser.parseTCP(f) }
}

extension ConfigParser {
    func parseTCP(_ f: Fields) -> TCPSettings? {
        guard f.require("address") != nil, let address = f.string("address") else { return nil }
        if !Syntax.isHostPort(address) {
            f.error("address", "expected host:port" + f.got("address", address))
        }
        var t = TCPSettings(address: address)
        if let s = f.string("send") {
            if let bytes = Escapes.decode(s) {
                t.send = bytes
            } else {
                f.error("send", "bad escape (use \\r \\n \\t \\\\ \\0 or \\xHH)")
            }
        }
        if f.value("expect")?.mapping != nil {
            let (conditions, ef) = parseConditionExpect(f, body: true, names: TCPSettings.conditionNames, extra: ["regex"])
            t.conditions = conditions
            if let ef, let e = ef.string("regex") {
                if Syntax.isRegex(e) { t.expect = e } else { ef.error("regex", "not a valid regular expression: \(e)") }
            }
        } else if let e = f.string("expect") {
            if Syntax.isRegex(e) {
                t.expect = e
            } else {
                f.error("expect", "not a valid regular expression: \(e)")
            }
        }
        t.tls = parseOptionalTLS(f)
        return t
    }
}
