import Foundation
import Yams

extension ConfigParser {
    /// A name that is well-formed and not used before in its list; records the error if not.
    func uniqueName(_ name: String, _ f: Fields, _ seen: inout Set<String>, kind: String) -> Bool {
        guard Self.validName(name) else {
            reader.error(f.value("name"), in: file, f.sub("name"), "\"\(name)\" is not a valid name: use [a-z0-9][a-z0-9_.-]*")
            return false
        }
        guard seen.insert(name).inserted else {
            reader.error(f.value("name"), in: file, f.sub("name"), "duplicate \(kind) name")
            return false
        }
        return true
    }

    func parseNotifiers(_ node: Node) -> [NotifierSpec] {
        guard let seq = node.sequence else {
            reader.error(node, in: file, "notifiers", "expected a list of notifiers")
            return []
        }
        var out: [NotifierSpec] = []
        var seen: Set<String> = []
        for (i, item) in seq.enumerated() {
            guard
                let f = Fields(
                    item, reader: reader, file: file, path: "notifiers[\(i)]", allowed: ["name", "type", "url", "timeout", "headers"],
                    fileKeys: ["url"])
            else { continue }
            _ = f.require("name")
            _ = f.require("type")
            _ = f.require("url")
            guard let name = f.string("name"), let type = f.string("type"), let url = f.secret("url") else { continue }
            guard uniqueName(name, f, &seen, kind: "notifier") else { continue }
            guard let kind = NotifierSpec.Kind(rawValue: type) else {
                reader.error(f.value("type"), in: file, f.sub("type"), "expected webhook, slack or alertmanager, got \"\(type)\"")
                continue
            }
            // The URL may carry a token (Slack's do): never quote it.
            if let u = URL(string: url.value), u.scheme == "http" || u.scheme == "https", u.host != nil {
            } else {
                reader.error(f.value("url"), in: file, f.sub("url"), "expected an http:// or https:// URL with a host")
            }
            var spec = NotifierSpec(name: name, kind: kind, url: url, location: reader.location(item, file))
            if let t = f.duration("timeout") { spec.timeout = t }
            if let h = f.secretMap("headers") { spec.headers = Dictionary(h, uniquingKeysWith: { _, b in b }) }
            out.append(spec)
        }
        return out
    }

    func parseAlerts(_ node: Node, components: Set<String>, notifiers: Set<String>) -> [AlertRuleSpec] {
        guard let seq = node.sequence else {
            reader.error(node, in: file, "alerts", "expected a list of alert rules")
            return []
        }
        var out: [AlertRuleSpec] = []
        var seen: Set<String> = []
        for (i, item) in seq.enumerated() {
            guard
                let f = Fields(
                    item, reader: reader, file: file, path: "alerts[\(i)]", allowed: ["name", "on", "when", "for", "repeat", "notify", "severity"])
            else { continue }
            _ = f.require("name")
            _ = f.require("on")
            _ = f.require("notify")
            guard let name = f.string("name"), let on = f.string("on"), let notify = f.stringList("notify") else { continue }
            guard uniqueName(name, f, &seen, kind: "alert") else { continue }
            let subject: AlertRuleSpec.Subject
            switch on {
            case "service": subject = .service
            case "any-component": subject = .anyComponent
            default:
                guard components.contains(on) else {
                    reader.error(f.value("on"), in: file, f.sub("on"), "expected service, any-component or a component name; no component is named \"\(on)\"")
                    continue
                }
                subject = .component(on)
            }
            var level = AlertRuleSpec.Level.degraded
            if let w = f.string("when") {
                guard let l = AlertRuleSpec.Level(rawValue: w) else {
                    reader.error(f.value("when"), in: file, f.sub("when"), "expected degraded or unhealthy, got \"\(w)\"")
                    continue
                }
                level = l
            }
            if notify.isEmpty { reader.error(f.value("notify"), in: file, f.sub("notify"), "name at least one notifier") }
            for (j, n) in notify.enumerated() where !notifiers.contains(n) {
                reader.error(f.value("notify")?.sequence?[j], in: file, f.sub("notify") + "[\(j)]", "no notifier is named \"\(n)\"")
            }
            var rule = AlertRuleSpec(
                name: name, on: subject, when: level, notify: notify, severity: f.string("severity"), location: reader.location(item, file))
            if let d = f.duration("for", allowZero: true) { rule.forDuration = d }
            if let r = f.duration("repeat", allowZero: true) { rule.repeatInterval = r }
            out.append(rule)
        }
        return out
    }

    static let weekdays = ["sun": 1, "mon": 2, "tue": 3, "wed": 4, "thu": 5, "fri": 6, "sat": 7]

    func parseMaintenance(_ node: Node, components: Set<String>) -> [MaintenanceWindowSpec] {
        guard let seq = node.sequence else {
            reader.error(node, in: file, "maintenance", "expected a list of windows")
            return []
        }
        var out: [MaintenanceWindowSpec] = []
        for (i, item) in seq.enumerated() {
            guard
                let f = Fields(item, reader: reader, file: file, path: "maintenance[\(i)]", allowed: ["components", "start", "duration", "timezone"])
            else { continue }
            _ = f.require("start")
            _ = f.require("duration")
            let names = f.stringList("components") ?? []
            for (j, n) in names.enumerated() where !components.contains(n) {
                reader.error(f.value("components")?.sequence?[j], in: file, f.sub("components") + "[\(j)]", "no component is named \"\(n)\"")
            }
            guard let start = f.string("start"), let duration = f.duration("duration") else { continue }
            guard let (weekday, hour, minute) = Self.parseStart(start) else {
                reader.error(f.value("start"), in: file, f.sub("start"), "expected \"Sun 02:00\" or \"02:00\", got \"\(start)\"")
                continue
            }
            let tz = f.string("timezone") ?? "UTC"
            if TimeZone(identifier: tz) == nil {
                reader.error(f.value("timezone"), in: file, f.sub("timezone"), "unknown time zone \"\(tz)\"")
                continue
            }
            out.append(
                MaintenanceWindowSpec(
                    components: names, weekday: weekday, hour: hour, minute: minute, duration: duration, timezone: tz,
                    location: reader.location(item, file)))
        }
        return out
    }

    static func parseStart(_ s: String) -> (Int?, Int, Int)? {
        let parts = s.split(separator: " ")
        var weekday: Int?
        var time = parts.first.map(String.init) ?? ""
        if parts.count == 2 {
            guard let w = weekdays[String(parts[0].prefix(3)).lowercased()] else { return nil }
            weekday = w
            time = String(parts[1])
        } else if parts.count != 1 {
            return nil
        }
        let hm = time.split(separator: ":")
        guard hm.count == 2, let h = Int(hm[0]), let m = Int(hm[1]), (0..<24).contains(h), (0..<60).contains(m) else { return nil }
        return (weekday, h, m)
    }
}
