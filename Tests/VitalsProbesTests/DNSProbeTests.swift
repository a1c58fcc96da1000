import Foundation
import Testing
import VitalsTestSupport
import VitalsConfig
import VitalsCore
import VitalsIO
@testable import VitalsProbes

/// `dns` against dnsmasq (`make test` starts it: `VITALS_TEST_DNS`), a UDP socket that never
/// answers, a closed port, and a peer answering with a malformed reply.
@Suite(.serialized) struct DNSProbeTests {
    static let available = TestEnvironment.required || ProcessInfo.processInfo.environment["VITALS_TEST_DNS"] != nil
    static let skip: Comment = "dnsmasq test server not configured (set VITALS_TEST_DNS, or run `make test`)"

    func probe(
        _ query: String, _ record: DNSRecordType = .a, server: String, timeout: Duration = .seconds(2),
        _ configure: (inout DNSSettings) -> Void = { _ in }
    ) throws -> DNSProbe {
        var settings = DNSSettings(query: query)
        settings.record = record
        settings.server = server
        configure(&settings)
        return try DNSProbe(settings: settings, timeout: timeout)
    }

    func run(_ p: DNSProbe) async -> ProbeResult { await p.run(deadline: .now.advanced(by: p.timeout)) }

    static let records: [(String, DNSRecordType, String)] = [
        ("api.vitals.test", .a, "10.0.0.5"),
        ("api.vitals.test", .aaaa, "fd00::5"),
        ("www.vitals.test", .cname, "api.vitals.test"),
        ("vitals.test", .mx, "10 mail.vitals.test"),
        ("txt.vitals.test", .txt, "v=spf1 -all"),
        ("_sip._tcp.vitals.test", .srv, "10 5 5060 sip.vitals.test"),
        ("10.0.0.5", .ptr, "api.vitals.test"),
    ]

    /// Each record type as text, matched whole by `answer_regex`, with the observations
    /// Prometheus and /health/detailed show.
    @Test(.enabled(if: available, skip), arguments: records)
    func answersEachRecordType(query: String, record: DNSRecordType, answer: String) async throws {
        let server = try TestEnvironment.require("VITALS_TEST_DNS")
        let result = await run(try probe(query, record, server: server) { $0.expect.answerRegex = "^" + NSRegularExpression.escapedPattern(for: answer) + "$" })
        #expect(result.success, "\(result.message)")
        #expect(result.message == "NOERROR, 1 answer: \(answer)")
        #expect(result.number("rcode") == 0)
        #expect(result.number("answer_count") == 1)
        #expect(result.observation("answers") == .text(answer))
        #expect(result.observation("transport") == .text("udp"))
        let lookup = try #require(result.number("lookup_time"))
        #expect(lookup > 0 && lookup < 2)
        #expect(result.latency.seconds == lookup)
    }

    /// An A query for an alias answers the CNAME and the address; the regex needs one to match.
    @Test(.enabled(if: available, skip)) func followsACNAME() async throws {
        let server = try TestEnvironment.require("VITALS_TEST_DNS")
        let result = await run(try probe("www.vitals.test", server: server) { $0.expect.answerRegex = #"^10\."# })
        #expect(result.success, "\(result.message)")
        #expect(result.message == "NOERROR, 2 answers: CNAME api.vitals.test, 10.0.0.5")
        #expect(result.number("answer_count") == 2)
    }

    @Test(.enabled(if: available, skip)) func nxdomainSaysSo() async throws {
        let server = try TestEnvironment.require("VITALS_TEST_DNS")
        let missing = await run(try probe("gone.vitals.test", server: server))
        #expect(!missing.success)
        #expect(missing.message == "NXDOMAIN: gone.vitals.test does not exist")
        #expect(missing.number("rcode") == 3)
        #expect(missing.number("answer_count") == 0)
        // A record that must be gone: NXDOMAIN is the success.
        let retired = await run(try probe("gone.vitals.test", server: server) { $0.expect.rcode = DNSRCode.nxDomain })
        #expect(retired.success, "\(retired.message)")
        #expect(retired.message == "NXDOMAIN")
    }

    /// dnsmasq has no upstream: a name outside vitals.test is REFUSED, and the probe reports the
    /// server's code (c-ares would otherwise hide it behind its own error).
    @Test(.enabled(if: available, skip)) func otherResponseCodesNameTheServer() async throws {
        let server = try TestEnvironment.require("VITALS_TEST_DNS")
        let result = await run(try probe("example.com", server: server))
        #expect(!result.success)
        #expect(result.message == "REFUSED from \(server), expected NOERROR")
        #expect(result.number("rcode") == 5)
    }

    /// NOERROR without a record of the asked type is what a deleted record looks like.
    @Test(.enabled(if: available, skip)) func noRecordOfTheAskedTypeFails() async throws {
        let server = try TestEnvironment.require("VITALS_TEST_DNS")
        let result = await run(try probe("api.vitals.test", .mx, server: server))
        #expect(!result.success)
        #expect(result.message == "NOERROR but no MX record for api.vitals.test")
        #expect(result.number("rcode") == 0)
    }

    @Test(.enabled(if: available, skip)) func answerRegexMustMatchAnAnswer() async throws {
        let server = try TestEnvironment.require("VITALS_TEST_DNS")
        let result = await run(try probe("api.vitals.test", server: server) { $0.expect.answerRegex = #"^192\."# })
        #expect(!result.success)
        #expect(result.message == #"no answer matches "^192\." (10.0.0.5)"#)
        #expect(result.observation("answers") == .text("10.0.0.5"))
    }

    /// Three TXT records of 400 bytes do not fit in 512 bytes: dnsmasq sets TC over UDP, c-ares
    /// asks again over TCP, and every record arrives whole.
    @Test(.enabled(if: available, skip)) func truncatedAnswerIsAskedAgainOverTCP() async throws {
        let server = try TestEnvironment.require("VITALS_TEST_DNS")
        let x400 = String(repeating: "x", count: 400)
        let result = await run(try probe("big.vitals.test", .txt, server: server) { $0.expect.answerRegex = "^x{400}-3$" })
        #expect(result.success, "\(result.message)")
        #expect(result.observation("transport") == .text("tcp"))
        #expect(result.number("answer_count") == 3)
        #expect(result.message.hasPrefix("NOERROR over TCP, 3 answers: "))
        // Shown cut, so that a large answer cannot swell every stored result.
        let shown = String(repeating: "x", count: DNSProbe.shownLength - 3) + "..."
        #expect(result.observation("answers") == .text([shown, shown, shown].joined(separator: ", ")))

        var settings = DNSSettings(query: "big.vitals.test")
        settings.server = server
        let answer = try await DNSLookup.query("big.vitals.test", type: 16, server: try #require(settings.serverAddress), deadline: .now + .seconds(2)).get()
        #expect(answer.overTCP)
        #expect(answer.message.count > 512)
        let reply = try DNSReply(parsing: answer.message)
        #expect(!reply.truncated)
        #expect(Set(reply.answers.map(\.text)) == Set((1...3).map { "\(x400)-\($0)" }))
    }

    /// A server that reads and never answers: c-ares retries inside the deadline, the probe
    /// returns at it with the scheduler's own message.
    @Test func silentServerTimesOut() async throws {
        let silent = try UDPPeer()
        defer { silent.stop() }
        let start = ContinuousClock.now
        let result = await run(try probe("api.vitals.test", server: silent.address, timeout: .seconds(1)))
        let took = start.duration(to: .now)
        #expect(!result.success)
        #expect(result.message == "timeout after 1s")
        #expect(took >= .milliseconds(990) && took < .seconds(1) + Timing.slack, "returned after \(took), deadline 1s")
    }

    @Test func closedPortIsRefused() async throws {
        let port = try UDPPeer.closedPort()
        let start = ContinuousClock.now
        let result = await run(try probe("api.vitals.test", server: "127.0.0.1:\(port)", timeout: .seconds(5)))
        #expect(!result.success)
        #expect(result.message == "connection refused by 127.0.0.1:\(port)")
        #expect(start.duration(to: .now) < Timing.slack, "refusal is immediate, not a timeout")
    }

    /// A reply whose answer name points at itself: the parser stops, the probe fails with why.
    @Test func malformedReplyFailsWithItsReason() async throws {
        let hostile = try UDPPeer { query in
            var reply = query
            reply[2] |= 0x80  // a response
            reply[7] = 1  // one answer
            let name = reply.count
            reply += [0xC0 | UInt8(name >> 8), UInt8(name & 0xFF), 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 10, 0, 0, 5]
            return reply
        }
        defer { hostile.stop() }
        let result = await run(try probe("api.vitals.test", server: hostile.address))
        #expect(!result.success)
        #expect(result.message == "malformed answer from \(hostile.address): a name's compression pointers loop")
    }

    @Test func cancelledProbeReturnsAtOnce() async throws {
        let silent = try UDPPeer()
        defer { silent.stop() }
        let p = try probe("api.vitals.test", server: silent.address, timeout: .seconds(30))
        let start = ContinuousClock.now
        let task = Task { await run(p) }
        task.cancel()
        let result = await task.value
        #expect(result.message == "cancelled")
        #expect(start.duration(to: .now) < Timing.slack)
    }

    /// What the config's syntax check lets through and c-ares could not use is refused at its key.
    @Test func setupRefusesWhatIsNotAnAddress() throws {
        #expect(throws: ProbeSetupError.self) { try probe("example.com", server: "1:2:3") }
        do {
            _ = try probe("example.com", server: "1:2:3")
        } catch let error as ProbeSetupError {
            #expect(error.key == "server")
            #expect(error.description == "not an IP address (c-ares does not look up its servers' names): 1:2:3")
        }
        do {
            _ = try probe("1:2", .ptr, server: "127.0.0.1")
            Issue.record("a PTR query that is not an address was accepted")
        } catch let error as ProbeSetupError {
            #expect(error.key == "query")
        }
        let reverse = try probe("2001:db8::1", .ptr, server: "127.0.0.1")
        #expect(reverse.name == "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa")
    }

    /// SOA answers carry the zone's serial as a number (blackbox_exporter's `probe_dns_serial`).
    @Test func soaSerialIsAnObservation() throws {
        let p = try probe("example.com", .soa, server: "127.0.0.1")
        let reply = try DNSReply(parsing: DNSMessageBuilder.reply(rcode: 0, answers: [DNSMessageBuilder.soa]))
        let result = p.judge(reply, overTCP: false, lookupTime: .milliseconds(3))
        #expect(result.success, "\(result.message)")
        #expect(result.number("serial") == 2_024_010_101)
        #expect(result.message == "NOERROR, 1 answer: ns1.example.com hostmaster.example.com 2024010101 3600 600 86400 300")
    }

    /// Many answers: the first eight are shown, the rest counted; the regex still sees them all.
    @Test func manyAnswersAreShownCapped() throws {
        let p = try probe("example.com", server: "127.0.0.1") { $0.expect.answerRegex = #"^10\.0\.0\.20$"# }
        let answers = (1...20).map { DNSMessageBuilder.a([10, 0, 0, UInt8($0)]) }
        let result = p.judge(try DNSReply(parsing: DNSMessageBuilder.reply(rcode: 0, answers: answers)), overTCP: false, lookupTime: .zero)
        #expect(result.success, "\(result.message)")
        #expect(result.observation("answers") == .text((1...8).map { "10.0.0.\($0)" }.joined(separator: ", ") + " (+12 more)"))
        #expect(result.message == "NOERROR, 20 answers: 10.0.0.1, 10.0.0.2, 10.0.0.3 (+17 more)")
    }
}
