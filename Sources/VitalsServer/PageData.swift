import Foundation
import VitalsCore

/// What the status page reads besides the snapshot: every component's long history, in a few
/// storage reads for all components together (a read each would cost a thousand round trips).
public struct StatusHistory: Sendable {
    /// Per component, daily roll-ups of the strip's days, oldest first.
    public var days: [String: [Rollup]]
    /// Per component, hourly roll-ups of the last 24 hours, oldest first: 24h uptime and the
    /// latency sparkline.
    public var hours: [String: [Rollup]]
    /// Per component, incidents begun by UTC day (`Incidents.day`).
    public var incidents: [String: [Int: Int]]
    /// Why storage could not give the history (it did not answer within its read deadline):
    /// the page says so, and shows the live statuses without it.
    public var unavailable: String?

    public init(
        days: [String: [Rollup]] = [:], hours: [String: [Rollup]] = [:], incidents: [String: [Int: Int]] = [:],
        unavailable: String? = nil
    ) {
        self.days = days
        self.hours = hours
        self.incidents = incidents
        self.unavailable = unavailable
    }

    /// The days the strip shows: today (UTC) and the 89 before it.
    public static let stripDays = 90

    /// The first day of the strip ending on `now`'s day.
    public static func firstDay(_ now: Date) -> Date {
        Date(timeIntervalSince1970: Double(Incidents.day(now) - stripDays + 1) * 86_400)
    }

    /// From the history reader: daily roll-ups and incidents of the strip's days, hourly
    /// roll-ups of the last 24 hours (three queries in all, whatever the number of components).
    public static func read(from storage: any HistoryReader, components: [String], now: Date) async -> StatusHistory {
        let first = firstDay(now)
        async let days = storage.readRollups(of: components, period: .day, since: first, until: now)
        async let hours = storage.readRollups(of: components, period: .hour, since: RollupWindow(.seconds(86_400), now: now).from, until: now)
        async let incidents = storage.readIncidentsByDay(since: first, until: now)
        let (d, h, i) = await (days, hours, incidents)
        guard let dv = d.value, let hv = h.value, let iv = i.value else {
            return StatusHistory(unavailable: d.unavailableReason ?? h.unavailableReason ?? i.unavailableReason)
        }
        return StatusHistory(days: dv, hours: hv, incidents: iv)
    }
}

/// A maintenance window as the status page shows it: running now, or starting soon.
public struct MaintenanceNotice: Sendable, Equatable {
    /// The components it covers; empty for all.
    public var components: [String]
    public var start: Date
    public var end: Date
    public var active: Bool
    /// How the config says it: `Sun 02:00 for 2h Europe/Berlin`.
    public var schedule: String

    public init(components: [String], start: Date, end: Date, active: Bool, schedule: String) {
        self.components = components
        self.start = start
        self.end = end
        self.active = active
        self.schedule = schedule
    }
}

/// A firing alert as the status page lists it, read from the `/alerts` body.
struct FiringAlert: Equatable {
    var alert: String
    var subject: String
    var severity: String
    var since: Date?
    /// Who acknowledged it, and when, if someone did.
    var acknowledgedBy: String?
    var acknowledgedAt: Date?

    /// The firing alerts in an `/alerts` body (its shape is alerting's; anything unreadable is
    /// left out rather than failing the page).
    static func parse(_ json: String) -> [FiringAlert] {
        guard let root = (try? JSONSerialization.jsonObject(with: Data(json.utf8))) as? [String: Any],
            let alerts = root["alerts"] as? [[String: Any]]
        else { return [] }
        return alerts.compactMap { a in
            guard a["state"] as? String == "firing", let name = a["alert"] as? String else { return nil }
            let ack = a["acknowledged"] as? [String: Any]
            return FiringAlert(
                alert: name, subject: a["subject"] as? String ?? "", severity: a["severity"] as? String ?? "",
                since: (a["started_at"] as? String).flatMap(RFC3339.date),
                acknowledgedBy: ack.map { $0["by"] as? String ?? "someone" },
                acknowledgedAt: (ack?["at"] as? String).flatMap(RFC3339.date))
        }
    }
}

/// What a page may show: everything, or, on a public status page seen without the token,
/// statuses and uptime but no message, observation or target (spec section 9).
enum PageAudience: Equatable {
    case full, publicView

    var showsDetails: Bool { self == .full }
}
