import Foundation
import VitalsConfig
import VitalsCore

/// `/health/detailed`: the full report, as plain JSON (spec section 5) or, when the client's
/// `Accept` asks for it, in the IETF health-check draft's `application/health+json`.
public enum DetailedReport {
    public static let version = VitalsVersion.current

    public static func json(_ s: HealthSnapshot, now: Date = Date()) -> Rendered {
        var w = JSONWriter()
        w.object { o in
            o.field("status", s.status.rawValue)
            o.field("version", version)
            o.field("started_at", date: s.startedAt)
            o.field("uptime_seconds", int: Int(max(0, now.timeIntervalSince(s.startedAt))))
            o.field("startup_complete", s.startupComplete)
            o.key("components")
            o.array { a in
                for c in s.components { a.object { component(c, into: &$0) } }
            }
        }
        return .json(200, w)
    }

    /// What a component is and how it stands: the head of its detailed entry, and the whole of
    /// its entry in `/api/v1/components`.
    static func summary(_ c: ComponentSnapshot, location: String? = nil, into o: inout JSONWriter) {
        o.field("name", c.name)
        o.field("type", c.spec.type)
        o.field("critical", c.spec.critical)
        o.key("groups")
        o.array { a in for g in c.spec.groups { a.string(g) } }
        o.field("status", c.status.rawValue)
        o.field("since", date: c.since)
        o.field("last_check", date: c.lastCheck)
        if let stale = c.staleSince { o.field("stale_since", date: stale) }
        locations(c, only: location, into: &o)
    }

    /// In a fleet with locations: the quorum's verdict (which `status` is) and each location's
    /// report side by side; `only` (`?location=`) keeps that location's report alone.
    static func locations(_ c: ComponentSnapshot, only: String?, into o: inout JSONWriter) {
        guard let v = c.verdict else { return }
        o.field("partial", v.partial)
        o.key("failing_locations")
        o.array { a in for l in v.failing { a.string(l) } }
        o.field("quorum", int: v.quorum)
        o.key("locations")
        o.array { a in
            for r in c.locations where only == nil || r.location == only {
                a.object { l in
                    l.field("location", r.location)
                    l.field("status", r.status.rawValue)
                    l.field("last_check", date: r.lastCheck)
                    l.key("latency_ms")
                    if let x = r.latency { l.number(milliseconds(x.seconds)) } else { l.null() }
                    l.field("message", r.message)
                    l.field("counted", v.counted.contains(r.location))
                    l.key("left_out")
                    if let why = v.leftOut.first(where: { $0.location == r.location })?.reason { l.string(why.rawValue) } else { l.null() }
                }
            }
        }
    }

    static func component(_ c: ComponentSnapshot, location: String? = nil, into o: inout JSONWriter) {
        summary(c, location: location, into: &o)
        o.key("latency_ms")
        if let r = c.lastResult { o.number(milliseconds(r.latency.seconds)) } else { o.null() }
        o.key("message")
        if let r = c.lastResult { o.string(r.message) } else { o.null() }
        o.field("consecutive_failures", int: c.consecutiveFailures)
        o.field("last_success", date: c.lastSuccess)
        o.key("observations")
        o.object { obs in
            for ob in c.lastResult?.observations ?? [] {
                obs.key(ob.name)
                switch ob.value {
                case .number(let v): obs.number(v)
                case .text(let t): obs.string(t)
                }
            }
        }
        // Each condition of `expect` on the last result: what it read and whether it held.
        o.key("conditions")
        o.array { a in
            for check in c.lastResult?.conditions ?? [] {
                a.object { e in
                    e.field("condition", check.condition)
                    e.field("passed", check.passed)
                    e.field("observed", check.observed)
                }
            }
        }
        if let phases = c.lastResult?.phases, !phases.isEmpty {
            o.key("phases_ms")
            o.object { p in for phase in phases { p.field(phase.name, milliseconds(phase.seconds)) } }
        }
        o.key("thresholds")
        o.object { t in
            for name in c.spec.thresholds.byName.keys.sorted() {
                let th = c.spec.thresholds.byName[name]!
                t.key(name)
                t.object { l in
                    let suffix = th.unit == .seconds ? "_ms" : ""
                    let scale = th.unit == .seconds ? 1000.0 : 1.0
                    if let d = th.degraded { l.field("degraded" + suffix, d * scale) }
                    if let u = th.unhealthy { l.field("unhealthy" + suffix, u * scale) }
                    if let window = th.window { windowed(name, window, c, into: &l) }
                }
            }
        }
        o.key("uptime")
        o.object { u in for (window, ratio) in c.uptime { u.field(window, (ratio * 10_000).rounded() / 10_000) } }
        o.key("history")
        o.array { a in
            for h in c.history.reversed() {
                a.object { e in
                    e.field("at", date: h.at)
                    e.field("status", h.judgement.rawValue)
                    e.field("latency_ms", milliseconds(h.latency.seconds))
                    e.field("message", h.message)
                }
            }
        }
    }

    /// A windowed threshold's window, and how the last result stood in it: the `results` it
    /// held, `judged` false while fewer than `WindowedThresholds.minimumResults` (the value then
    /// appears in no observation and crosses nothing). Another replica's component shows only
    /// whether its owner judged it (its value is among the observations it wrote).
    private static func windowed(_ name: String, _ window: Duration, _ c: ComponentSnapshot, into l: inout JSONWriter) {
        l.field("window", DurationFormat.short(window))
        guard let reading = c.windowReadings.first(where: { $0.name == name }) else {
            l.field("judged", c.lastResult?.number(name) != nil)
            return
        }
        l.field("results", int: reading.results)
        l.field("judged", reading.judged)
    }

    /// The IETF draft's format: `checks` keyed `component:measurement`.
    public static func healthJSON(_ s: HealthSnapshot) -> Rendered {
        var w = JSONWriter()
        w.object { o in
            o.field("status", s.status.ietf)
            o.field("version", version)
            o.field("description", "vitals health report")
            o.key("checks")
            o.object { checks in
                for c in s.components {
                    let status = c.status.ietf
                    let output = c.status == .healthy ? "" : (c.lastResult?.message ?? "no result yet")
                    let time = c.lastCheck
                    func entry(_ measurement: String, value: Double?, unit: String?) {
                        checks.key("\(c.name):\(measurement)")
                        checks.array { a in
                            a.object { e in
                                e.field("componentId", c.name)
                                e.field("componentType", c.spec.type)
                                if let value {
                                    e.field("observedValue", value)
                                    if let unit { e.field("observedUnit", unit) }
                                }
                                e.field("status", status)
                                e.field("time", date: time)
                                if !output.isEmpty { e.field("output", output) }
                            }
                        }
                    }
                    entry("responseTime", value: c.lastResult.map { milliseconds($0.latency.seconds) }, unit: "ms")
                    for ob in c.lastResult?.observations ?? [] {
                        guard c.spec.thresholds[ob.name] != nil, case .number(let v) = ob.value else { continue }
                        entry(ob.name, value: v, unit: ob.unit)
                    }
                }
            }
        }
        return Rendered(status: 200, contentType: "application/health+json", body: w.out)
    }

    static func milliseconds(_ seconds: Double) -> Double {
        (seconds * 1_000_000).rounded() / 1000
    }
}
