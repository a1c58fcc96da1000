import Foundation
import VitalsConfig
import VitalsCore

/// The JSON of `/api/v1/slos` and `/api/v1/components/NAME/slo` (spec section 15): each SLO's
/// objective, window, SLI, coverage, error budget in seconds and as ratios, and burn rates.
enum SLOReport {
    static func list(_ statuses: [SLOStatus], at now: Date) -> String {
        var w = JSONWriter()
        w.object { w in
            w.field("generated_at", RFC3339.string(now))
            w.key("slos")
            w.array { w in for s in statuses { one(s, into: &w) } }
        }
        return w.out
    }

    static func single(_ status: SLOStatus, at now: Date) -> String {
        var w = JSONWriter()
        one(status, into: &w, generatedAt: now)
        return w.out
    }

    private static func one(_ s: SLOStatus, into w: inout JSONWriter, generatedAt: Date? = nil) {
        w.object { w in
            w.field("component", s.component)
            if let generatedAt { w.field("generated_at", RFC3339.string(generatedAt)) }
            w.field("objective", s.spec.objective * 100)
            if let d = s.spec.period.window { w.field("window", DurationFormat.short(d)) } else { w.field("calendar", "month") }
            w.key("good")
            w.array { w in for g in SLOSpec.GoodStatus.allCases where s.spec.good.contains(g) { w.string(g.rawValue) } }
            w.key("sli")
            if let sli = s.sli { w.number(sli) } else { w.null() }
            w.key("met")
            if let met = s.met { w.bool(met) } else { w.null() }
            w.field("coverage", s.tally.coverage)
            w.key("seconds")
            w.object { w in
                w.field("good", s.tally.good)
                w.field("bad", s.tally.bad)
                w.field("unknown", max(0, s.tally.span - s.tally.known))
            }
            w.key("error_budget")
            w.object { w in
                w.field("seconds", s.budgetSeconds)
                w.field("consumed_seconds", s.consumedSeconds)
                w.field("remaining_seconds", s.remainingSeconds)
                w.field("consumed_ratio", s.consumedRatio)
                w.field("remaining_ratio", s.remainingRatio)
            }
            w.key("burn_rates")
            w.object { w in
                for b in BurnWindow.allCases {
                    w.key(b.rawValue)
                    w.object { w in
                        w.key("rate")
                        if let r = s.burnRates[b] { w.number(r) } else { w.null() }
                        w.field("coverage", s.burnCoverage[b] ?? 0)
                    }
                }
            }
            w.key("burning")
            if let pair = BurnRatePolicy.workbook.firing(s.burnRates) {
                w.object { w in
                    w.field("severity", pair.severity)
                    w.field("long", pair.long.rawValue)
                    w.field("short", pair.short.rawValue)
                    w.field("factor", pair.factor)
                }
            } else {
                w.null()
            }
            // Memory storage: what this process has seen, not the whole window.
            w.field("source", s.processOnly ? "process" : "storage")
        }
    }
}
