import Foundation
import VitalsCore

/// The `google_chat` notifier's body: a message to a space's incoming webhook
/// (developers.google.com/workspace/chat/quickstart/webhooks): `{"text": ...}` in Google Chat's
/// text formatting, within its 4,096 characters.
///
/// Chat formatting has no escape character: a `*`, `_`, `~` or backtick in probe text is
/// followed by a zero-width space (U+200B), which keeps it from pairing into bold, italic,
/// strike or code, and a `<` likewise, so `<users/all>` or `<https://x|text>` in a probe
/// message is shown, never a mention or a link.
public struct GoogleChatMessage: Encodable, Sendable {
    public var text: String

    static let maxText = 4096

    public init(_ n: AlertNotification, context: NotificationContext) {
        let e = Self.escape
        var lines = [
            "*\(n.tag): \(e(ChatText.cut(n.alert, 300)))*",
            "\(e(ChatText.cut(context.service.described, 300))) · \(e(ChatText.cut(n.subject, 300))) \(n.change) · \(e(ChatText.cut(n.severity, 100)))",
        ]
        if !n.message.isEmpty { lines.append(e(ChatText.cut(n.message, 1200))) }
        if n.status == .firing, !n.failing.isEmpty {
            let items = n.failing.prefix(20).map { "• \(e($0.component)) \($0.status.rawValue): \(e(ChatText.cut($0.message, 150)))" }
            lines.append(ChatText.list(items, total: n.failing.count, limit: 2000))
        }
        lines.append("<\(context.detailsURL)|Details>")
        text = ChatText.cut(lines.joined(separator: "\n"), Self.maxText)
    }

    static func escape(_ s: String) -> String {
        var out = ""
        for ch in s {
            out.append(ch)
            if "*_~`<".contains(ch) { out.append("\u{200B}") }
        }
        return out
    }

    public func body() -> [UInt8] { encodeJSON(self) }
}
