/// Text and attribute escaping for XML and HTML written by hand (badges' SVG, the pages, the
/// mail's HTML part), the one copy: the five predefined entities, and characters XML 1.0
/// forbids (C0 controls besides tab, newline and carriage return) replaced by U+FFFD, since one
/// of them makes the whole document unreadable.
public enum XMLText {
    public static func escape(_ s: String) -> String {
        // Most text needs no escape: then it is returned as it is.
        if !s.utf8.contains(where: { $0 < 0x20 || $0 == UInt8(ascii: "&") || $0 == UInt8(ascii: "<") || $0 == UInt8(ascii: ">")
            || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "'") })
        {
            return s
        }
        var out = ""
        out.reserveCapacity(s.utf8.count + 16)
        for scalar in s.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            case "\t", "\n", "\r": out.unicodeScalars.append(scalar)
            case _ where scalar.value < 0x20: out += "\u{FFFD}"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}
