import Foundation
import VitalsCore

/// The `discord` notifier's body: an Execute Webhook request (discord.com/developers/docs,
/// "Execute Webhook"): `content`, one embed and `allowed_mentions: {parse: []}`, so nothing a
/// probe message says (`@everyone`, `<@id>`, `<@&role>`) can ping anyone.
///
/// Within Discord's documented limits: content 2,000 characters; an embed's title 256,
/// description 4,096, at most 25 fields of name 256 and value 1,024, footer 2,048, and 6,000
/// for all of an embed's text together. Text from probes is Markdown-escaped (`DiscordMessage.escape`).
public struct DiscordMessage: Encodable, Sendable {
    public struct Field: Encodable, Sendable {
        public var name: String
        public var value: String
        public var inline: Bool
    }
    public struct Footer: Encodable, Sendable {
        public var text: String
    }
    public struct Embed: Encodable, Sendable {
        public var title: String
        public var description: String?
        public var url: String
        public var color: Int
        public var fields: [Field]
        public var footer: Footer
        public var timestamp: String
    }
    public struct AllowedMentions: Encodable, Sendable {
        public var parse: [String]
    }

    public var content: String
    public var embeds: [Embed]
    public var allowedMentions = AllowedMentions(parse: [])

    enum CodingKeys: String, CodingKey {
        case content, embeds
        case allowedMentions = "allowed_mentions"
    }

    static let maxContent = 2000
    static let maxTitle = 256
    static let maxDescription = 4096
    static let maxFieldValue = 1024
    static let maxEmbedTotal = 6000
    /// Failing components listed in the embed; the rest are counted.
    static let maxListed = 10

    public init(_ n: AlertNotification, context: NotificationContext) {
        let e = Self.escape
        let change = n.change
        content = ChatText.cut("**\(n.tag)** \(e(context.service.displayName)) · \(e(n.alert)): \(e(n.subject)) \(change)", Self.maxContent)
        let color: Int
        switch n.status {
        case .resolved: color = 0x2EB67D
        case .firing: color = n.currentStatus == .unhealthy ? 0xE01E5A : 0xECB22E
        }
        var fields = [
            Field(name: "Service", value: ChatText.cut(e(context.service.described), 256), inline: true),
            Field(name: "Subject", value: ChatText.cut(e(n.subject), 256), inline: true),
            Field(name: "Status", value: change, inline: true),
            Field(name: "Severity", value: ChatText.cut(e(n.severity), 256), inline: true),
        ]
        if n.status == .firing, !n.failing.isEmpty {
            let lines = n.failing.prefix(Self.maxListed).map { "• \(e($0.component)) \($0.status.rawValue): \(e(ChatText.cut($0.message, 200)))" }
            fields.append(Field(name: "Failing", value: ChatText.list(lines, total: n.failing.count, limit: Self.maxFieldValue), inline: false))
        }
        let title = ChatText.cut("[\(n.tag)] \(e(n.alert))", Self.maxTitle)
        let footer = ChatText.cut("Vitals · \(context.service.key)", 256)
        // What the title, fields and footer leave of the 6,000 for the description.
        let used = ([title, footer] + fields.flatMap { [$0.name, $0.value] }).reduce(0) { $0 + $1.utf16.count }
        let room = min(Self.maxDescription, Self.maxEmbedTotal - used)
        let description = n.message.isEmpty ? nil : ChatText.cut(e(n.message), room)
        embeds = [
            Embed(
                title: title, description: description, url: context.detailsURL, color: color, fields: fields,
                footer: Footer(text: footer), timestamp: RFC3339.string(n.status == .resolved ? (n.endsAt ?? n.createdAt) : n.startsAt))
        ]
    }

    /// Discord Markdown made literal: a backslash before each formatting character
    /// (`* _ ~ \` | > # [ ] ( ) -` and the backslash itself), and before `@` and `<`, so a
    /// mention or a channel link is shown as text, never resolved.
    static func escape(_ s: String) -> String { ChatText.escapeMarkdown(s, specials: "\\*_~`|>#[]()-@<:") }

    public func body() -> [UInt8] { encodeJSON(self) }
}
