import Foundation
import VitalsCore

/// `/api/v1/components` and `/api/v1/components/NAME`: each component as `/health/detailed`
/// shows it (the list without history and observations), plus uptime with coverage by window.
/// `location` (`?location=`): only that location's report under `locations`, and in the list
/// only the components it reports on.
enum ComponentsAPI {
    static func list(_ s: HealthSnapshot, windows: [String: [(String, UptimeReport)]], location: String? = nil) -> Rendered {
        var w = JSONWriter()
        w.object { o in
            o.field("status", s.status.rawValue)
            o.key("components")
            o.array { a in
                for c in s.allComponents where location == nil || c.locations.contains(where: { $0.location == location }) {
                    a.object { e in
                        DetailedReport.summary(c, location: location, into: &e)
                        uptime(windows[c.name] ?? [], key: "uptime", into: &e)
                    }
                }
            }
        }
        return .json(200, w)
    }

    static func one(_ c: ComponentSnapshot, windows: [(String, UptimeReport)], location: String? = nil) -> Rendered {
        var w = JSONWriter()
        w.object { o in
            DetailedReport.component(c, location: location, into: &o)
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
