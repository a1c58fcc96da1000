import Foundation
import VitalsCore

/// `/` and `/components/NAME`: gathered and rendered off the event loop, from the published
/// snapshot and storage reads. No probe runs for a page, and a slow storage read holds up only
/// the page that waits for it, never the probe endpoints.
extension HealthRoutes {
    func componentPage(_ call: RouteCall) async -> HealthAnswer {
        let name = call["name"]
        let now = Date()
        guard let component = source.snapshot().component(named: name) else { return .unknownComponent }
        // Storage that does not answer: the page says so and shows what memory holds.
        let windows = await uptimeWindows(name, UptimeReport.windows[...])
        let recent = HistoryQuery(since: nil, until: nil, limit: 100)
        let inMemory = Array(component.history.suffix(100).reversed())
        let results = await extras.history?.history(name, recent) ?? .value(inMemory)
        let transitions = await extras.history?.transitions(name, recent) ?? .value([])
        let unavailable = windows.unavailableReason ?? results.unavailableReason ?? transitions.unavailableReason
        return HealthAnswer(ComponentPage.render(.init(
            component: component, uptime: windows.value ?? [], transitions: transitions.value ?? [], results: results.value ?? inMemory,
            audience: audience(call.request), now: now, unavailable: unavailable)))
    }

    func statusPage(_ call: RouteCall) async -> HealthAnswer {
        let snapshot = source.snapshot()
        let now = Date()
        let audience = audience(call.request)
        let names = snapshot.allComponents.map(\.name)
        var history = StatusHistory()
        if let reader = extras.history {
            history = await pageHistory.history(components: names, now: now) { names, now in await StatusHistory.read(from: reader, components: names, now: now) }
        }
        let alerts = audience.showsDetails ? (extras.alerts.map { FiringAlert.parse($0()) } ?? []) : []
        return HealthAnswer(StatusPage.render(.init(
            snapshot: snapshot, history: history, maintenance: extras.maintenance?(now) ?? [], alerts: alerts, audience: audience, now: now)))
    }

    /// Everything for a request with the token (or where none is needed and the pages are not
    /// public); on a public status page without the token, statuses and uptime only.
    func audience(_ request: HealthRequest) -> PageAudience {
        guard publicStatus.withLock({ $0 }) else { return .full }
        guard let token = token.withLock({ $0 }), token.accepts(authorization: request.authorization) else { return .publicView }
        return .full
    }
}
