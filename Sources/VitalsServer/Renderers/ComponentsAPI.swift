import Foundation
import VitalsCore

/// `/api/v1/components` and `/api/v1/components/NAME`: each component as `/health/detailed`
/// shows it (the list without history and observations), plus uptime with coverage by window.
enum ComponentsAPI {
    static func list(_ s: HealthSnapshot, windows: [String: [(String, UptimeReport)]]) -> Rendered {
        var w = JSONWriter()
        w.object { o in
            o.field("status", s.status.rawValue)
            o.key("components")
            o.array { a in
                for c in s.allComponents {
                    a.object { e in
                        DetailedReport.summary(c, into: &e)
                        uptime(windows[c.name] ?? [], key: "uptime", into: &e)
                    }
                }
            }
        }
        return .json(200, w)
    }

    static func one(_ c: ComponentSnapshot, windows: [(String, UptimeReport)]) -> Rendered {
        var w = JSONWriter()
        w.object { o in
            DetailedReport.component(c, into: &o)
            uptime(windows, key: "uptime_windows", into: &o)
        }
        return .json(200, w)
    }

    /// `{"1h": {"uptime": 0.999, "coverage": 1}, ...}`: time-weighted, nil when nothing was known.
    private static func uptime(_ windows: [(String, UptimeReport)], key: String, into o: inout JSONWriter) {
        o.key(key)
        o.object { u in
            for (label, r) in windows {
                u.key(label)
                u.object { v in
                    v.key("uptime")
                    if let x = r.uptime { v.number(x) } else { v.null() }
                    v.field("coverage", r.coverage)
                }
            }
        }
    }
}
