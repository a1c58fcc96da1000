import Foundation
import Yams

/// `alerts:` — rules over the service or a component, naming notifiers.
extension ConfigParser {
    func parseAlerts(_ node: Node, components: Set<String>, notifiers: Set<String>) -> [AlertRuleSpec] {
        if node.isNull { return [] }
        guard let seq = node.sequence else {
            reader.error(node, in: file, "alerts", "expected a list of alert rules, got \(node.kindDescription)")
            return []
        }
        var out: [AlertRuleSpec] = []
        var seen: Set<String> = []
        for (i, item) in seq.enumerated() {
            let keys = ["name", "on", "when", "for", "repeat", "notify", "severity", "max_per_hour"]
            guard let f = Fields(item, reader: reader, file: file, path: "alerts[\(i)]", allowed: keys, structured: ["name", "notify"]) else { continue }
            f.require("name")
            f.require("on")
            f.require("notify")
            let name = f.string("name").flatMap { uniqueName($0, f, &seen, kind: "alert", valid: Syntax.isAlertName, rule: Syntax.alertNameRule) }
            let subject = f.string("on").flatMap { on -> AlertRuleSpec.Subject? in
                switch on {
                case "service": return .service
                case "any-component": return .anyComponent
                case _ where components.contains(on): return .component(on)
                default:
                    var message = "expected service, any-component or a component name; no component is named \"\(on)\""
                    if let near = KeySuggestion.nearest(to: on, in: components) { message += " (did you mean \(near)?)" }
                    f.error("on", message)
                    return nil
                }
            }
            var level: AlertRuleSpec.Level? = .degraded
            if let w = f.string("when") {
                level = AlertRuleSpec.Level(rawValue: w)
                if level == nil { f.error("when", "expected degraded or unhealthy" + f.got("when", w)) }
            }
            let notify = f.stringList("notify")
            if let notify {
                if notify.isEmpty { f.error("notify", "name at least one notifier") }
                for (j, n) in notify.enumerated() where !notifiers.contains(n) {
                    reader.error(f.value("notify")?.sequence?[j], in: file, f.sub("notify") + "[\(j)]", "no notifier is named \"\(n)\"")
                }
            }
            let severity = f.string("severity")
            if let severity, !Syntax.isName(severity) {
                f.error("severity", "expected a word such as critical, warning or info" + f.got("severity", severity))
            }
            let forDuration = f.duration("for", allowZero: true)
            let repeatInterval = f.duration("repeat", allowZero: true)
            let maxPerHour = f.int("max_per_hour", min: 1)
            guard let name, let subject, let level, let notify else { continue }
            var rule = AlertRuleSpec(name: name, on: subject, when: level, notify: notify, severity: severity, maxPerHour: maxPerHour, location: reader.location(item, file))
            if let forDuration { rule.forDuration = forDuration }
            if let repeatInterval { rule.repeatInterval = repeatInterval }
            out.append(rule)
        }
        return out
    }
}
