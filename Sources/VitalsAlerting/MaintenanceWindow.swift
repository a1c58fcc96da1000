import Foundation
import VitalsConfig
import VitalsCore

/// A recurring maintenance window, evaluated in its own time zone.
///
/// Windows mute notifications, never probing: health, `/health/*` and metrics keep telling the
/// truth during maintenance, only the paging stops. Evaluation goes through `Calendar` in the
/// window's zone so "Sun 02:00 Europe/Berlin" follows daylight-saving changes the way the
/// people who scheduled it read it.
public struct MaintenanceWindow: Sendable, Equatable {
    public let spec: MaintenanceWindowSpec
    public let timeZone: TimeZone
    /// Set when `spec.timezone` is not a known zone name (the config validator should have
    /// rejected it); the window then runs in UTC and says so in its reason.
    public let unknownTimeZone: Bool

    public init(_ spec: MaintenanceWindowSpec) {
        self.spec = spec
        if let zone = TimeZone(identifier: spec.timezone) {
            timeZone = zone
            unknownTimeZone = false
        } else {
            timeZone = TimeZone(identifier: "UTC")!
            unknownTimeZone = true
        }
    }

    /// Whether the window names this component (an empty list names every component).
    public func covers(component: String) -> Bool {
        spec.components.isEmpty || spec.components.contains(component)
    }

    public var coversEverything: Bool { spec.components.isEmpty }

    /// Whether `date` falls inside an occurrence of the window.
    public func isActive(at date: Date) -> Bool {
        occurrenceStart(containing: date) != nil
    }

    /// The start of the occurrence that contains `date`, if any. Looks back as many days as
    /// the duration spans (plus one), since an occurrence may have started days ago.
    public func occurrenceStart(containing date: Date) -> Date? {
        guard spec.duration > .zero else { return nil }
        let durationSeconds = spec.duration.seconds
        let daysBack = min(Int((durationSeconds / 86_400).rounded(.up)) + 1, 400)
        for back in 0...daysBack {
            guard let start = start(daysFrom: date, by: -back) else { continue }
            if start <= date, date.timeIntervalSince(start) < durationSeconds { return start }
        }
        return nil
    }

    /// The start of the first occurrence after `date`, if one starts within `within` of it: the
    /// status page's "upcoming maintenance".
    public func nextStart(after date: Date, within: Duration) -> Date? {
        guard spec.duration > .zero else { return nil }
        let days = min(Int((within.seconds / 86_400).rounded(.up)) + 1, 400)
        for ahead in 0...days {
            guard let start = start(daysFrom: date, by: ahead) else { continue }
            if start > date { return start.timeIntervalSince(date) <= within.seconds ? start : nil }
        }
        return nil
    }

    /// When the window starts on the day `offset` days from `date`'s (in the window's zone), or
    /// nil when it does not run that day.
    private func start(daysFrom date: Date, by offset: Int) -> Date? {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        guard let day = calendar.date(byAdding: .day, value: offset, to: date) else { return nil }
        var parts = calendar.dateComponents([.year, .month, .day, .weekday], from: day)
        if let weekday = spec.weekday, parts.weekday != weekday { return nil }
        // A one-off window runs on its day only.
        if let d = spec.date, parts.year != d.year || parts.month != d.month || parts.day != d.day { return nil }
        parts.weekday = nil
        parts.hour = spec.hour
        parts.minute = spec.minute
        parts.second = 0
        return calendar.date(from: parts)
    }

    /// When it runs, as the config says it: `Sun 02:00 for 2h Europe/Berlin`.
    public var schedule: String {
        let days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
        let pad = { (n: Int) in n < 10 ? "0\(n)" : "\(n)" }
        let day = spec.date.map { "\($0.year)-" + pad($0.month) + "-" + pad($0.day) }
            ?? spec.weekday.flatMap { (1...7).contains($0) ? days[$0 - 1] : nil } ?? "daily"
        let zone = unknownTimeZone ? "UTC (unknown time zone \(spec.timezone))" : spec.timezone
        return "\(day) \(pad(spec.hour)):\(pad(spec.minute)) for \(DurationFormat.short(spec.duration)) \(zone)"
    }

    /// Why a notification was muted, as `/alerts` shows it.
    public var reason: String {
        let scope = spec.components.isEmpty ? "all components" : spec.components.joined(separator: ", ")
        return "maintenance window \(schedule): \(scope)"
    }
}

extension Array where Element == MaintenanceWindow {
    /// The reason a notification about `subject` is muted at `date`, or nil.
    ///
    /// A component subject is muted by an active window covering it. The service subject is
    /// muted by an active window covering every component, or when every failing component is
    /// covered by an active window: maintenance on the database should not page for the
    /// service degradation it causes.
    public func muteReason(subject: String, isService: Bool, failing: [FailingComponent], at date: Date) -> String? {
        let active = filter { $0.isActive(at: date) }
        guard !active.isEmpty else { return nil }
        if !isService {
            return active.first { $0.covers(component: subject) }?.reason
        }
        if let all = active.first(where: \.coversEverything) { return all.reason }
        guard !failing.isEmpty else { return nil }
        var reasons: [String] = []
        for component in failing {
            guard let window = active.first(where: { $0.covers(component: component.component) }) else { return nil }
            if !reasons.contains(window.reason) { reasons.append(window.reason) }
        }
        return reasons.joined(separator: "; ")
    }
}
