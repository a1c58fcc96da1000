import Foundation
import Yams

/// `notifiers:` — where alerts go. A notifier's URL and header values are secrets (Slack
/// webhook URLs embed their token): no message quotes them.
extension ConfigParser {
    func parseNotifiers(_ node: Node) -> [NotifierSpec] {
        if node.isNull { return [] }
        guard let seq = node.sequence else {
            reader.error(node, in: file, "notifiers", "expected a list of notifiers, got \(node.kindDescription)")
            return []
        }
        var out: [NotifierSpec] = []
        var seen: Set<String> = []
        for (i, item) in seq.enumerated() {
            let keys = ["name", "type", "url", "timeout", "headers"]
            guard let f = Fields(item, reader: reader, file: file, path: "notifiers[\(i)]", allowed: keys, structured: ["name", "headers"]) else { continue }
            f.require("name")
            f.require("type")
            f.require("url")
            let name = f.string("name").flatMap { uniqueName($0, f, &seen, kind: "notifier") }
            var kind: NotifierSpec.Kind?
            if let type = f.string("type") {
                kind = NotifierSpec.Kind(rawValue: type)
                if kind == nil { f.error("type", "expected \(NotifierSpec.Kind.choices)" + f.got("type", type)) }
            }
            let url = f.secret("url")
            if let url, !Syntax.isHTTPURL(url.value) { f.error("url", "expected an http:// or https:// URL with a host") }
            let timeout = f.duration("timeout")
            let headers = f.secretMap("headers", validName: Syntax.isHeaderName, nameRule: " for a header")
            guard let name, let kind, let url else { continue }
            var spec = NotifierSpec(name: name, kind: kind, url: url, location: reader.location(item, file))
            if let timeout { spec.timeout = timeout }
            if let headers { spec.headers = Dictionary(headers, uniquingKeysWith: { _, b in b }) }
            out.append(spec)
        }
        return out
    }

    /// `name` if well-formed and not used before in its list; records the error if not.
    func uniqueName(
        _ name: String, _ f: Fields, _ seen: inout Set<String>, kind: String,
        valid: (String) -> Bool = Syntax.isName, rule: String = Syntax.nameRule
    ) -> String? {
        guard valid(name) else {
            f.error("name", "\"\(name)\" is not a valid name: \(rule)")
            return nil
        }
        guard seen.insert(name).inserted else {
            f.error("name", "duplicate \(kind) name \(name)")
            return nil
        }
        return name
    }
}
