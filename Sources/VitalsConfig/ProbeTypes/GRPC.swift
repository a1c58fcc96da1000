import Foundation
import Yams

/// `grpc`: the standard `grpc.health.v1.Health/Check` over HTTP/2 through libcurl (the probe is
/// `VitalsProbes/GRPCProbe.swift`).
public struct GRPCSettings: Sendable, Equatable {
    /// `host:port`.
    public var address: String
    /// The service whose health is asked for; empty asks for the server's overall health.
    public var service: String = ""
    /// Nil: plain text (HTTP/2 with prior knowledge, as gRPC servers expect); set: TLS, with
    /// HTTP/2 chosen by ALPN.
    public var tls: TLSSettings? = nil
    /// `expect: { conditions }`: `status` is the serving status (`SERVING`).
    public var expect = ConditionExpectation()
    public init(address: String, service: String = "", tls: TLSSettings? = nil) {
        self.address = address
        self.service = service
        self.tls = tls
    }
}

extension GRPCSettings {
    /// The observations a condition may name (`GRPCProbe`).
    public static let conditionNames: Set<String> = ["serving_status", "grpc_status", "cert_expiry", "cert_expiry_timestamp"]
}

extension GRPCSettings: ProbeConfig {
    static let type = ProbeType.grpc
    static let keys = ["address", "service", "tls", "expect"]
    static let structuredKeys: Set<String> = ["tls", "expect"]
    static let thresholds: Set<String> = ["latency", "cert_expiry"]
    var probeSettings: ProbeSettings { .grpc(self) }
    static func parse(_ f: Fields, _ parser: ConfigParser) -> Self? { parser.parseGRPC(f) }
}

extension ConfigParser {
    func parseGRPC(_ f: Fields) -> GRPCSettings? {
        guard f.require("address") != nil, let address = f.string("address") else { return nil }
        if !Syntax.isHostPort(address) {
            f.error("address", "expected host:port" + f.got("address", address))
        }
        var g = GRPCSettings(address: address, service: f.string("service") ?? "", tls: parseOptionalTLS(f))
        g.expect = parseConditionExpect(f, body: false, names: GRPCSettings.conditionNames).0
        return g
    }
}
