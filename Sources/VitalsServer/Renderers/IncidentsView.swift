import Foundation
import VitalsCore

/// Incidents and announcements people posted, as a page shows them: each with its impact, its
/// updates newest first, and the components it concerns. Every text is a person's, posted
/// through the API: escaped and isolated like any other text from outside.
enum IncidentsView {
    static func section(_ title: String, _ incidents: [PostedIncident], empty: String? = nil) -> String {
        guard !incidents.isEmpty || empty != nil else { return "" }
        var out = "<section><h2>" + title + "</h2>"
        if incidents.isEmpty { return out + "<p>" + (empty ?? "") + "</p></section>" }
        for i in incidents { out += article(i) }
        return out + "</section>"
    }

    static func article(_ i: PostedIncident) -> String {
        var out = "<article class=\"pi " + impactClass(i.impact) + "\"><h3>" + HTML.text(i.title)
        if i.kind == .incident { out += " <small>" + i.impact.rawValue + " impact · " + words(i.status) + "</small>" }
        out += "</h3>"
        if !i.components.isEmpty { out += "<p class=\"m\">Affects " + i.components.map(HTML.text).joined(separator: ", ") + "</p>" }
        out += "<ol class=\"up\">"
        for u in i.updates.reversed() {
            out += "<li><b>" + words(u.status) + "</b> <small>" + HTML.time(u.at) + "</small><br>" + HTML.text(u.message) + "</li>"
        }
        return out + "</ol></article>"
    }

    /// `Investigating`, as hosted pages write it.
    static func words(_ s: PostedIncident.Status) -> String { s.rawValue.prefix(1).uppercased() + s.rawValue.dropFirst() }

    /// The colour of the impact's border: the status classes (none is grey).
    static func impactClass(_ i: PostedIncident.Impact) -> String {
        switch i {
        case .none: "n"
        case .minor: "d"
        case .major, .critical: "u"
        }
    }
}

/// `/status/SLUG/feed.atom` and `/feed.atom`: a page's incidents and announcements as an Atom
/// feed (RFC 4287) for feed readers and chat integrations, newest first. Each entry's content
/// is its updates as plain text; every text goes through `XMLText`.
enum IncidentFeed {
    /// The newest entries a feed carries.
    static let maxEntries = 50

    static func render(title: String, path: String, incidents: [PostedIncident], now: Date) -> Rendered {
        let shown = incidents.prefix(maxEntries)
        let updated = shown.map(\.updatedAt).max() ?? now
        var out = "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\">"
        out += "<id>urn:vitals:feed:" + XMLText.escape(path) + "</id><title>" + XMLText.escape(title) + "</title>"
        out += "<updated>" + RFC3339.string(updated) + "</updated><author><name>" + XMLText.escape(title) + "</name></author>"
        out += "<link rel=\"self\" href=\"" + XMLText.escape(path) + "feed.atom\"/><link rel=\"alternate\" href=\"" + XMLText.escape(path) + "\"/>"
        for i in shown {
            out += "<entry><id>urn:vitals:incident:\(i.id)</id><title>" + XMLText.escape(entryTitle(i)) + "</title>"
            out += "<published>" + RFC3339.string(i.createdAt) + "</published><updated>" + RFC3339.string(i.updatedAt) + "</updated>"
            for c in i.components { out += "<category term=\"" + XMLText.escape(c) + "\"/>" }
            let body = i.updates.reversed().map { IncidentsView.words($0.status) + " (" + RFC3339.string($0.at) + "): " + $0.message }
            out += "<content type=\"text\">" + XMLText.escape(body.joined(separator: "\n\n")) + "</content></entry>"
        }
        out += "</feed>\n"
        return Rendered(status: 200, contentType: "application/atom+xml; charset=utf-8", body: out)
    }

    /// `[Resolved] Checkout errors`; announcements as their title.
    static func entryTitle(_ i: PostedIncident) -> String {
        i.kind == .announcement ? i.title : "[" + IncidentsView.words(i.status) + "] " + i.title
    }
}
