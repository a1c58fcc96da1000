import Foundation
import Yams

/// `notifiers:` — where alerts go. A notifier's URL, header values, SMTP password and PagerDuty
/// routing key are secrets (Slack webhook URLs embed their token): no message quotes them.
extension ConfigParser {
    /// Each type's keys besides `name`, `type` and `timeout`; every one of them but the
    /// structured ones (`headers`, `to`, `tls`) also has a `K_file` form.
    static let notifierKeys: [NotifierSpec.Kind: [String]] = [
        .webhook: ["url", "headers"], .slack: ["url", "headers"], .alertmanager: ["url", "headers"],
        .email: ["url", "from", "to", "username", "password", "tls"],
        .pagerduty: ["url", "routing_key"],
        .log: [],
        .discord: ["url"], .teams: ["url"], .mattermost: ["url"], .googleChat: ["url"],
        .telegram: ["url", "bot_token", "chat_id"],
        .ntfy: ["url", "token", "priority"],
        .pushover: ["url", "token", "user"],
        .opsgenie: ["url", "api_key", "priority"],
    ]

    func parseNotifiers(_ node: Node) -> [NotifierSpec] {
        if node.isNull { return [] }
        guard let seq = node.sequence else {
            reader.error(node, in: file, "notifiers", "expected a list of notifiers, got \(node.kindDescription)")
            return []
        }
        var out: [NotifierSpec] = []
        var seen: Set<String> = []
        for (i, item) in seq.enumerated() {
            let path = "notifiers[\(i)]"
            // The type decides which keys are allowed, so it is read first; while it is unknown
            // every notifier key is allowed, and only the type is reported.
            let (type, typeNode) = peekType(item, path: path)
            let kind = type.flatMap(NotifierSpec.Kind.init(rawValue:))
            if let type, kind == nil {
                reader.error(typeNode, in: file, path + ".type", "expected \(NotifierSpec.Kind.choices), got \"\(type)\"")
            }
            let own = kind.map { Self.notifierKeys[$0] ?? [] } ?? Array(Set(Self.notifierKeys.values.joined())).sorted()
            guard
                let f = Fields(
                    item, reader: reader, file: file, path: path, allowed: ["name", "type", "timeout", "template"] + own,
                    structured: ["name", "type", "headers", "to", "tls", "template"])
            else { continue }
            f.require("name")
            if type == nil { f.require("type") }
            let name = f.string("name").flatMap { uniqueName($0, f, &seen, kind: "notifier") }
            let timeout = f.duration("timeout")
            let template = f.value("template").flatMap { parseTemplate($0, path: f.sub("template"), kind: kind) }
            guard let kind else { continue }
            guard let parsed = parseNotifierTarget(f, kind: kind), let name else { continue }
            var spec = NotifierSpec(
                name: name, kind: kind, url: parsed.url, email: parsed.email, routingKey: parsed.routingKey,
                location: reader.location(item, file))
            if let timeout { spec.timeout = timeout }
            spec.token = parsed.token
            spec.chatID = parsed.chatID
            spec.priority = parsed.priority
            spec.template = template
            if let headers = parsed.headers { spec.headers = Dictionary(headers, uniquingKeysWith: { _, b in b }) }
            out.append(spec)
        }
        return out
    }

    /// `template: {title, body}`: each part compiled and tried on the sample contexts; a part
    /// that fails is an error at its own line and column in the file.
    private func parseTemplate(_ node: Node, path: String, kind: NotifierSpec.Kind?) -> NotificationTemplate? {
        guard let f = Fields(node, reader: reader, file: file, path: path, allowed: ["title", "body"], structured: ["title", "body"]) else { return nil }
        if !f.has("title") && !f.has("body") { reader.error(node, in: file, path, "expected title, body or both") }
        func part(_ key: String) -> NotificationTemplate.Part? {
            guard let value = f.value(key), let text = f.string(key) else { return nil }
            let markup = kind == .telegram ? TelegramHTML.problem(in:) : nil
            switch NotificationTemplate.compile(text, at: position(of: value, path: f.sub(key)), markup: markup) {
            case .success(let part): return part
            case .failure(let error):
                reader.error(at: error.location, error.path, error.message)
                return nil
            }
        }
        let (title, body) = (part("title"), part("body"))
        guard title != nil || body != nil else { return nil }
        return NotificationTemplate(title: title, body: body)
    }

    /// Where a scalar's text begins: see `TemplatePosition`.
    private func position(of node: Node, path: String) -> TemplatePosition {
        let start = reader.location(node, file)
        let style = node.scalar?.style
        var indent: Int?
        if style == .literal || style == .folded, let text = reader.texts[file] {
            // The first non-blank line after the indicator sets the block's indentation.
            let lines = text.split(separator: "\n", omittingEmptySubsequences: false).dropFirst(start.line)
            if let first = lines.first(where: { !$0.allSatisfy(\.isWhitespace) }) { indent = first.prefix { $0 == " " }.count }
        }
        return TemplatePosition(start: start, path: path, blockIndent: indent, quoted: style == .singleQuoted || style == .doubleQuoted)
    }

    /// `type` as written (after `${VAR}` substitution), and its node for errors.
    private func peekType(_ item: Node, path: String) -> (String?, Node?) {
        guard let mapping = item.mapping else { return (nil, nil) }
        // Merge errors are reported once, by `Fields`.
        let pairs = Fields.expandingMerges(mapping, reader: YAMLReader(environment: [:]), file: file, path: path)
        guard let node = pairs.first(where: { $0.0.scalar?.string == "type" })?.1 else { return (nil, nil) }
        return (reader.substitute(node, file: file, path: path + ".type"), node)
    }

    private struct NotifierTarget {
        var url: Secret
        var headers: [(String, Secret)]?
        var email: EmailSettings?
        var routingKey: Secret?
        var token: Secret?
        var chatID: String?
        var priority: Int?
    }

    /// Where a notifier of `kind` sends, and how; nil when something required is missing or bad
    /// (the error is recorded).
    private func parseNotifierTarget(_ f: Fields, kind: NotifierSpec.Kind) -> NotifierTarget? {
        switch kind {
        case .webhook, .slack, .alertmanager, .discord, .teams, .mattermost, .googleChat:
            f.require("url")
            let url = f.secret("url")
            if let url, !Syntax.isHTTPURL(url.value) { f.error("url", "expected an http:// or https:// URL with a host") }
            let headers = f.secretMap("headers", validName: Syntax.isHeaderName, nameRule: " for a header")
            guard let url, Syntax.isHTTPURL(url.value) else { return nil }
            return NotifierTarget(url: url, headers: headers)
        case .pagerduty:
            // The public Events API unless a test (or a proxy) says otherwise.
            let url = f.secret("url") ?? Secret(NotifierSpec.pagerDutyEventsURL)
            if !Syntax.isHTTPURL(url.value) { f.error("url", "expected an http:// or https:// URL with a host") }
            f.require("routing_key")
            let key = f.secret("routing_key")
            if let key, key.value.isEmpty { f.error("routing_key", "must not be empty") }
            guard let key, !key.value.isEmpty, Syntax.isHTTPURL(url.value) else { return nil }
            return NotifierTarget(url: url, routingKey: key)
        case .telegram:
            let url = f.secret("url") ?? Secret(NotifierSpec.telegramAPIURL)
            if !Syntax.isHTTPURL(url.value) { f.error("url", "expected an http:// or https:// URL with a host") }
            f.require("bot_token")
            f.require("chat_id")
            // The token goes in the request path (`/bot<token>/sendMessage`).
            let token = f.secret("bot_token")
            let tokenOK = token.map { !$0.value.isEmpty && $0.value.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "_-:".contains($0)) } }
            if tokenOK == false { f.error("bot_token", "expected a bot token as @BotFather gives it (digits, a colon, letters, digits, - and _)") }
            let chat = f.string("chat_id")
            let chatOK = chat.map { c in
                (c.first == "@" && c.count > 1 && c.dropFirst().allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") })
                    || (Int64(c) != nil)
            }
            if let chat, chatOK == false { f.error("chat_id", "expected a chat id (-1001234567890) or a channel's @username" + f.got("chat_id", chat)) }
            guard let token, tokenOK == true, let chat, chatOK == true, Syntax.isHTTPURL(url.value) else { return nil }
            return NotifierTarget(url: url, token: token, chatID: chat)
        case .ntfy:
            f.require("url")
            let url = f.secret("url")
            // The topic is the last path segment: `https://ntfy.sh/ops-alerts`.
            let topicOK = url.map { Syntax.isHTTPURL($0.value) && NotifierSpec.ntfyTopic(of: $0.value) != nil }
            if topicOK == false {
                f.error("url", "expected the topic's URL, http(s)://SERVER/TOPIC (a topic is 1 to 64 letters, digits, - and _)")
            }
            let token = f.secret("token")
            if let token, token.value.isEmpty || token.value.contains(where: { $0.isWhitespace || $0.isNewline }) {
                f.error("token", "expected an access token (tk_...) without spaces")
            }
            var priority: Int?
            if let text = f.string("priority") {
                priority = Int(text)
                if priority.map({ !(1...5).contains($0) }) ?? true { f.error("priority", "expected 1 (min) to 5 (max)" + f.got("priority", text)) }
            }
            guard let url, topicOK == true, priority.map({ (1...5).contains($0) }) ?? !f.has("priority") else { return nil }
            return NotifierTarget(url: url, token: token, priority: priority)
        case .pushover:
            let url = f.secret("url") ?? Secret(NotifierSpec.pushoverURL)
            if !Syntax.isHTTPURL(url.value) { f.error("url", "expected an http:// or https:// URL with a host") }
            f.require("token")
            f.require("user")
            // Both are 30 letters and digits (the application's API token, the user or group key).
            func key(_ name: String) -> Secret? {
                guard let value = f.secret(name) else { return nil }
                guard value.value.count == 30, value.value.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber) }) else {
                    f.error(name, "expected a 30-character Pushover key (letters and digits)")
                    return nil
                }
                return value
            }
            let token = key("token")
            let user = key("user")
            guard let token, let user, Syntax.isHTTPURL(url.value) else { return nil }
            return NotifierTarget(url: url, token: token, chatID: user.value)
        case .opsgenie:
            let url = f.secret("url") ?? Secret(NotifierSpec.opsgenieAPIURL)
            if !Syntax.isHTTPURL(url.value) { f.error("url", "expected the API's base URL, https://api.opsgenie.com or https://api.eu.opsgenie.com") }
            f.require("api_key")
            // Goes in a header (`Authorization: GenieKey KEY`): no spaces or line breaks.
            let key = f.secret("api_key")
            let keyOK = key.map { !$0.value.isEmpty && $0.value.utf8.allSatisfy { (0x21..<0x7F).contains($0) } }
            if keyOK == false { f.error("api_key", "expected an API key (an integration's key, a UUID): printable ASCII, no spaces") }
            var priority: Int?
            if let text = f.string("priority") {
                let digits = text.uppercased().hasPrefix("P") ? String(text.dropFirst()) : ""
                priority = Int(digits).flatMap { (1...5).contains($0) ? $0 : nil }
                if priority == nil { f.error("priority", "expected P1 (critical) to P5 (informational)" + f.got("priority", text)) }
            }
            guard let key, keyOK == true, Syntax.isHTTPURL(url.value), priority != nil || !f.has("priority") else { return nil }
            return NotifierTarget(url: url, token: key, priority: priority)
        case .email:
            return parseEmailTarget(f)
        case .log:
            return NotifierTarget(url: Secret(""))
        }
    }

    private func parseEmailTarget(_ f: Fields) -> NotifierTarget? {
        var ok = true
        f.require("url")
        let url = f.secret("url")
        if let url, !Syntax.isSMTPURL(url.value) {
            f.error("url", "expected an smtp:// or smtps:// URL with a host (smtps:// is TLS from the first byte)")
            ok = false
        }
        f.require("from")
        let from = f.string("from")
        if let from, !Syntax.isMailAddress(from) {
            f.error("from", "expected an address such as vitals@example.com" + f.got("from", from))
            ok = false
        }
        f.require("to")
        let to = f.stringList("to")
        if let to {
            if to.isEmpty {
                f.error("to", "expected at least one address")
                ok = false
            }
            for (i, address) in to.enumerated() where !Syntax.isMailAddress(address) {
                reader.error(
                    f.value("to")?.sequence?[i], in: file, f.sub("to") + "[\(i)]",
                    "expected an address such as oncall@example.com, got \"\(address)\"")
                ok = false
            }
        }
        let username = f.string("username")
        let password = f.secret("password")
        if f.has("username") != f.has("password") {
            reader.error(f.node, in: file, f.path, "username and password go together (password_file works too)")
            ok = false
        }
        let tls = f.value("tls").flatMap { parseTLS($0, path: f.sub("tls"), file: file) }
        guard ok, let url, let from, let to else { return nil }
        return NotifierTarget(
            url: url, email: EmailSettings(from: from, to: to, username: username, password: password, tls: tls ?? TLSSettings()))
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
