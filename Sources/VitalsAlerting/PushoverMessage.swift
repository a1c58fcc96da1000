import Foundation
import VitalsCore

/// The `pushover` notifier's body: a Message API request (pushover.net/api, posted as JSON
/// to `https://api.pushover.net/1/messages.json`): `token` (the application's), `user` (the
/// user or group key), `title` (≤ 250 characters), `message` (≤ 1,024), `url` (≤ 512) with
/// `url_title`, `priority` (1 while unhealthy, 0 otherwise; -2 to 1 only: 2 needs
/// retry/expire), `timestamp`. Plain text (no `html`), so probe text needs no escaping.
public struct PushoverMessage: Encodable, Sendable {
    public var token: String
    public var user: String
    public var title: String
    public var message: String
    public var url: String
    public var urlTitle = "Details"
    public var priority: Int
    public var timestamp: Int64

    enum CodingKeys: String, CodingKey {
        case token, user, title, message, url, priority, timestamp
        case urlTitle = "url_title"
    }

    static let maxTitle = 250
    static let maxMessage = 1024

    public init(_ n: AlertNotification, token: String, user: String, context: NotificationContext) {
        self.token = token
        self.user = user
        title = ChatText.cut("\(n.tag): \(n.alert) · \(n.subject) \(n.change)", Self.maxTitle)
        var lines = ["\(context.service.described) · severity \(n.severity)"]
        if !n.message.isEmpty { lines.append(ChatText.cut(n.message, 500)) }
        if n.status == .firing, !n.failing.isEmpty {
            let items = n.failing.prefix(10).map { "• \($0.component) \($0.status.rawValue): \(ChatText.cut($0.message, 100))" }
            lines.append(ChatText.list(items, total: n.failing.count, limit: 400))
        }
        message = ChatText.cut(lines.joined(separator: "\n"), Self.maxMessage)
        url = ChatText.cut(context.detailsURL, 512)
        priority = n.status == .firing && n.currentStatus == .unhealthy ? 1 : 0
        timestamp = Int64((n.status == .resolved ? (n.endsAt ?? n.createdAt) : n.startsAt).timeIntervalSince1970)
    }

    public func body() -> [UInt8] { encodeJSON(self) }
}
