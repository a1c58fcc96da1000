import Foundation
import VitalsCore

/// `/` and `/components/NAME`: gathered and rendered off the event loop, from the published
/// snapshot and storage reads. No probe runs for a page, and a slow storage read holds up only
/// the page that waits for it, never the probe endpoints.
extension HealthRoutes {
    func page(_ request: HealthRequest, _ route: Route) async -> HealthAnswer {
        if let refused = refusal(request, route) { return refused }
        let snapshot = source.snapshot()
        let now = Date()
        let audience = audience(request)
        switch route {
        case .componentPage(let name):
            guard let component = snapshot.component(named: name) else { return .plain(404, "unknown component\n") }
            var windows: [(String, UptimeReport)] = []
            if let uptime = extras.uptime {
                for (label, window) in UptimeReport.windows { windows.append((label, await uptime(name, window))) }
            }
            let recent = HistoryQuery(since: nil, until: nil, limit: 100)
            let results = await extras.history?(name, recent) ?? Array(component.history.suffix(100).reversed())
            let transitions = await extras.transitions?(name, recent) ?? []
            return HealthAnswer(ComponentPage.render(.init(
                component: component, uptime: windows, transitions: transitions, results: results, audience: audience, now: now)))
        default:
            let names = snapshot.allComponents.map(\.name)
            var history = StatusHistory()
            if let read = extras.statusHistory { history = await pageHistory.history(components: names, now: now, read: read) }
            let alerts = audience.showsDetails ? (extras.alerts.map { FiringAlert.parse($0()) } ?? []) : []
            return HealthAnswer(StatusPage.render(.init(
                snapshot: snapshot, history: history, maintenance: extras.maintenance?(now) ?? [], alerts: alerts, audience: audience, now: now)))
        }
    }

    /// Everything for a request with the token (or where none is needed and the pages are not
    /// public); on a public status page without the token, statuses and uptime only.
    func audience(_ request: HealthRequest) -> PageAudience {
        guard publicStatus.withLock({ $0 }) else { return .full }
        guard let token = token.withLock({ $0 }), token.accepts(authorization: request.authorization) else { return .publicView }
        return .full
    }
}
