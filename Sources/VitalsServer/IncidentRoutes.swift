import Foundation
import VitalsConfig
import VitalsCore

/// `POST /api/v1/incidents`, `POST /api/v1/incidents/ID/updates` and `GET /api/v1/incidents`:
/// incidents and announcements people write, behind the token like the rest of the API.
extension HealthRoutes {
    /// Incidents per page of `GET /api/v1/incidents`.
    static let incidentsPerPage = 50

    func postIncident(_ call: RouteCall) async -> HealthAnswer {
        guard let book = extras.incidents else { return .plain(404, "incidents are not kept by this server\n") }
        let names = Set(source.snapshot().allComponents.map(\.name))
        let slugs = Set(pages.withLock { $0 }.map(\.slug))
        switch IncidentRequest.parseCreate(body: call.request.body, contentType: call.request.contentType, components: names, pages: slugs, now: Date()) {
        case .failure(let refusal): return .plain(refusal.status, refusal.message + "\n")
        case .success(let draft): return Self.answer(await book.create(draft), created: true)
        }
    }

    func postIncidentUpdate(_ call: RouteCall) async -> HealthAnswer {
        guard let book = extras.incidents else { return .plain(404, "incidents are not kept by this server\n") }
        guard let id = Int(call["id"]), id > 0 else { return .plain(404, "no incident with this id\n") }
        switch IncidentRequest.parseUpdate(body: call.request.body, contentType: call.request.contentType, now: Date()) {
        case .failure(let refusal): return .plain(refusal.status, refusal.message + "\n")
        case .success(let update): return Self.answer(await book.addUpdate(id, update), created: false)
        }
    }

    /// Newest first, `incidentsPerPage` a page (`page` from 1), those created at or after `since`.
    func listIncidents(_ call: RouteCall) async -> HealthAnswer {
        guard let book = extras.incidents else { return .plain(404, "incidents are not kept by this server\n") }
        let q = call.query
        var since: Date?
        if let s = q.first("since") {
            guard let d = RFC3339.date(s), d.timeIntervalSince1970 < 253_402_300_800 else {
                return .plain(400, "since must be an RFC 3339 time before the year 10000, such as 2026-11-22T10:00:00Z\n")
            }
            since = d
        }
        let page = q.first("page").map { Int($0) ?? 0 } ?? 1
        guard page >= 1 && page <= 10_000 else { return .plain(400, "page must be a whole number from 1 to 10000\n") }
        let all = await book.all().filter { since == nil || $0.createdAt >= since! }
        let from = min(all.count, (page - 1) * Self.incidentsPerPage)
        let shown = all[from..<min(all.count, from + Self.incidentsPerPage)]
        var w = JSONWriter()
        w.object { o in
            o.key("incidents")
            o.array { a in for i in shown { a.object { IncidentJSON.write(i, into: &$0) } } }
            o.field("page", int: page)
            o.field("total", int: all.count)
        }
        return HealthAnswer(Rendered.json(200, w))
    }

    private static func answer(_ result: Result<PostedIncident, IncidentBook.Refusal>, created: Bool) -> HealthAnswer {
        switch result {
        case .success(let incident):
            var w = JSONWriter()
            w.object { IncidentJSON.write(incident, into: &$0) }
            return HealthAnswer(Rendered.json(created ? 201 : 200, w))
        case .failure(.unknown): return .plain(404, "no incident with this id\n")
        case .failure(.full(let why)): return .plain(409, why + "\n")
        case .failure(.storage(let why)): return .plain(503, why + "\n")
        }
    }
}

/// An incident as the API answers it.
enum IncidentJSON {
    static func write(_ i: PostedIncident, into o: inout JSONWriter) {
        o.field("id", int: i.id)
        o.field("type", i.kind.rawValue)
        o.field("title", i.title)
        o.field("status", i.status.rawValue)
        o.field("impact", i.impact.rawValue)
        o.key("components")
        o.array { a in for c in i.components { a.string(c) } }
        o.key("pages")
        o.array { a in for p in i.pages { a.string(p) } }
        o.field("created_at", date: i.createdAt)
        o.field("updated_at", date: i.updatedAt)
        o.key("updates")
        o.array { a in
            for u in i.updates {
                a.object { e in
                    e.field("at", date: u.at)
                    e.field("status", u.status.rawValue)
                    e.field("message", u.message)
                }
            }
        }
    }
}
