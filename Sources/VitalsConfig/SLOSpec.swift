/// A component's `slo:`: the share of its known time that must be good, over a rolling window
/// or the calendar month (spec section 15).
public struct SLOSpec: Sendable, Equatable {
    /// Over what time the objective is met: the last `window` before now, or (no window) the
    /// calendar month so far, whose budget is the whole month's.
    public struct Period: Sendable, Equatable, CustomStringConvertible {
        /// The rolling window; nil for the calendar month.
        public var window: Duration?

        public static func rolling(_ window: Duration) -> Period { Period(window: window) }
        public static let calendarMonth = Period(window: nil)

        public var description: String { window.map { DurationFormat.short($0) } ?? "calendar month" }
    }

    /// Statuses that may count as good; unknown is never counted at all, unhealthy never good.
    public enum GoodStatus: String, Sendable, Equatable, CaseIterable {
        case healthy, degraded
    }

    /// The objective as a ratio (0.999 for `objective: 99.9`), strictly between 0 and 1.
    public var objective: Double
    public var period: Period
    public var good: Set<GoodStatus>
    /// Where `window` (or `calendar`) was written, for the check against `rollup_retention`.
    public var periodLocation: SourceLocation

    public init(
        objective: Double, period: Period = .rolling(.seconds(30 * 86_400)), good: Set<GoodStatus> = [.healthy, .degraded],
        periodLocation: SourceLocation = SourceLocation(file: "<memory>", line: 0, column: 0)
    ) {
        self.objective = objective
        self.period = period
        self.good = good
        self.periodLocation = periodLocation
    }

    /// The error budget's share: `1 - objective`.
    public var budgetRatio: Double { 1 - objective }
}
