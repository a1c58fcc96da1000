import Foundation
import Yams

/// `service:` and `push_gateway:` — the instance's identity and its own pushes.
extension ConfigParser {
    func parseService(_ node: Node) -> ServiceIdentity {
        var service = ServiceIdentity()
        guard let f = Fields(node, reader: reader, file: file, path: "service", allowed: ["name", "title", "labels"], structured: ["labels"])
        else { return service }
        if let name = f.string("name") {
            if Syntax.isName(name) {
                service.name = name
            } else {
                f.error("name", "not a valid service name (\(Syntax.nameRule))" + f.got("name", name))
            }
        }
        if let title = f.string("title") {
            if title.trimmingCharacters(in: .whitespaces).isEmpty || title.contains(where: \.isNewline) {
                f.error("title", "expected one line of text")
            } else {
                service.title = title
            }
        }
        if let labels = f.value("labels"), !labels.isNull {
            guard let mapping = labels.mapping else {
                f.error("labels", "expected a mapping of label names to values, got \(labels.kindDescription)")
                return service
            }
            for (k, v) in mapping {
                let name = k.scalar?.string ?? ""
                let path = "service.labels.\(Syntax.isPrintableKey(name) ? name : "?")"
                guard ServiceIdentity.isLabelName(name) else {
                    reader.error(k, in: file, path, "\"\(Syntax.isPrintableKey(name) ? name : "?")\" is not a Prometheus label name "
                        + "([a-zA-Z_][a-zA-Z0-9_]*, not starting with __)")
                    continue
                }
                guard !ServiceIdentity.reservedLabels.contains(name) else {
                    reader.error(k, in: file, path, "every alert sets \(name) itself; choose another label name")
                    continue
                }
                guard let value = reader.substitute(v, file: file, path: path) else { continue }
                if value.isEmpty || value.contains(where: \.isNewline) {
                    reader.error(v, in: file, path, "expected a non-empty value on one line (an empty label is no label)")
                    continue
                }
                service.labels[name] = value
            }
        }
        return service
    }

    func parsePushGateway(_ node: Node) -> PushGatewayConfig? {
        guard let f = Fields(node, reader: reader, file: file, path: "push_gateway", allowed: ["url", "job", "interval"]) else { return nil }
        f.require("url")
        var url: Secret?
        if let u = f.secret("url") {
            if let parts = URLComponents(string: u.value), let scheme = parts.scheme?.lowercased(), scheme == "http" || scheme == "https",
                !(parts.host ?? "").isEmpty, parts.query == nil, parts.fragment == nil
            {
                url = u
            } else {
                // Never quoted: the URL may carry a password.
                f.error("url", "expected an http:// or https:// URL with a host and no query, like http://pushgateway:9091")
            }
        }
        var job = PushGatewayConfig.defaultJob
        if let j = f.string("job") {
            if j.isEmpty || j.contains(where: \.isNewline) {
                f.error("job", "expected a job name on one line" + f.got("job", j))
            } else {
                job = j
            }
        }
        let interval = f.duration("interval")
        if let interval, interval < .seconds(1) { f.error("interval", "must be at least 1s") }
        guard let url else { return nil }
        return PushGatewayConfig(
            url: url, job: job, interval: max(interval ?? PushGatewayConfig.defaultInterval, .seconds(1)), location: reader.location(node, file))
    }
}
