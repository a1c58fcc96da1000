import Foundation
import VitalsCore

/// The `telegram` notifier's body: the Bot API's `sendMessage` (core.telegram.org/bots/api
/// #sendmessage), posted to `{url}/bot{token}/sendMessage`:
/// `{"chat_id":..,"text":..,"parse_mode":"HTML","link_preview_options":{"is_disabled":true}}`.
///
/// HTML rather than MarkdownV2: it has three special characters (`<`, `>`, `&`), so probe text
/// escaped as entities can never open a tag or break the parse (Telegram refuses a message it
/// cannot parse with a 400). The 4,096-character limit counts the text after entity parsing,
/// so the plain pieces are cut first and escaped after: a cut never splits an entity.
public struct TelegramMessage: Encodable, Sendable {
    public struct LinkPreview: Encodable, Sendable {
        public var isDisabled = true
        enum CodingKeys: String, CodingKey { case isDisabled = "is_disabled" }
    }

    /// A numeric id goes out as a JSON integer, a `@channel` as a string.
    public var chatID: String
    public var text: String
    public var parseMode = "HTML"
    public var linkPreview = LinkPreview()

    enum CodingKeys: String, CodingKey {
        case text
        case chatID = "chat_id"
        case parseMode = "parse_mode"
        case linkPreview = "link_preview_options"
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        if let id = Int64(chatID) { try c.encode(id, forKey: .chatID) } else { try c.encode(chatID, forKey: .chatID) }
        try c.encode(text, forKey: .text)
        try c.encode(parseMode, forKey: .parseMode)
        try c.encode(linkPreview, forKey: .linkPreview)
    }

    static let maxText = 4096
    static let maxListed = 20

    public init(_ n: AlertNotification, chatID: String, context: NotificationContext) {
        self.chatID = chatID
        let h = XMLText.escape
        let change = n.change
        // Plain lengths add up to at most 4,096: head 300, message 1,500, failing 2,000, link and
        // labels the rest (the URL is the operator's `external_url`, cut too).
        let head = ChatText.cut("\(n.tag): \(n.alert)", 300)
        var lines = [
            "<b>\(h(head))</b>",
            h(ChatText.cut("\(context.service.described) · \(n.subject) \(change) · \(n.severity)", 300)),
        ]
        if !n.message.isEmpty { lines.append(h(ChatText.cut(n.message, 1500))) }
        if n.status == .firing, !n.failing.isEmpty {
            let items = n.failing.prefix(Self.maxListed).map { "• \($0.component) \($0.status.rawValue): \(ChatText.cut($0.message, 200))" }
            lines.append(h(ChatText.list(items, total: n.failing.count, limit: 1900)))
        }
        let url = ChatText.cut(context.detailsURL, 400)
        lines.append("<a href=\"\(h(url))\">Details</a>")
        text = lines.joined(separator: "\n")
    }

    public func body() -> [UInt8] { encodeJSON(self) }
}
