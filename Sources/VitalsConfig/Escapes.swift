/// tcp `send`: the bytes to write, written with C-like escapes so a YAML string can carry
/// protocol bytes (`"PING\r\n"`, `"\x00\x01"`).
enum Escapes {
    /// `\r \n \t \\ \0 \xHH` to bytes; nil on any other escape or a dangling backslash.
    static func decode(_ s: String) -> [UInt8]? {
        var out: [UInt8] = []
        var it = Array(s.utf8)[...]
        while let b = it.popFirst() {
            guard b == UInt8(ascii: "\\") else {
                out.append(b)
                continue
            }
            guard let c = it.popFirst() else { return nil }
            switch c {
            case UInt8(ascii: "r"): out.append(13)
            case UInt8(ascii: "n"): out.append(10)
            case UInt8(ascii: "t"): out.append(9)
            case UInt8(ascii: "0"): out.append(0)
            case UInt8(ascii: "\\"): out.append(UInt8(ascii: "\\"))
            case UInt8(ascii: "x"):
                let hex = it.prefix(2)
                guard hex.count == 2, hex.allSatisfy({ isHexDigit($0) }),
                    let v = UInt8(String(decoding: hex, as: UTF8.self), radix: 16)
                else { return nil }
                out.append(v)
                it = it.dropFirst(2)
            default: return nil
            }
        }
        return out
    }

    private static func isHexDigit(_ b: UInt8) -> Bool {
        (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(b) || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains(b)
            || (UInt8(ascii: "A")...UInt8(ascii: "F")).contains(b)
    }
}
