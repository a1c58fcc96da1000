import Foundation
import Yams

/// `maintenance:` — recurring windows that mute notifications (never probing).
extension ConfigParser {
    func parseMaintenance(_ node: Node, components: Set<String>) -> [MaintenanceWindowSpec] {
        if node.isNull { return [] }
        guard let seq = node.sequence else {
            reader.error(node, in: file, "maintenance", "expected a list of windows, got \(node.kindDescription)")
            return []
        }
        var out: [MaintenanceWindowSpec] = []
        for (i, item) in seq.enumerated() {
            let keys = ["components", "start", "duration", "timezone"]
            guard let f = Fields(item, reader: reader, file: file, path: "maintenance[\(i)]", allowed: keys, structured: ["components"]) else { continue }
            f.require("start")
            f.require("duration")
            let names = f.stringList("components") ?? []
            for (j, n) in names.enumerated() where !components.contains(n) {
                reader.error(f.value("components")?.sequence?[j], in: file, f.sub("components") + "[\(j)]", "no component is named \"\(n)\"")
            }
            let start = f.string("start").flatMap { s -> (weekday: Int?, date: CivilDate?, hour: Int, minute: Int)? in
                guard let parsed = Syntax.maintenanceStart(s) else {
                    f.error("start", "expected \"Sun 02:00\" (weekly), \"02:00\" (daily) or \"2026-12-24 02:00\" (once)" + f.got("start", s))
                    return nil
                }
                return parsed
            }
            let duration = f.duration("duration")
            var timezone: String? = "UTC"
            if let tz = f.string("timezone") {
                timezone = TimeZone(identifier: tz) == nil ? nil : tz
                if timezone == nil { f.error("timezone", "unknown time zone" + f.got("timezone", tz) + " (use an IANA name such as UTC or Europe/Berlin)") }
            }
            guard let start, let duration, let timezone else { continue }
            var window = MaintenanceWindowSpec(
                components: names, weekday: start.weekday, hour: start.hour, minute: start.minute, duration: duration,
                timezone: timezone, location: reader.location(item, file))
            window.date = start.date
            out.append(window)
        }
        return out
    }
}
