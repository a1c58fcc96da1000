/// The HTML Telegram's Bot API accepts in a message (`parse_mode: HTML`, core.telegram.org/bots/
/// api "HTML style"): its few tags, opened and closed in order, and `&` only as an entity.
///
/// A `telegram` notifier's template is checked with it when the config loads: its own text is
/// not escaped (the values are), and Telegram refuses a message it cannot parse with a 400,
/// which is final, so a stray `<` in a template would lose every notification.
enum TelegramHTML {
    static let tags: Set = ["b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "span", "tg-spoiler", "a", "code", "pre", "blockquote", "tg-emoji"]
    static let entities = ["&lt;", "&gt;", "&amp;", "&quot;"]

    /// What Telegram would refuse in `html`, in words; nil when it parses.
    static func problem(in html: String) -> String? {
        var open: [String] = []
        var rest = Substring(html)
        while let ch = rest.first {
            if ch == "<" {
                guard let end = rest.firstIndex(of: ">") else { return "a < opens no tag (write &lt; for the character)" }
                let inside = rest[rest.index(after: rest.startIndex)..<end]
                let closing = inside.hasPrefix("/")
                let name = String((closing ? inside.dropFirst() : inside).prefix { $0 != " " && $0 != "\n" }).lowercased()
                guard tags.contains(name) else { return "<\(inside.prefix(20))> is not a tag Telegram knows (b, i, u, s, a, code, pre, blockquote...)" }
                if closing {
                    guard open.popLast() == name else { return "</\(name)> closes a tag that is not the last one open" }
                } else {
                    open.append(name)
                }
                rest = rest[rest.index(after: end)...]
            } else if ch == "&" {
                if let named = entities.first(where: { rest.hasPrefix($0) }) {
                    rest = rest.dropFirst(named.count)
                } else if rest.dropFirst().first == "#", let semicolon = rest.firstIndex(of: ";"),
                    rest[rest.index(rest.startIndex, offsetBy: 2)..<semicolon].allSatisfy({ $0.isHexDigit || $0 == "x" }),
                    rest.distance(from: rest.startIndex, to: semicolon) > 2
                {
                    rest = rest[rest.index(after: semicolon)...]
                } else {
                    return "an & starts no entity (write &amp; for the character)"
                }
            } else {
                rest = rest.dropFirst()
            }
        }
        return open.last.map { "<\($0)> is not closed" }
    }
}
