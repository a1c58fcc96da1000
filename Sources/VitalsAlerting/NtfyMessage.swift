import Foundation
import VitalsCore

/// The `ntfy` notifier's body: a JSON publish (docs.ntfy.sh/publish, "Publish as JSON"),
/// posted to the server's root with the topic inside, so title, tags and a UTF-8 message need
/// no header encoding: `{"topic":"ops","title":..,"message":..,"priority":4,"tags":[..],"click":..}`.
///
/// The configured `url` is the topic URL users copy (`https://ntfy.sh/ops-alerts`): its last
/// path segment is the topic, the rest the server. ntfy shows text as typed (Markdown only when
/// a publisher asks for it, which Vitals does not), so probe text needs no escaping; a
/// message over 4,096 bytes would become an attachment, so it is cut below that.
public struct NtfyMessage: Encodable, Sendable {
    public var topic: String
    public var title: String
    public var message: String
    public var priority: Int
    public var tags: [String]
    public var click: String

    static let maxMessageBytes = 4000
    static let maxListed = 20

    public init(_ n: AlertNotification, topic: String, priority configured: Int?, context: NotificationContext) {
        self.topic = topic
        let change = n.change
        title = ChatText.cut("\(n.tag): \(n.alert) · \(n.subject) \(change)", 250)
        var lines = ["\(context.service.described) · severity \(n.severity)"]
        if !n.message.isEmpty { lines.append(ChatText.cut(n.message, 1500)) }
        if n.status == .firing, !n.failing.isEmpty {
            let items = n.failing.prefix(Self.maxListed).map { "• \($0.component) \($0.status.rawValue): \(ChatText.cut($0.message, 200))" }
            // UTF-16 units ≥ characters; bytes can be three per unit, so the list gets 700 units.
            lines.append(ChatText.list(items, total: n.failing.count, limit: 700))
        }
        message = Self.fitted(lines.joined(separator: "\n"))
        switch n.status {
        case .resolved:
            priority = min(configured ?? 3, 3)
            tags = ["white_check_mark"]
        case .firing:
            priority = configured ?? (n.currentStatus == .unhealthy ? 5 : 4)
            tags = [n.currentStatus == .unhealthy ? "rotating_light" : "warning"]
        }
        click = context.detailsURL
    }

    /// `text` cut until its UTF-8 fits under ntfy's attachment limit.
    static func fitted(_ text: String) -> String {
        var text = text
        while text.utf8.count > maxMessageBytes { text = ChatText.cut(text, text.utf16.count * 3 / 4) }
        return text
    }

    public func body() -> [UInt8] { encodeJSON(self) }
}
