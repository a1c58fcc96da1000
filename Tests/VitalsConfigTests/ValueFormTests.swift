import Testing
@testable import VitalsConfig

/// Values that may be written in more than one form.
struct ValueFormTests {
    static let tcp = "components:\n  - name: a\n    type: tcp\n    address: h:1\n"

    func tcpTLS(_ line: String) throws -> TLSSettings? {
        let c = try parsed(Self.tcp + line)
        guard case .tcp(let t) = c.components[0].probe else {
            Issue.record("not tcp")
            return nil
        }
        return t.tls
    }

    @Test func tcpTLSIsABoolOrTheHTTPMapping() throws {
        #expect(try tcpTLS("    tls: false\n") == nil)
        #expect(try tcpTLS("") == nil)
        #expect(try tcpTLS("    tls: true\n") == TLSSettings())
        var expected = TLSSettings()
        expected.insecureSkipVerify = true
        expected.serverName = "mq"
        #expect(try tcpTLS("    tls: { insecure_skip_verify: true, server_name: mq }\n") == expected)
    }

    @Test(arguments: [("200", [200...200]), ("\"200-299\"", [200...299]), ("[200, \"300-399\", 404]", [200...200, 300...399, 404...404])])
    func statusCodes(yaml: String, ranges: [ClosedRange<Int>]) throws {
        let c = try parsed("components:\n  - name: a\n    type: http\n    url: http://x/\n    expect: { status: \(yaml) }\n")
        guard case .http(let h) = c.components[0].probe else { Issue.record("not http"); return }
        #expect(h.expect.status == StatusCodeSet(ranges))
    }

    @Test(arguments: [("yes", true), ("on", true), ("True", true), ("no", false), ("off", false), ("\"false\"", false)])
    func booleans(text: String, value: Bool) throws {
        #expect(try parsed("components:\n  - { name: a, type: memory, critical: \(text) }\n").components[0].critical == value)
    }

    /// `server.public_status` (spec section 3): false unless said.
    @Test func publicStatusIsOffUnlessSaid() throws {
        #expect(try parsed("server:\n  public_status: true\n").server.publicStatus)
        #expect(try !parsed("server:\n  public_status: false\n").server.publicStatus)
        #expect(try !parsed("server:\n  listen: \":9000\"\n").server.publicStatus)
    }

    @Test func sectionsLeftEmptyAreEmpty() throws {
        let c = try parsed("server:\ndefaults:\nstorage:\ncomponents:\n  - name: a\n    type: memory\n    groups:\n    thresholds:\n")
        #expect(c.server == ServerConfig() && c.defaults == ComponentDefaults() && c.storage == StorageConfig())
        #expect(c.components[0].groups.isEmpty && c.components[0].thresholds.isEmpty)
    }

    @Test func redisTakesHostPortOrAUnixSocket() throws {
        let c = try parsed("components:\n  - { name: a, type: redis, address: \"[::1]:6379\" }\n  - { name: b, type: redis, address: \"unix:///tmp/r.sock\" }\n")
        #expect(c.components.map(\.probe) == [.redis(RedisSettings(address: "[::1]:6379")), .redis(RedisSettings(address: "unix:///tmp/r.sock"))])
    }
}
