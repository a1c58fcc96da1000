#if canImport(Glibc)
import Glibc
#endif

/// IP addresses as text and back, by libc's `inet_pton`/`inet_ntop` (so `::ffff:10.0.0.1` and
/// RFC 5952's shortest IPv6 form come out as every other tool writes them).
package enum IPAddressText {
    /// The 4 or 16 bytes of an IPv4 or IPv6 literal; nil for anything else (a name included).
    package static func parse(_ text: String) -> [UInt8]? {
        var v4 = in_addr()
        if inet_pton(AF_INET, text, &v4) == 1 { return withUnsafeBytes(of: &v4) { Array($0) } }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, text, &v6) == 1 { return withUnsafeBytes(of: &v6) { Array($0) } }
        return nil
    }

    /// `10.0.0.5`, `fd00::5`: 4 or 16 bytes as text.
    package static func format(_ bytes: [UInt8]) -> String {
        var out = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        let family = bytes.count == 4 ? AF_INET : AF_INET6
        guard bytes.count == 4 || bytes.count == 16, inet_ntop(family, bytes, &out, socklen_t(out.count)) != nil else { return "" }
        return String(decoding: out.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// The name a PTR query asks for: `5.0.0.10.in-addr.arpa`, or the 32 nibbles of an IPv6
    /// address under `ip6.arpa`.
    package static func reverseName(_ bytes: [UInt8]) -> String {
        if bytes.count == 4 { return bytes.reversed().map { String($0) }.joined(separator: ".") + ".in-addr.arpa" }
        return bytes.reversed().flatMap { [String($0 & 0xF, radix: 16), String($0 >> 4, radix: 16)] }.joined(separator: ".") + ".ip6.arpa"
    }
}
