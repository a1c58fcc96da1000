import VitalsConfig

/// The windows burn rates are reported over (spec section 15), shortest first.
public enum BurnWindow: String, Sendable, CaseIterable, Comparable, Codable {
    case m5 = "5m", m30 = "30m", h1 = "1h", h2 = "2h", h6 = "6h", d1 = "1d", d3 = "3d"

    public var seconds: Double {
        switch self {
        case .m5: 300
        case .m30: 1800
        case .h1: 3600
        case .h2: 7200
        case .h6: 21_600
        case .d1: 86_400
        case .d3: 259_200
        }
    }

    public var duration: Duration { .seconds(seconds) }

    /// Windows up to six hours are read from the minute ring kept in memory (`SLOWindow`);
    /// longer ones from the hourly roll-ups.
    public var fromRing: Bool { seconds <= SLOWindow.span }

    public static func < (a: BurnWindow, b: BurnWindow) -> Bool { a.seconds < b.seconds }
}

/// How fast the error budget burns over a window: the window's error ratio over the budget's
/// share (`1 - objective`). 1 spends exactly the budget over the SLO window; 14.4 spends 2% of
/// a 30-day budget in an hour. Nil when nothing in the window was known.
public enum BurnRate {
    public static func of(_ tally: SLOTally, objective: Double) -> Double? {
        tally.errorRatio.map { $0 / (1 - objective) }
    }
}

/// Multi-window, multi-burn-rate alerting (the Google SRE workbook, chapter 5): a pair fires
/// when the burn rate over both its long and its short window is above its factor; the short
/// window makes it resolve soon after the burning stops.
public struct BurnRatePolicy: Sendable, Equatable {
    public struct Pair: Sendable, Equatable {
        public var long: BurnWindow
        public var short: BurnWindow
        public var factor: Double
        /// `page` or `ticket`: the severity a firing pair gives its notification.
        public var severity: String

        public init(long: BurnWindow, short: BurnWindow, factor: Double, severity: String) {
            self.long = long
            self.short = short
            self.factor = factor
            self.severity = severity
        }

        /// Both windows burn faster than the factor (strictly, as the workbook's `>`).
        public func fires(_ rates: [BurnWindow: Double]) -> Bool {
            guard let l = rates[long], let s = rates[short] else { return false }
            return l > factor && s > factor
        }
    }

    public var pairs: [Pair]

    public init(pairs: [Pair]) { self.pairs = pairs }

    /// The workbook's defaults: page at 14.4x over 1h and 5m or 6x over 6h and 30m; ticket at
    /// 3x over 1d and 2h or 1x over 3d and 6h.
    public static let workbook = BurnRatePolicy(pairs: [
        Pair(long: .h1, short: .m5, factor: 14.4, severity: "page"),
        Pair(long: .h6, short: .m30, factor: 6, severity: "page"),
        Pair(long: .d1, short: .h2, factor: 3, severity: "ticket"),
        Pair(long: .d3, short: .h6, factor: 1, severity: "ticket"),
    ])

    /// The first pair that fires, in the policy's order (pages before tickets by default).
    public func firing(_ rates: [BurnWindow: Double]) -> Pair? { pairs.first { $0.fires(rates) } }
}
