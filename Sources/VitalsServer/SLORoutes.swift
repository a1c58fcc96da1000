import Foundation
import VitalsCore

/// `/api/v1/slos` and `/api/v1/components/NAME/slo`: every SLO's standing, or one component's,
/// read from storage's roll-ups and the store's minute rings (`SLOReader`). Storage that does
/// not answer within its deadline is a 503 saying why.
extension HealthRoutes {
    func sloList(_ call: RouteCall) async -> HealthAnswer {
        guard let slos = extras.slos else { return HealthAnswer(status: 200, contentType: "application/json", body: SLOReport.list([], at: Date())) }
        let read = await slos(nil)
        guard let statuses = read.value else { return .storageUnavailable(read.unavailableReason ?? "") }
        return HealthAnswer(status: 200, contentType: "application/json", body: SLOReport.list(statuses, at: Date()))
    }

    func componentSLO(_ call: RouteCall) async -> HealthAnswer {
        let name = call["name"]
        guard let component = source.snapshot().component(named: name) else { return .unknownComponent }
        guard component.spec.slo != nil, let slos = extras.slos else { return .plain(404, "\(name) has no slo\n") }
        let read = await slos(name)
        guard let statuses = read.value else { return .storageUnavailable(read.unavailableReason ?? "") }
        guard let status = statuses.first else { return .plain(404, "\(name) has no slo\n") }
        return HealthAnswer(status: 200, contentType: "application/json", body: SLOReport.single(status, at: Date()))
    }
}
