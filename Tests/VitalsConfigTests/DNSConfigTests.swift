import Testing
@testable import VitalsConfig

/// `type: dns`: what it reads, its defaults, and the line `vitals validate` prints for each mistake.
struct DNSConfigTests {
    static func c(_ rest: String) -> String { "components:\n  - name: a\n    type: dns\n" + rest }

    @Test func readsEveryKey() throws {
        let config = try parsed(Self.c("    query: api.example.com.\n    record: mx\n    server: \"[fd00::53]:5353\"\n    expect: { rcode: nxdomain, answer_regex: \"^10 \" }\n"))
        guard case .dns(let d) = config.components[0].probe else { throw Failure("not dns") }
        #expect(d.query == "api.example.com.")
        #expect(d.record == .mx)
        #expect(d.serverAddress == ListenAddress(host: "fd00::53", port: 5353))
        #expect(d.expect.rcode == DNSRCode.nxDomain)
        #expect(d.expect.answerRegex == "^10 ")
    }

    @Test func defaultsAskForAnAddressFromTheSystemsResolversAndWantNOERROR() throws {
        let config = try parsed(Self.c("    query: _sip._tcp.example.com\n"))
        guard case .dns(let d) = config.components[0].probe else { throw Failure("not dns") }
        #expect(d.record == .a)
        #expect(d.server == nil && d.serverAddress == nil)
        #expect(d.expect == DNSExpectation())
        #expect(d.expect.rcode == DNSRCode.noError)
    }

    /// Port 53 unless written; a bare IPv6 address takes no port (it would be ambiguous).
    @Test(arguments: [
        ("10.0.0.2", "10.0.0.2", 53), ("10.0.0.2:5353", "10.0.0.2", 5353), ("::1", "::1", 53), ("[::1]:5353", "::1", 5353),
        ("2001:db8::53", "2001:db8::53", 53),
    ])
    func serverForms(written: String, host: String, port: Int) throws {
        let config = try parsed(Self.c("    query: example.com\n    server: \"\(written)\"\n"))
        guard case .dns(let d) = config.components[0].probe else { throw Failure("not dns") }
        #expect(d.serverAddress == ListenAddress(host: host, port: port))
    }

    /// A PTR query may be an address; any other query must be a name.
    @Test func ptrTakesAnAddress() throws {
        for query in ["10.0.0.5", "fd00::5", "5.0.0.10.in-addr.arpa"] {
            #expect(errors(Self.c("    query: \"\(query)\"\n    record: PTR\n")).isEmpty, "\(query)")
        }
    }

    static let mistakes: [(String, String)] = [
        (c(""), "c.yaml:2:5: components[a]: missing required key query"),
        (c("    query: example.com\n    record: ANY\n"),
         #"c.yaml:5:13: components[a].record: expected one of A AAAA CNAME MX TXT NS SRV SOA PTR, got "ANY""#),
        (c("    query: \"bad name.example.com\"\n"),
         #"c.yaml:4:12: components[a].query: expected a domain name such as api.example.com (labels of 1 to 63 characters), got "bad name.example.com""#),
        (c("    query: a..b\n"),
         #"c.yaml:4:12: components[a].query: expected a domain name such as api.example.com (labels of 1 to 63 characters), got "a..b""#),
        (c("    query: \(String(repeating: "x", count: 64)).com\n"),
         #"c.yaml:4:12: components[a].query: expected a domain name such as api.example.com (labels of 1 to 63 characters), got ""# + String(repeating: "x", count: 64) + #".com""#),
        (c("    query: example.com\n    server: dns.internal:53\n"),
         #"c.yaml:5:13: components[a].server: expected an IP address, IP:port or [IPv6]:port, got "dns.internal:53""#),
        (c("    query: example.com\n    server: \"10.0.0.2:0\"\n"),
         #"c.yaml:5:13: components[a].server: expected an IP address, IP:port or [IPv6]:port, got "10.0.0.2:0""#),
        (c("    query: example.com\n    server: 10.0.0.256\n"),
         #"c.yaml:5:13: components[a].server: expected an IP address, IP:port or [IPv6]:port, got "10.0.0.256""#),
        (c("    query: example.com\n    expect: { rcode: NXDOMIAN }\n"),
         #"c.yaml:5:22: components[a].expect.rcode: expected one of NOERROR FORMERR SERVFAIL NXDOMAIN NOTIMP REFUSED YXDOMAIN YXRRSET NXRRSET NOTAUTH NOTZONE, got "NXDOMIAN""#),
        (c("    query: example.com\n    expect: { answer_regex: \"(\" }\n"), "c.yaml:5:29: components[a].expect.answer_regex: not a valid regular expression: ("),
        (c("    query: example.com\n    expect: { answer: x }\n"), "c.yaml:5:15: components[a].expect.answer: unknown key"),
        (c("    query: example.com\n    thresholds: { answer_count: { degraded: 1 } }\n"),
         "c.yaml:5:19: components[a].thresholds.answer_count: dns has no measurement answer_count (it has latency, and over a window success_rate, latency_p50, latency_p95, latency_p99)"),
    ]

    @Test(arguments: mistakes)
    func mistakesAreReportedAtTheirKey(yaml: String, expected: String) {
        #expect(errors(yaml) == expected.components(separatedBy: "\n"))
    }
}

private struct Failure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
