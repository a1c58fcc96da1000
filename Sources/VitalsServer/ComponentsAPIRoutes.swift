import Foundation
import VitalsCore

/// `/api/v1/components` and a component's summary, history, transitions and uptime: the
/// published snapshot and storage reads. Storage that does not answer within its deadline is a
/// 503 saying why (`storageUnavailable`), never an empty page.
extension HealthRoutes {
    func componentList(_ call: RouteCall) async -> HealthAnswer {
        let snapshot = source.snapshot()
        // Without a history reader there are no uptime windows to list (the same as
        // `uptimeWindows` answers for one component).
        var windows: [String: [(String, UptimeReport)]] = [:]
        if let reader = extras.history {
            for (label, window) in UptimeReport.windows.prefix(4) {
                let read = await reader.uptimeOfAll(window)
                guard let reports = read.value else { return .storageUnavailable(read.unavailableReason ?? "") }
                for c in snapshot.allComponents {
                    windows[c.name, default: []].append((label, reports[c.name] ?? UptimeReport(uptime: nil, coverage: 0, buckets: [])))
                }
            }
        }
        return HealthAnswer(ComponentsAPI.list(snapshot, windows: windows, location: call.query.first("location")))
    }

    func componentSummary(_ call: RouteCall) async -> HealthAnswer {
        let name = call["name"]
        guard let component = source.snapshot().component(named: name) else { return .unknownComponent }
        let read = await summaryWindows(name)
        guard let windows = read.value else { return .storageUnavailable(read.unavailableReason ?? "") }
        return HealthAnswer(ComponentsAPI.one(component, windows: windows, location: call.query.first("location")))
    }

    func componentHistory(_ call: RouteCall) async -> HealthAnswer {
        let name = call["name"]
        let parsed: HistoryQuery
        do { parsed = try historyQuery(call) } catch { return error.answer }
        guard let history = extras.history else { return .plain(404, "history is not available\n") }
        let read = await history.history(name, parsed)
        guard let entries = read.value else { return .storageUnavailable(read.unavailableReason ?? "") }
        let body = HistoryQuery.json(component: name, entries, limit: parsed.limit)
        return HealthAnswer(status: 200, contentType: "application/json", body: body)
    }

    func componentTransitions(_ call: RouteCall) async -> HealthAnswer {
        let name = call["name"]
        let parsed: HistoryQuery
        do { parsed = try historyQuery(call) } catch { return error.answer }
        guard let reader = extras.history else { return .plain(404, "transitions are not available\n") }
        let read = await reader.transitions(name, parsed)
        guard let page = read.value else { return .storageUnavailable(read.unavailableReason ?? "") }
        var next: Date?
        if let newest = page.first {
            let after = await reader.transition(component: name, after: newest.at)
            guard let found = after.value else { return .storageUnavailable(after.unavailableReason ?? "") }
            next = found?.at
        }
        let body = HistoryQuery.transitionsJSON(component: name, page, next: next, now: Date(), limit: parsed.limit)
        return HealthAnswer(status: 200, contentType: "application/json", body: body)
    }

    func componentUptime(_ call: RouteCall) async -> HealthAnswer {
        let name = call["name"]
        guard source.snapshot().component(named: name) != nil else { return .unknownComponent }
        let label = call.query.first("window") ?? "24h"
        guard let window = UptimeReport.windows.first(where: { $0.0 == label })?.1 else {
            return .plain(400, "window must be one of " + UptimeReport.windows.map(\.0).joined(separator: ", ") + "\n")
        }
        guard let reader = extras.history else { return .plain(404, "uptime is not available\n") }
        let read = await reader.uptime(name, window)
        guard let report = read.value else { return .storageUnavailable(read.unavailableReason ?? "") }
        let body = UptimeReport.json(component: name, window: label, report)
        return HealthAnswer(status: 200, contentType: "application/json", body: body)
    }

    /// The page of a component's history asked for, or the answer refusing it: 404 for a name
    /// the config does not have, 400 for a query that does not parse.
    private func historyQuery(_ call: RouteCall) throws(Refused) -> HistoryQuery {
        guard source.snapshot().component(named: call["name"]) != nil else { throw Refused(answer: .unknownComponent) }
        switch HistoryQuery.parse(call.query) {
        case .failure(let error): throw Refused(answer: .plain(400, error.message + "\n"))
        case .success(let q): return q
        }
    }

    private struct Refused: Error {
        var answer: HealthAnswer
    }

    /// Uptime over 1h, 24h, 7d and 30d, for the component lists.
    private func summaryWindows(_ name: String) async -> StorageRead<[(String, UptimeReport)]> {
        await uptimeWindows(name, UptimeReport.windows.prefix(4))
    }

    /// Uptime over each window, or why storage could not say (the first read that failed ends it).
    func uptimeWindows(_ name: String, _ windows: ArraySlice<(String, Duration)>) async -> StorageRead<[(String, UptimeReport)]> {
        guard let reader = extras.history else { return .value([]) }
        var out: [(String, UptimeReport)] = []
        for (label, window) in windows {
            let read = await reader.uptime(name, window)
            guard let report = read.value else { return .unavailable(reason: read.unavailableReason ?? "") }
            out.append((label, report))
        }
        return .value(out)
    }
}
