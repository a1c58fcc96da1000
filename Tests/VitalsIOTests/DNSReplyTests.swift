import Testing
import VitalsTestSupport
import VitalsIO

/// The DNS reply parser on messages written byte by byte: each record type as text, escapes,
/// and every way a hostile server's reply can be broken.
struct DNSReplyTests {
    typealias B = DNSMessageBuilder

    @Test func readsTheHeaderAndEachTypeAsText() throws {
        let answers = [
            B.a([10, 0, 0, 5]),
            B.record(type: 28, [0xfd, 0] + [UInt8](repeating: 0, count: 13) + [5]),
            B.record(type: 5, B.name("api.example.com")),
            B.record(type: 15, B.u16(10) + [4] + Array("mail".utf8) + [0xC0, 0x0C]),
            B.record(type: 33, B.u16(10) + B.u16(5) + B.u16(5060) + B.name("sip.example.com")),
            B.record(type: 16, [5] + Array("v=spf".utf8) + [6] + Array("1 -all".utf8)),
            B.record(type: 2, B.name("ns1.example.com")),
            B.record(type: 12, B.name("host.example.com")),
            B.soa,
        ]
        let reply = try DNSReply(parsing: B.reply(rcode: 0, flags: 0x8580, answers: answers))
        #expect(reply.rcode == 0 && !reply.truncated)
        #expect(reply.answers.map(\.text) == [
            "10.0.0.5", "fd00::5", "api.example.com", "10 mail.example.com", "10 5 5060 sip.example.com", "v=spf1 -all",
            "ns1.example.com", "host.example.com", "ns1.example.com hostmaster.example.com 2024010101 3600 600 86400 300",
        ])
        #expect(reply.answers.map(\.typeName) == ["A", "AAAA", "CNAME", "MX", "SRV", "TXT", "NS", "PTR", "SOA"])
        #expect(reply.answers.allSatisfy { $0.name == "example.com" && $0.ttl == 300 })
    }

    @Test func readsTheCodeAndTheTruncationBit() throws {
        let nx = try DNSReply(parsing: B.reply(rcode: 3, answers: []))
        #expect(nx.rcode == 3 && nx.answers.isEmpty)
        #expect(try DNSReply(parsing: B.reply(rcode: 0, flags: 0x8380, answers: [])).truncated)
    }

    /// What is not printable ASCII is written `\DDD`; in names a dot and a space inside a label
    /// too, so that what is shown reads back as the same labels.
    @Test func escapesWhatIsNotPrintable() throws {
        let label: [UInt8] = [5, 0x61, 0x20, 0x2E, 0xFF, 0x5C, 0]
        let text = Array("a\"b\n\\ c\t".utf8)
        let txt = [UInt8(text.count)] + text
        let reply = try DNSReply(parsing: B.reply(rcode: 0, answers: [B.record(type: 5, label), B.record(type: 16, txt)]))
        #expect(reply.answers.map(\.text) == [#"a\032\046\255\092"#, #"a"b\010\092 c\009"#])
    }

    /// A type the probe does not ask for, in RFC 3597's generic form; the root name as `.`.
    @Test func unknownTypesAndTheRoot() throws {
        let reply = try DNSReply(parsing: B.reply(rcode: 0, answers: [B.record(type: 99, Array("abc".utf8)), B.record(type: 2, [0])]))
        #expect(reply.answers.map(\.text) == [##"\# 3 616263"##, "."])
        #expect(reply.answers[0].typeName == "TYPE99")
    }

    static let broken: [([UInt8], String)] = [
        (Array(B.reply(rcode: 0, answers: []).prefix(11)), "header runs past the end of the message"),
        (B.reply(rcode: 0, flags: 0x0100, answers: []), "not a response"),
        (B.reply(rcode: 0, answers: [B.a([10, 0, 0, 5])], answerCount: 2), "a name runs past the end of the message"),
        (B.reply(rcode: 0, answers: [Array(B.a([10, 0, 0, 5]).dropLast())]), "answer 1 runs past the end of the message"),
        (B.reply(rcode: 0, answers: [B.record(type: 1, [10, 0, 0, 5, 1])]), "an A record of 5 bytes"),
        (B.reply(rcode: 0, answers: [B.record(type: 28, [1, 2, 3, 4])]), "an AAAA record of 4 bytes"),
        // An answer whose name points at itself, and two names pointing at each other.
        (B.reply(rcode: 0, answers: [B.record(type: 1, [10, 0, 0, 5], owner: [0xC0, 29])]), "a name's compression pointers loop"),
        (B.reply(rcode: 0, answers: [B.record(type: 1, [10, 0, 0, 5], owner: [0xC0, 0xFF])]), "a name runs past the end of the message"),
        (B.reply(rcode: 0, answers: [B.record(type: 1, [10, 0, 0, 5], owner: [0x40])]), "a name has a label of unknown type 0x40"),
        (B.reply(rcode: 0, answers: [B.record(type: 5, Array(repeating: [63] + [UInt8](repeating: 0x61, count: 63), count: 5).flatMap { $0 } + [0])]),
         "a name is longer than 255 bytes"),
        (B.reply(rcode: 0, answers: [B.record(type: 16, [10] + Array("short".utf8))]), "a TXT string runs past its record"),
        (B.reply(rcode: 0, answers: [B.record(type: 15, B.u16(10))]), "a name runs past the end of the message"),
        // The MX name is read past the record's stated length, into the next record.
        (B.reply(rcode: 0, answers: [B.record(type: 15, B.u16(10)) + B.a([10, 0, 0, 5])]), "the MX record runs past its length"),
    ]

    @Test(arguments: broken)
    func brokenRepliesAreRefusedWithWhy(message: [UInt8], why: String) {
        #expect(throws: DNSReplyError(why)) { try DNSReply(parsing: message) }
    }
}
