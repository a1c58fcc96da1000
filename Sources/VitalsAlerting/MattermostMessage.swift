import Foundation
import VitalsCore

/// The `mattermost` notifier's body: an incoming webhook post (developers.mattermost.com,
/// "Incoming webhooks"): `{"text": "..."}` in Mattermost's Markdown, within the 16,383
/// characters a post may have.
///
/// Probe text is Markdown-escaped (backslashes, as CommonMark reads them), and every `@` in it
/// is followed by a zero-width space, so `@channel`, `@all`, `@here` or `@someone` in a probe
/// message is shown but notifies nobody (Mattermost resolves mentions on the raw text).
public struct MattermostMessage: Encodable, Sendable {
    public var text: String

    static let maxText = 16383
    static let maxListed = 50

    public init(_ n: AlertNotification, context: NotificationContext) {
        let e = Self.escape
        var lines = [
            "**\(n.tag): \(e(ChatText.cut(n.alert, 300)))**",
            "\(e(ChatText.cut(context.service.described, 300))) · `\(ChatText.cut(n.subject, 300).replacingOccurrences(of: "`", with: "'"))` \(n.change) · \(e(ChatText.cut(n.severity, 100)))",
        ]
        if !n.message.isEmpty { lines.append("> " + e(ChatText.cut(n.message, 4000)).replacingOccurrences(of: "\n", with: "\n> ")) }
        if n.status == .firing, !n.failing.isEmpty {
            let items = n.failing.prefix(Self.maxListed).map { "- \(e($0.component)) \($0.status.rawValue): \(e(ChatText.cut($0.message, 300)))" }
            lines.append(ChatText.list(items, total: n.failing.count, limit: 8000))
        }
        lines.append("[Details](\(context.detailsURL))")
        text = ChatText.cut(lines.joined(separator: "\n"), Self.maxText)
    }

    /// Markdown made literal and mentions broken (`@` + U+200B).
    static func escape(_ s: String) -> String {
        ChatText.escapeMarkdown(s, specials: "\\*_~`>#[]()<|").replacingOccurrences(of: "@", with: "@\u{200B}")
    }

    public func body() -> [UInt8] { encodeJSON(self) }
}
