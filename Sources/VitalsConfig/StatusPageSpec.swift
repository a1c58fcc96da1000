/// `status_pages:`: a status page for customers (spec section 13), at `/status/SLUG`, the first
/// also at `/`. Without any, `/` shows every component.
public struct StatusPageSpec: Sendable, Equatable {
    /// `[a-z0-9-]`, 1 to 64 characters: a path segment that needs no escaping.
    public var slug: String
    public var title: String
    public var description: String?
    /// The SVG from `logo_file` (or `logo`), kept in memory and served at `/status/SLUG/logo.svg`.
    public var logoSVG: String?
    public var links: [Link]
    /// What the page shows, in this order: the members of these groups, or these components;
    /// both empty: every component.
    public var groups: [String]
    public var components: [String]
    /// Opens the page, its component pages, badges, feed and logo without the token (what
    /// `public_status` shows: no message, observation, target or alert).
    public var isPublic: Bool

    /// The largest logo accepted: a logo is a few KiB, and it is held in memory and sent with
    /// every view.
    public static let maxLogoBytes = 64 * 1024

    public struct Link: Sendable, Equatable {
        public var title: String
        public var url: String
        public init(title: String, url: String) {
            self.title = title
            self.url = url
        }
    }

    public init(
        slug: String, title: String, description: String? = nil, logoSVG: String? = nil, links: [Link] = [], groups: [String] = [],
        components: [String] = [], isPublic: Bool = false
    ) {
        self.slug = slug
        self.title = title
        self.description = description
        self.logoSVG = logoSVG
        self.links = links
        self.groups = groups
        self.components = components
        self.isPublic = isPublic
    }

    /// Whether the page shows a component of these groups named so.
    public func shows(_ name: String, groups memberOf: [String]) -> Bool {
        if !components.isEmpty { return components.contains(name) }
        if !groups.isEmpty { return memberOf.contains { groups.contains($0) } }
        return true
    }

    public static func isSlug(_ s: String) -> Bool {
        !s.isEmpty && s.count <= 64 && s.utf8.allSatisfy { ($0 >= 97 && $0 <= 122) || ($0 >= 48 && $0 <= 57) || $0 == 45 }
    }
}
