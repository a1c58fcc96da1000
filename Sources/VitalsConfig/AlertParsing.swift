import Foundation
import Yams

/// `alerts:` — rules over the service or a component, naming notifiers.
extension ConfigParser {
    func parseAlerts(_ node: Node, components specs: [ComponentSpec], notifiers: Set<String>) -> [AlertRuleSpec] {
        let components = Set(specs.map(\.name))
        if node.isNull { return [] }
        guard let seq = node.sequence else {
            reader.error(node, in: file, "alerts", "expected a list of alert rules, got \(node.kindDescription)")
            return []
        }
        var out: [AlertRuleSpec] = []
        var seen: Set<String> = []
        for (i, item) in seq.enumerated() {
            let keys = ["name", "on", "when", "for", "repeat", "notify", "severity", "max_per_hour", "inhibit"]
            guard let f = Fields(item, reader: reader, file: file, path: "alerts[\(i)]", allowed: keys, structured: ["name", "notify", "when"]) else { continue }
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
            var threshold: String?
            if let w = f.value("when"), w.mapping != nil {
                (threshold, level) = parseThresholdCondition(w, path: f.sub("when"), subject: subject, components: specs)
            } else if let w = f.string("when") {
                level = AlertRuleSpec.Level(rawValue: w)
                if level == nil { f.error("when", "expected degraded, unhealthy or { threshold: NAME, at: degraded|unhealthy }" + f.got("when", w)) }
            }
            let inhibit = f.bool("inhibit")
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
            if f.has("when"), f.value("when")?.mapping != nil, threshold == nil { continue }
            var rule = AlertRuleSpec(
                name: name, on: subject, when: level, notify: notify, severity: severity, maxPerHour: maxPerHour, threshold: threshold,
                inhibit: inhibit ?? true, location: reader.location(item, file))
            if let forDuration { rule.forDuration = forDuration }
            if let repeatInterval { rule.repeatInterval = repeatInterval }
            out.append(rule)
        }
        return out
    }

    /// `when: { threshold: NAME, at: degraded|unhealthy }`: the threshold must be one the rule's
    /// component has (for `any-component`, one some component has) at that level, or the rule
    /// could never fire.
    private func parseThresholdCondition(
        _ node: Node, path: String, subject: AlertRuleSpec.Subject?, components: [ComponentSpec]
    ) -> (String?, AlertRuleSpec.Level?) {
        guard let f = Fields(node, reader: reader, file: file, path: path, allowed: ["threshold", "at"]) else { return (nil, nil) }
        f.require("threshold")
        var level: AlertRuleSpec.Level? = .degraded
        if let at = f.string("at") {
            level = AlertRuleSpec.Level(rawValue: at)
            if level == nil { f.error("at", "expected degraded or unhealthy" + f.got("at", at)) }
        }
        guard let name = f.string("threshold"), let level, let subject else { return (nil, nil) }
        func has(_ c: ComponentSpec) -> Bool {
            guard let t = c.thresholds[name] else { return false }
            return level == .degraded ? (t.degraded ?? t.unhealthy) != nil : t.unhealthy != nil
        }
        switch subject {
        case .service:
            f.error("threshold", "a threshold rule watches components: set on to a component name or any-component")
            return (nil, nil)
        case .component(let c):
            guard let spec = components.first(where: { $0.name == c }) else { return (nil, nil) }
            guard spec.thresholds[name] != nil else {
                let known = spec.thresholds.byName.keys.sorted()
                var message = "component \(c) has no threshold \(name)"
                message += known.isEmpty ? " (it has no thresholds)" : " (its thresholds: \(known.joined(separator: ", ")))"
                f.error("threshold", message)
                return (nil, nil)
            }
            guard has(spec) else {
                f.error("at", "threshold \(name) of component \(c) has no \(level.rawValue) level")
                return (nil, nil)
            }
        case .anyComponent:
            guard components.contains(where: has) else {
                f.error("threshold", "no component has a threshold \(name) with a \(level.rawValue) level")
                return (nil, nil)
            }
        }
        return (name, level)
    }
}
