import VitalsConfig

/// A DNS reply as the `dns` probe reads it: the response code and the answer section, each
/// record's data as text the way `dig` shows it (without the final dot of names).
///
/// Parsed here in Swift from the bytes c-ares hands over rather than with c-ares' `ares_parse_*`:
/// 1.18 has one parser per type, none for CNAME, and none that keeps the response code. Every
/// read is checked against the message, whose size c-ares already bounds (512 bytes over UDP
/// without EDNS, 64 KiB over TCP); compression pointers are followed at most 64 times per name.
package struct DNSReply: Sendable, Equatable {
    package var rcode: Int
    /// The TC bit: the answer did not fit (c-ares asks again over TCP before it gets here).
    package var truncated: Bool
    package var answers: [DNSAnswer]
    package var authorityCount: Int
    package var additionalCount: Int

    package init(parsing message: [UInt8]) throws(DNSReplyError) {
        var r = DNSWireReader(message)
        let header = try r.fixed(12, "header")
        let flags = Int(header[2]) << 8 | Int(header[3])
        guard flags & 0x8000 != 0 else { throw DNSReplyError("not a response") }
        rcode = flags & 0x0F
        truncated = flags & 0x0200 != 0
        let questions = Int(header[4]) << 8 | Int(header[5])
        let answerCount = Int(header[6]) << 8 | Int(header[7])
        authorityCount = Int(header[8]) << 8 | Int(header[9])
        additionalCount = Int(header[10]) << 8 | Int(header[11])
        for _ in 0..<questions {
            _ = try r.name()
            _ = try r.fixed(4, "question")
        }
        answers = []
        answers.reserveCapacity(min(answerCount, message.count / 11))
        for i in 0..<answerCount {
            let name = try r.name()
            let fixed = try r.fixed(10, "answer \(i + 1)")
            let type = UInt16(fixed[0]) << 8 | UInt16(fixed[1])
            let ttl = fixed[4...7].reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
            let length = Int(fixed[8]) << 8 | Int(fixed[9])
            let end = r.offset + length
            guard end <= message.count else { throw DNSReplyError("answer \(i + 1) runs past the end of the message") }
            let text = try r.recordData(type: type, end: end)
            r.offset = end
            answers.append(DNSAnswer(name: name, type: type, ttl: ttl, text: text))
        }
    }
}

package struct DNSAnswer: Sendable, Equatable {
    package var name: String
    package var type: UInt16
    package var ttl: UInt32
    /// `10.0.0.5`; `10 mail.example.com` (MX); `10 5 5060 sip.example.com` (SRV); a TXT record's
    /// strings joined (SPF splits long records into 255-byte strings meant to be read as one);
    /// `ns1.example.com hostmaster.example.com 2024010101 3600 600 86400 300` (SOA). Bytes that
    /// are not printable ASCII are written `\DDD`, as in zone files.
    package var text: String

    /// `A`, `CNAME`..., or `TYPE65` for a type the probe does not ask for.
    package var typeName: String { DNSRecordType(code: type)?.rawValue ?? "TYPE\(type)" }
}

package struct DNSReplyError: Error, Equatable, CustomStringConvertible {
    package var description: String
    package init(_ description: String) { self.description = description }
}

/// A cursor over a DNS message that never reads past its end.
struct DNSWireReader {
    let message: [UInt8]
    var offset = 0

    init(_ message: [UInt8]) { self.message = message }

    /// The next `count` bytes, indexed from 0.
    mutating func fixed(_ count: Int, _ what: String) throws(DNSReplyError) -> [UInt8] {
        guard offset + count <= message.count else { throw DNSReplyError("\(what) runs past the end of the message") }
        defer { offset += count }
        return Array(message[offset..<offset + count])
    }

    mutating func u16() throws(DNSReplyError) -> Int {
        let b = try fixed(2, "record data")
        return Int(b[0]) << 8 | Int(b[1])
    }

    mutating func u32() throws(DNSReplyError) -> UInt32 {
        try fixed(4, "record data").reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
    }

    /// A name at the cursor, following compression pointers (RFC 1035 4.1.4); the cursor ends
    /// after the name as written here. At most 255 bytes long and 64 pointers deep, so a loop of
    /// pointers is an error rather than a hang.
    mutating func name() throws(DNSReplyError) -> String {
        var labels: [String] = []
        var position = offset
        var resume: Int?
        var length = 1
        var jumps = 0
        while true {
            guard position < message.count else { throw DNSReplyError("a name runs past the end of the message") }
            let byte = Int(message[position])
            switch byte & 0xC0 {
            case 0x00:
                if byte == 0 {
                    offset = resume ?? position + 1
                    return labels.isEmpty ? "." : labels.joined(separator: ".")
                }
                guard position + 1 + byte <= message.count else { throw DNSReplyError("a name runs past the end of the message") }
                length += byte + 1
                guard length <= 255 else { throw DNSReplyError("a name is longer than 255 bytes") }
                labels.append(Self.escaped(message[position + 1...position + byte], label: true))
                position += 1 + byte
            case 0xC0:
                guard position + 1 < message.count else { throw DNSReplyError("a name runs past the end of the message") }
                jumps += 1
                guard jumps <= 64 else { throw DNSReplyError("a name's compression pointers loop") }
                if resume == nil { resume = position + 2 }
                position = (byte & 0x3F) << 8 | Int(message[position + 1])
            default:
                throw DNSReplyError("a name has a label of unknown type 0x\(String(byte, radix: 16))")
            }
        }
    }

    /// The record data from the cursor to `end`, as `DNSAnswer.text` describes it.
    mutating func recordData(type: UInt16, end: Int) throws(DNSReplyError) -> String {
        var text: String
        switch DNSRecordType(code: type) {
        case .a?:
            guard end - offset == 4 else { throw DNSReplyError("an A record of \(end - offset) bytes") }
            text = try fixed(4, "record data").map { String($0) }.joined(separator: ".")
        case .aaaa?:
            guard end - offset == 16 else { throw DNSReplyError("an AAAA record of \(end - offset) bytes") }
            text = IPAddressText.format(try fixed(16, "record data"))
        case .cname?, .ns?, .ptr?:
            text = try name()
        case .mx?:
            text = "\(try u16()) \(try name())"
        case .srv?:
            text = "\(try u16()) \(try u16()) \(try u16()) \(try name())"
        case .soa?:
            text = "\(try name()) \(try name())"
            for _ in 0..<5 { text += " \(try u32())" }
        case .txt?:
            text = ""
            while offset < end {
                let count = Int(try fixed(1, "a TXT string").first!)
                guard offset + count <= end else { throw DNSReplyError("a TXT string runs past its record") }
                text += Self.escaped(try fixed(count, "a TXT string"), label: false)
            }
        case nil:
            // RFC 3597's generic form, for a type the probe does not ask for (DNAME, RRSIG...).
            let data = try fixed(end - offset, "record data")
            text = "\\# \(data.count) " + data.prefix(64).map { String($0 >> 4, radix: 16) + String($0 & 0xF, radix: 16) }.joined()
            if data.count > 64 { text += "..." }
        }
        guard offset <= end else { throw DNSReplyError("the \(DNSRecordType(code: type)?.rawValue ?? "") record runs past its length") }
        return text
    }

    /// Printable ASCII as it is, anything else and a backslash as `\DDD`; in a label also a
    /// space and a dot (which would read as a label boundary), in a TXT string neither.
    static func escaped(_ bytes: some Collection<UInt8>, label: Bool) -> String {
        var out = ""
        out.reserveCapacity(bytes.count)
        for b in bytes {
            if b >= 0x20 && b < 0x7F && b != 0x5C && !(label && (b == 0x20 || b == 0x2E)) {
                out.unicodeScalars.append(Unicode.Scalar(b))
            } else {
                out += "\\" + String(repeating: "0", count: b < 10 ? 2 : b < 100 ? 1 : 0) + String(b)
            }
        }
        return out
    }
}
