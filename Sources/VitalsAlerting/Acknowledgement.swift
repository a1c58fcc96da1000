import Foundation

/// Someone took a firing alert (`POST /api/v1/alerts/ID/ack`): its repeats stop until it
/// resolves; the resolve is still sent, so receivers never keep an alert nobody clears.
///
/// Kept with the instance (and so in storage: it survives a restart), shown in `/alerts`, and
/// dropped when the alert fires again: a new firing is a new incident nobody has taken yet.
public struct Acknowledgement: Sendable, Codable, Equatable {
    /// Who took it, as the client said (no identity is checked beyond the bearer token). The
    /// HTTP layer bounds both texts (`AckRequest`).
    public var by: String
    public var comment: String
    public var at: Date

    public init(by: String, comment: String, at: Date) {
        self.by = by
        self.comment = comment
        self.at = at
    }
}

/// What an acknowledgement request came to.
public enum AcknowledgeOutcome: Sendable, Equatable {
    /// The alert's entry as `/alerts` lists it, JSON.
    case acknowledged(json: String)
    /// No alert with that id is firing (unknown, pending or resolved): 404.
    case notFiring
}

extension AlertInstance {
    /// The id `/alerts` shows and `POST /api/v1/alerts/ID/ack` takes: `RULE:SUBJECT`, e.g.
    /// `OrdersDown:orders-db` or `service-degraded:service`.
    ///
    /// Readable and computable, so a runbook or a script can name an alert without reading
    /// `/alerts` first; stable across restarts and reloads like the storage key. Neither rule
    /// names (`[A-Za-z0-9][A-Za-z0-9_.-]*`) nor subjects (component names or `service`)
    /// contain `:`, so it splits one way only, and every character is allowed in a URL path
    /// segment as it is.
    public var id: String { "\(rule):\(subject)" }

    /// The storage key of the instance an id names, or nil when it is not an id.
    static func key(forID id: String) -> String? {
        let parts = id.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty, !id.contains("/") else { return nil }
        return key(rule: String(parts[0]), subject: String(parts[1]))
    }
}
