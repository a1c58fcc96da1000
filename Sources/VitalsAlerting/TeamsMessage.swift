import Foundation
import VitalsCore

/// The `teams` notifier's body: what a Microsoft Teams Workflows webhook ("Post to a channel
/// when a webhook request is received"; Office 365 connectors are retired) takes, a message
/// with one Adaptive Card attachment (adaptivecards.io, schema 1.4):
///
/// ```json
/// {"type":"message","attachments":[{"contentType":"application/vnd.microsoft.card.adaptive","contentUrl":null,
///   "content":{"$schema":"http://adaptivecards.io/schemas/adaptive-card.json","type":"AdaptiveCard","version":"1.4",
///     "body":[{"type":"TextBlock",...},{"type":"FactSet","facts":[...]}],"actions":[{"type":"Action.OpenUrl",...}]}}]}
/// ```
///
/// TextBlock and fact text is Markdown in Teams: probe text is backslash-escaped. Teams takes
/// messages up to about 28 KB; the message and the failing list are cut well below that.
public struct TeamsMessage: Encodable, Sendable {
    public struct Element: Encodable, Sendable {
        public var type: String
        public var text: String?
        public var weight: String?
        public var size: String?
        public var color: String?
        public var wrap: Bool?
        public var isSubtle: Bool?
        public var facts: [Fact]?
    }
    public struct Fact: Encodable, Sendable {
        public var title: String
        public var value: String
    }
    public struct Action: Encodable, Sendable {
        public var type = "Action.OpenUrl"
        public var title: String
        public var url: String
    }
    public struct Card: Encodable, Sendable {
        public var schema = "http://adaptivecards.io/schemas/adaptive-card.json"
        public var type = "AdaptiveCard"
        public var version = "1.4"
        public var body: [Element]
        public var actions: [Action]
        enum CodingKeys: String, CodingKey {
            case schema = "$schema"
            case type, version, body, actions
        }
    }
    public struct Attachment: Encodable, Sendable {
        public var contentType = "application/vnd.microsoft.card.adaptive"
        public var content: Card
        enum CodingKeys: String, CodingKey { case contentType, contentUrl, content }
        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(contentType, forKey: .contentType)
            try c.encodeNil(forKey: .contentUrl)
            try c.encode(content, forKey: .content)
        }
    }

    public var type = "message"
    public var attachments: [Attachment]

    static let maxMessage = 2000
    static let maxFailing = 8000
    static let maxListed = 50

    public init(_ n: AlertNotification, context: NotificationContext) {
        let e = Self.escape
        let change = n.change
        let color: String
        switch n.status {
        case .resolved: color = "Good"
        case .firing: color = n.currentStatus == .unhealthy ? "Attention" : "Warning"
        }
        var body = [
            Element(type: "TextBlock", text: ChatText.cut("\(n.tag): \(e(n.alert))", 512), weight: "Bolder", size: "Medium", color: color, wrap: true),
            Element(
                type: "FactSet",
                facts: [
                    Fact(title: "Service", value: ChatText.cut(e(context.service.described), 512)),
                    Fact(title: "Subject", value: ChatText.cut(e(n.subject), 512)),
                    Fact(title: "Status", value: change),
                    Fact(title: "Severity", value: ChatText.cut(e(n.severity), 256)),
                    Fact(title: n.status == .resolved ? "Resolved" : "Since", value: RFC3339.string(n.status == .resolved ? (n.endsAt ?? n.createdAt) : n.startsAt)),
                ]),
        ]
        if !n.message.isEmpty {
            body.append(Element(type: "TextBlock", text: ChatText.cut(e(n.message), Self.maxMessage), wrap: true))
        }
        if n.status == .firing, !n.failing.isEmpty {
            let lines = n.failing.prefix(Self.maxListed).map { "- \(e($0.component)) \($0.status.rawValue): \(e(ChatText.cut($0.message, 300)))" }
            body.append(Element(type: "TextBlock", text: ChatText.list(lines, total: n.failing.count, limit: Self.maxFailing), wrap: true))
        }
        body.append(Element(type: "TextBlock", text: "Vitals · " + ChatText.cut(e(context.service.key), 256), size: "Small", wrap: true, isSubtle: true))
        attachments = [Attachment(content: Card(body: body, actions: [Action(title: "Details", url: context.detailsURL)]))]
    }

    /// Teams' Markdown subset (bold, italic, links, lists, headings) made literal.
    static func escape(_ s: String) -> String { ChatText.escapeMarkdown(s, specials: "\\*_~`>#[]()<") }

    public func body() -> [UInt8] { encodeJSON(self) }
}
