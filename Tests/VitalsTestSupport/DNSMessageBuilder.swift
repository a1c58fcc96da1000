/// DNS messages written byte by byte, for the reply parser's tests (VitalsIOTests) and the
/// DNS probe's hostile peers (VitalsProbesTests): well-formed ones to read
/// and broken ones a hostile server could send.
public enum DNSMessageBuilder {
    /// `api.example.com` as labels.
    public static func name(_ text: String) -> [UInt8] {
        text.split(separator: ".").flatMap { [UInt8($0.utf8.count)] + Array($0.utf8) } + [0]
    }

    public static func u16(_ v: Int) -> [UInt8] { [UInt8(v >> 8 & 0xFF), UInt8(v & 0xFF)] }
    public static func u32(_ v: UInt32) -> [UInt8] { [UInt8(v >> 24), UInt8(v >> 16 & 0xFF), UInt8(v >> 8 & 0xFF), UInt8(v & 0xFF)] }

    /// A response to `example.com A` (the question at offset 12, so its name is pointer 0xC00C)
    /// with these answer records.
    public static func reply(rcode: Int, flags: Int = 0x8180, answers: [[UInt8]], answerCount: Int? = nil) -> [UInt8] {
        u16(0x1234) + u16(flags | rcode) + u16(1) + u16(answerCount ?? answers.count) + u16(0) + u16(0)
            + name("example.com") + u16(1) + u16(1) + answers.flatMap { $0 }
    }

    /// A record owned by the question's name, of `type`, with this data.
    public static func record(type: Int, _ data: [UInt8], owner: [UInt8] = [0xC0, 0x0C]) -> [UInt8] {
        owner + u16(type) + u16(1) + u32(300) + u16(data.count) + data
    }

    public static func a(_ address: [UInt8]) -> [UInt8] { record(type: 1, address) }

    /// `ns1.example.com hostmaster.example.com 2024010101 3600 600 86400 300`, names compressed
    /// against the question's `example.com`.
    public static let soa = record(
        type: 6,
        [3] + Array("ns1".utf8) + [0xC0, 0x0C] + [10] + Array("hostmaster".utf8) + [0xC0, 0x0C]
            + u32(2_024_010_101) + u32(3600) + u32(600) + u32(86400) + u32(300))
}
