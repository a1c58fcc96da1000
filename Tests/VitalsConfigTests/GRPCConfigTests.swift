import Foundation
import Testing
@testable import VitalsConfig

/// The `grpc` component: address, optional service, and `tls` as tcp takes it (absent for
/// plain text, `true`, or http's mapping).
struct GRPCConfigTests {
    func settings(_ yaml: String) throws -> GRPCSettings {
        let config = try ConfigLoader.parse(yaml: "components:\n  - name: a\n    type: grpc\n" + yaml, file: "c.yaml", environment: [:])
        guard case .grpc(let g) = config.components[0].probe else {
            Issue.record("not grpc: \(config.components[0].probe)")
            return GRPCSettings(address: "")
        }
        return g
    }

    @Test func plainTextByDefaultAndTheOverallHealthWithoutService() throws {
        let g = try settings("    address: \"users:50051\"\n")
        #expect(g == GRPCSettings(address: "users:50051", service: "", tls: nil))
    }

    @Test func serviceAndTLSForms() throws {
        let dir = try ConfigFolder()
        let ca = try dir.write("ca.pem", "ca")
        #expect(try settings("    address: \"[::1]:50051\"\n    service: users.v1.Users\n").service == "users.v1.Users")
        #expect(try settings("    address: h:1\n    tls: true\n").tls == TLSSettings())
        #expect(try settings("    address: h:1\n    tls: false\n").tls == nil)
        let mapped = try settings("    address: h:1\n    tls: { ca_file: \(ca), server_name: users.internal }\n").tls
        #expect(mapped?.caFile == ca && mapped?.serverName == "users.internal")
    }

    @Test(arguments: [
        ("", "c.yaml:2:5: components[a]: missing required key address"),
        ("    address: users\n", #"c.yaml:4:14: components[a].address: expected host:port, got "users""#),
        ("    address: h:1\n    tls: maybe\n", #"c.yaml:5:10: components[a].tls: expected true or false, got "maybe""#),
        ("    address: h:1\n    tls: { ca_file: /nonexistent/ca.pem }\n", "c.yaml:5:21: components[a].tls.ca_file: cannot read /nonexistent/ca.pem"),
        ("    address: h:1\n    servce: x\n", "c.yaml:5:5: components[a].servce: unknown key (did you mean service?)"),
        ("    address: h:1\n    thresholds: { status_code: { unhealthy: 1 } }\n",
         "c.yaml:5:19: components[a].thresholds.status_code: grpc has no measurement status_code (it has cert_expiry, latency, and over a window success_rate, latency_p50, latency_p95, latency_p99)"),
    ])
    func mistakesAreNamedAtTheirKey(yaml: String, expected: String) {
        #expect(errors("components:\n  - name: a\n    type: grpc\n" + yaml) == [expected])
    }
}
