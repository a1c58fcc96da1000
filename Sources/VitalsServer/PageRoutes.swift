import Foundation
import VitalsConfig
import VitalsCore

/// `/`, `/status/SLUG` and the component pages: gathered and rendered off the event loop, from
/// the published snapshot and storage reads. No probe runs for a page, and a slow storage read
/// holds up only the page that waits for it, never the probe endpoints.
extension HealthRoutes {
    func componentPage(_ call: RouteCall) async -> HealthAnswer {
        let name = call["name"]
        let now = Date()
        guard let component = source.snapshot().component(named: name) else { return .unknownComponent }
        // Under `/status/SLUG`, only the components that page shows.
        let page = statusPageSpec(call)
        if call.parameters["slug"] != nil {
            guard let page, page.shows(name, groups: component.spec.groups) else { return .unknownComponent }
        }
        // Storage that does not answer: the page says so and shows what memory holds.
        let windows = await uptimeWindows(name, UptimeReport.windows[...])
        let recent = HistoryQuery(since: nil, until: nil, limit: 100)
        let inMemory = Array(component.history.suffix(100).reversed())
        let results = await extras.history?.history(name, recent) ?? .value(inMemory)
        let transitions = await extras.history?.transitions(name, recent) ?? .value([])
        let unavailable = windows.unavailableReason ?? results.unavailableReason ?? transitions.unavailableReason
        return HealthAnswer(ComponentPage.render(.init(
            component: component, uptime: windows.value ?? [], transitions: transitions.value ?? [], results: results.value ?? inMemory,
            audience: audience(call.request, openedBy: page), now: now, unavailable: unavailable,
            back: call.parameters["slug"].map { "../../" + $0 } ?? "../")))
    }

    func statusPage(_ call: RouteCall) async -> HealthAnswer {
        let page = statusPageSpec(call)
        if call.parameters["slug"] != nil && page == nil { return .notFound }
        let snapshot = source.snapshot()
        let now = Date()
        let audience = audience(call.request, openedBy: page)
        let names = snapshot.allComponents.map(\.name)
        var history = StatusHistory()
        if let reader = extras.history {
            history = await pageHistory.history(components: names, now: now) { names, now in await StatusHistory.read(from: reader, components: names, now: now) }
        }
        let alerts = audience.showsDetails ? (extras.alerts.map { FiringAlert.parse($0()) } ?? []) : []
        let slug = call.parameters["slug"]
        let posted = await extras.incidents?.forPage(page?.slug, now: now) ?? ([], [])
        return HealthAnswer(StatusPage.render(.init(
            snapshot: snapshot, history: history, maintenance: extras.maintenance?(now) ?? [], alerts: alerts, audience: audience, now: now,
            page: page, base: slug.map { $0 + "/" } ?? "", pageBase: slug.map { $0 + "/" } ?? page.map { "status/" + $0.slug + "/" } ?? "", posted: posted)))
    }

    /// `/status/SLUG/feed.atom` and `/feed.atom`: the page's incidents and announcements.
    func pageFeed(_ call: RouteCall) async -> HealthAnswer {
        let page = statusPageSpec(call)
        if call.parameters["slug"] != nil && page == nil { return .notFound }
        let incidents = await extras.incidents?.inMemory().filter { $0.shows(onPage: page?.slug) } ?? []
        let path = call.parameters["slug"] != nil ? "/status/" + (page?.slug ?? "") : "/"
        return HealthAnswer(IncidentFeed.render(title: page?.title ?? "Status", path: path, incidents: incidents, now: Date()))
    }

    /// `/status/SLUG/logo.svg`: the page's logo from memory, with a policy that lets nothing in
    /// it run or load (an SVG opened on its own is a document).
    func pageLogo(_ call: RouteCall) -> HealthAnswer {
        guard let svg = statusPageSpec(call)?.logoSVG else { return .notFound }
        return HealthAnswer(Rendered(status: 200, contentType: "image/svg+xml", body: svg, policy: "default-src 'none'; style-src 'unsafe-inline'; sandbox"))
    }

    /// The `status_pages` entry of a request: the one its `slug` names, else (at `/` and its
    /// component pages) the first; nil when none is configured or the slug is unknown.
    func statusPageSpec(_ call: RouteCall) -> StatusPageSpec? {
        let all = pages.withLock { $0 }
        guard let slug = call.parameters["slug"] else { return all.first }
        return all.first { $0.slug == slug }
    }

    /// Whether a public status page opens this route without the token: the page itself, its
    /// logo and component pages, and `/`, `/components/NAME` and the badges of what a public
    /// page shows.
    func isPublic(_ route: Route, _ parameters: [String: String]) -> Bool {
        let all = pages.withLock { $0 }
        guard !all.isEmpty else { return false }
        let components = source.snapshot().allComponents
        func shownOnPublic(_ name: String, on candidates: [StatusPageSpec]) -> Bool {
            guard let c = components.first(where: { $0.name == name }) else { return false }
            return candidates.contains { $0.isPublic && $0.shows(name, groups: c.spec.groups) }
        }
        if let slug = parameters["slug"] {
            guard let page = all.first(where: { $0.slug == slug }), page.isPublic else { return false }
            return parameters["name"].map { shownOnPublic($0, on: [page]) } ?? true
        }
        // `/` and its feed are the first page.
        if route.template == "/" || route.template == "/feed.atom" { return all[0].isPublic }
        return parameters["name"].map { shownOnPublic($0, on: all) } ?? false
    }

    /// Everything for a request with the token (or where none is needed and the pages are not
    /// public); on a public status page without the token, statuses and uptime only.
    func audience(_ request: HealthRequest, openedBy page: StatusPageSpec? = nil) -> PageAudience {
        guard publicStatus.withLock({ $0 }) || page?.isPublic == true else { return .full }
        guard let token = token.withLock({ $0 }), token.accepts(authorization: request.authorization) else { return .publicView }
        return .full
    }
}
