import Foundation

/// An incident or an announcement written by a person (`POST /api/v1/incidents`), as hosted
/// status pages have them: a title, an impact, the components and pages it concerns, and its
/// updates, each with the status the incident reached (spec section 13). Distinct from the
/// incidents the status page derives from status changes (`Incidents`): these say what people
/// know, in their words.
public struct PostedIncident: Sendable, Equatable, Codable {
    public enum Kind: String, Sendable, Codable, CaseIterable { case incident, announcement }
    public enum Status: String, Sendable, Codable, CaseIterable { case investigating, identified, monitoring, resolved }
    public enum Impact: String, Sendable, Codable, CaseIterable { case none, minor, major, critical }

    public struct Update: Sendable, Equatable, Codable {
        public var at: Date
        public var status: Status
        public var message: String
        public init(at: Date, status: Status, message: String) {
            self.at = at
            self.status = status
            self.message = message
        }
    }

    public var id: Int
    public var kind: Kind
    public var title: String
    public var impact: Impact
    /// Empty: not tied to a component.
    public var components: [String]
    /// The `status_pages` slugs it shows on; empty: every page (and `/`).
    public var pages: [String]
    public var createdAt: Date
    /// Oldest first; never empty (the first is the incident's opening message).
    public var updates: [Update]

    public init(
        id: Int, kind: Kind, title: String, impact: Impact, components: [String], pages: [String], createdAt: Date, updates: [Update]
    ) {
        self.id = id
        self.kind = kind
        self.title = title
        self.impact = impact
        self.components = components
        self.pages = pages
        self.createdAt = createdAt
        self.updates = updates
    }

    public var status: Status { updates.last?.status ?? .investigating }
    public var updatedAt: Date { updates.last?.at ?? createdAt }
    public var isResolved: Bool { status == .resolved }

    /// Whether a page with this slug shows it (nil: `/` without `status_pages`).
    public func shows(onPage slug: String?) -> Bool {
        pages.isEmpty || slug.map(pages.contains) == true
    }

    /// The most updates one incident keeps: a status page shows a story, not a log, and each
    /// update is stored and rendered with the incident.
    public static let maxUpdates = 100
    public static let maxTitle = 200
    public static let maxMessage = 4000
    public static let maxComponents = 100
}
