import Foundation

/// Fitting text into a chat provider's length limits.
///
/// Providers count in UTF-16 code units (Discord, Teams, Telegram are JavaScript or .NET
/// underneath), which is never fewer than Swift's characters; cutting whole characters
/// (grapheme clusters) never splits an emoji, a combining sequence or a surrogate pair.
extension AlertNotification {
    /// `healthy → unhealthy`: the status change a chat message names.
    var change: String { "\(previousStatus.rawValue) → \(currentStatus.rawValue)" }
}

enum ChatText {
    /// `text` if it fits in `limit` UTF-16 units, else its longest prefix of whole characters
    /// that fits with a trailing `…`.
    static func cut(_ text: String, _ limit: Int) -> String {
        guard text.utf16.count > limit else { return text }
        guard limit > 0 else { return "" }
        var out = ""
        var used = 1  // the ellipsis
        for ch in text {
            let size = ch.utf16.count
            if used + size > limit { break }
            out.append(ch)
            used += size
        }
        return out + "…"
    }

    /// Whole `lines` (of `total` items), one per line, as many as fit in `limit` UTF-16 units
    /// with a closing `…and N more` for the rest: a long list loses its tail, never the count.
    static func list(_ lines: [String], total: Int, limit: Int) -> String {
        var kept: [String] = []
        var used = 0
        for line in lines {
            let more = total - kept.count - 1
            let tail = more > 0 ? "\n…and \(more) more".utf16.count : 0
            let size = (kept.isEmpty ? 0 : 1) + line.utf16.count
            if used + size + tail > limit { break }
            kept.append(line)
            used += size
        }
        if kept.count < total { kept.append("…and \(total - kept.count) more") }
        return cut(kept.joined(separator: "\n"), limit)
    }

    /// `text` with a backslash before each of `specials` (which should include the backslash):
    /// the Markdown dialects of Discord, Teams' Adaptive Cards and Mattermost all read `\*` as
    /// a literal `*`, so probe text is shown as typed and cannot format, link or mention.
    static func escapeMarkdown(_ text: String, specials: String) -> String {
        var out = ""
        out.reserveCapacity(text.count)
        for ch in text {
            if specials.contains(ch) { out.append("\\") }
            out.append(ch)
        }
        return out
    }
}
