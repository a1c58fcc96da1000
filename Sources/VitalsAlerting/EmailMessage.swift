import Foundation
import VitalsConfig
import VitalsCore

/// The `email` notifier's message (RFC 5322 + MIME): a subject a person can scan
/// (`[FIRING] orders-db unhealthy: timeout after 2s`) and a `multipart/alternative` body with a
/// plain-text part and a short HTML one, both UTF-8 in quoted-printable, so the message is
/// 7-bit clean for any relay and no line passes 76 characters.
///
/// Deterministic for one notification: the same bytes after a retry or a restart, so a relay
/// that saw the first attempt recognises the `Message-ID`. The firing's `Message-ID` names the
/// episode (rule, subject, start); repeats and the resolve refer to it (`In-Reply-To`,
/// `References`), so mail clients thread them together.
public struct EmailMessage: Sendable {
    public var notification: AlertNotification
    public var settings: EmailSettings
    public var context: NotificationContext
    /// A `template` rendered: the subject, the plain-text body, and the body again with its
    /// values HTML-escaped for the HTML part. Nil parts keep the built-in text.
    struct Rendered: Sendable {
        var title: String?
        var text: String?
        var html: String?
    }
    var rendered: Rendered?

    public init(_ n: AlertNotification, settings: EmailSettings, context: NotificationContext) {
        notification = n
        self.settings = settings
        self.context = context
    }

    /// At most this many failing components are listed; a probe message is cut to this many
    /// octets (a failing component's to `maxListedOctets`).
    static let maxListed = 20
    static let maxMessageOctets = 2000
    static let maxListedOctets = 600

    /// The most UTF-8 octets of the Subject (and of the other free-text headers, the alert's
    /// and component's names), ellipsis included: a probe message of 13,000 combining marks
    /// is one character, and would otherwise be a 35 KB header line. 256 octets is past what
    /// any inbox shows, and encodes to at most 6 folded lines.
    public static let maxHeaderOctets = 256

    /// The Subject as a reader sees it once decoded, at most `maxHeaderOctets`.
    public var subject: String {
        if let title = rendered?.title { return Self.cut(AlertNotification.oneLine(title), octets: Self.maxHeaderOctets) }
        return Self.cut("[\(notification.tag)] \(notification.headline)", octets: Self.maxHeaderOctets)
    }

    public func bytes() -> [UInt8] { Array(text().utf8) }

    /// The whole message, CRLF line ends, ASCII only.
    public func text() -> String {
        let n = notification
        let boundary = "=_vitals_" + String(StableHash.of("\(n.alert)/\(n.subject)/\(n.id)/\(n.createdAt.timeIntervalSince1970)"), radix: 16)
        var headers: [(String, String)] = [
            ("Date", Self.date(n.createdAt)),
            ("From", settings.from),
            ("To", Self.folded(settings.to.joined(separator: ", "), used: "To: ".count)),
            ("Subject", Self.encodedWords(subject, used: "Subject: ".count)),
            ("Message-ID", messageID(episode: n.status == .firing && !n.isRepeat)),
        ]
        if n.status == .resolved || n.isRepeat {
            headers += [("In-Reply-To", messageID(episode: true)), ("References", messageID(episode: true))]
        }
        headers += [
            // RFC 3834: vacation responders and ticket systems must not answer.
            ("Auto-Submitted", "auto-generated"),
            ("X-Vitals-Alert", Self.encodedWords(Self.cut(n.alert, octets: Self.maxHeaderOctets), used: "X-Vitals-Alert: ".count)),
            ("X-Vitals-Subject", Self.encodedWords(Self.cut(n.subject, octets: Self.maxHeaderOctets), used: "X-Vitals-Subject: ".count)),
            // Label values are free text: capped and encoded like the others.
            ("X-Vitals-Service", Self.encodedWords(Self.cut(context.service.key, octets: Self.maxHeaderOctets), used: "X-Vitals-Service: ".count)),
            ("X-Vitals-Status", n.status.rawValue),
            ("MIME-Version", "1.0"),
            ("Content-Type", "multipart/alternative; boundary=\"\(boundary)\""),
        ]
        var out = ""
        for (name, value) in headers { out += "\(name): \(value)\r\n" }
        out += "\r\n"
        for (type, body) in [("text/plain", plainBody()), ("text/html", htmlBody())] {
            out += "--\(boundary)\r\n"
            out += "Content-Type: \(type); charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n"
            out += Self.quotedPrintable(body) + "\r\n"
        }
        out += "--\(boundary)--\r\n"
        return out
    }

    /// `<vitals.HASH.START@DOMAIN>` for the episode (its firing); `...START.ID@...` for the others.
    private func messageID(episode: Bool) -> String {
        let n = notification
        let hash = String(StableHash.of("\(context.service.key)/\(n.alert)/\(n.subject)"), radix: 16)
        let start = Int64(n.startsAt.timeIntervalSince1970)
        let domain = settings.from.split(separator: "@").last.map(String.init) ?? "vitals.invalid"
        return episode ? "<vitals.\(hash).\(start)@\(domain)>" : "<vitals.\(hash).\(start).\(n.id)@\(domain)>"
    }

    private var lines: (title: String, facts: [(String, String)], failing: [String], message: String) {
        let n = notification
        var facts: [(String, String)] = [
            ("Alert", n.alert), ("Service", context.service.described), ("Affects", n.subject), ("Status", "\(n.previousStatus.rawValue) → \(n.currentStatus.rawValue)"),
            ("Severity", n.severity), ("Since", RFC3339.string(n.startsAt)),
        ]
        if let end = n.endsAt { facts.append(("Resolved", RFC3339.string(end))) }
        var failing: [String] = []
        // A component's own line would only repeat the message: listed when it adds something.
        if n.status == .firing, n.isService || n.failing.contains(where: { $0.component != n.subject }) {
            failing = n.failing.prefix(Self.maxListed).map { "\($0.component) \($0.status.rawValue): \(Self.cut($0.message, octets: Self.maxListedOctets))" }
            if n.failing.count > Self.maxListed { failing.append("and \(n.failing.count - Self.maxListed) more") }
        }
        return ("[\(n.tag)] \(n.alert): \(n.headline)", facts, failing, Self.cut(n.message, octets: Self.maxMessageOctets))
    }

    func plainBody() -> String {
        if let text = rendered?.text { return text.hasSuffix("\n") ? text : text + "\n" }
        let l = lines
        var out = l.title + "\n\n"
        for (k, v) in l.facts { out += (k + ":").padding(toLength: 10, withPad: " ", startingAt: 0) + v + "\n" }
        if !l.message.isEmpty { out += "\n" + l.message + "\n" }
        if !l.failing.isEmpty { out += "\nFailing:\n" + l.failing.map { "- " + $0 + "\n" }.joined() }
        out += "\nDetails: \(context.detailsURL)\n-- \nVitals (\(context.service.displayName))\n"
        return out
    }

    func htmlBody() -> String {
        if let html = rendered?.html {
            return "<!doctype html><html><body style=\"font-family:sans-serif;white-space:pre-wrap\">\(html)</body></html>"
        }
        let l = lines
        let color = notification.status == .resolved ? "#1a7f37" : (notification.currentStatus == .unhealthy ? "#cf222e" : "#9a6700")
        var out = "<!doctype html><html><body style=\"font-family:sans-serif\">"
        out += "<h2 style=\"color:\(color)\">\(XMLText.escape(l.title))</h2><table>"
        for (k, v) in l.facts { out += "<tr><th align=\"left\">\(XMLText.escape(k))</th><td>\(XMLText.escape(v))</td></tr>" }
        out += "</table>"
        if !l.message.isEmpty { out += "<pre>\(XMLText.escape(l.message))</pre>" }
        if !l.failing.isEmpty { out += "<p>Failing:</p><ul>" + l.failing.map { "<li>\(XMLText.escape($0))</li>" }.joined() + "</ul>" }
        out += "<p><a href=\"\(XMLText.escape(context.detailsURL))\">Details</a> · \(XMLText.escape(context.service.displayName))</p></body></html>"
        return out
    }

    // MARK: Encodings

    /// RFC 2045 quoted-printable of UTF-8 text: lines end in CRLF, none longer than 76
    /// characters (soft breaks `=`), `=`, non-ASCII, control characters and a line's trailing
    /// space or tab as `=XX`.
    static func quotedPrintable(_ text: String) -> String {
        let hex = Array("0123456789ABCDEF".utf8)
        var out: [UInt8] = []
        let lines = text.replacingOccurrences(of: "\r\n", with: "\n").split(separator: "\n", omittingEmptySubsequences: false)
        for (index, line) in lines.enumerated() {
            if index > 0 { out += [13, 10] }
            let bytes = Array(line.utf8)
            var width = 0
            for (i, b) in bytes.enumerated() {
                let last = i == bytes.count - 1
                let literal = (b >= 33 && b <= 126 && b != UInt8(ascii: "=")) || ((b == 32 || b == 9) && !last)
                let piece: [UInt8] = literal ? [b] : [UInt8(ascii: "="), hex[Int(b >> 4)], hex[Int(b & 15)]]
                // Room for the piece and, unless the line ends here, a soft break after it.
                if width + piece.count > (last ? 76 : 75) {
                    out += [UInt8(ascii: "="), 13, 10]
                    width = 0
                }
                out += piece
                width += piece.count
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// At most `octets` of UTF-8, ellipsis included, cut between characters; a single
    /// character too large for the room left (a base and thousands of combining marks) is cut
    /// between its scalars, never inside one's UTF-8 sequence.
    static func cut(_ s: String, octets: Int) -> String {
        guard s.utf8.count > octets else { return s }
        let room = octets - "…".utf8.count
        var out = ""
        var used = 0
        for c in s {
            let size = c.utf8.count
            if used + size <= room {
                out.append(c)
                used += size
                continue
            }
            if size > room {
                for scalar in c.unicodeScalars {
                    let n = String(scalar).utf8.count
                    guard used + n <= room else { break }
                    out.unicodeScalars.append(scalar)
                    used += n
                }
            }
            break
        }
        return out + "…"
    }

    /// A header value for a line that already holds `used` characters (`Subject: `): printable
    /// ASCII as is, folded at spaces so lines stay within 78 characters, when its words allow
    /// it; anything else (non-ASCII, a word too long to fold, text that looks like an encoded
    /// word) as RFC 2047 encoded words (`=?UTF-8?B?...?=`), each at most 75 octets on a line of
    /// its own of at most 76. A word holds whole characters when they fit, else whole scalars:
    /// a UTF-8 sequence is never split (RFC 2047 section 5), and readers join adjacent words.
    static func encodedWords(_ text: String, used: Int) -> String {
        let printable = text.unicodeScalars.allSatisfy { $0.value >= 0x20 && $0.value < 0x7f }
        let foldable = text.split(separator: " ").enumerated().allSatisfy { i, word in word.count + (i == 0 ? used : 1) <= 78 }
        if printable, foldable, !text.contains("=?") { return folded(text, used: used) }
        var words: [String] = []
        var chunk: [UInt8] = []
        // Base64 turns 3 bytes into 4 characters; `=?UTF-8?B?` and `?=` take 12 more.
        func room() -> Int { (76 - (words.isEmpty ? used : 1) - 12) / 4 * 3 }
        func add(_ bytes: [UInt8]) {
            if chunk.count + bytes.count > room(), !chunk.isEmpty {
                words.append("=?UTF-8?B?" + Data(chunk).base64EncodedString() + "?=")
                chunk = []
            }
            chunk += bytes
        }
        for c in text {
            let bytes = Array(String(c).utf8)
            if bytes.count <= room() {
                add(bytes)
            } else {
                for scalar in c.unicodeScalars { add(Array(String(scalar).utf8)) }
            }
        }
        if !chunk.isEmpty { words.append("=?UTF-8?B?" + Data(chunk).base64EncodedString() + "?=") }
        return words.joined(separator: "\r\n ")
    }

    /// Folds before spaces so no line passes 78 characters where a space allows it.
    static func folded(_ text: String, used: Int) -> String {
        var out = ""
        var width = used
        for (i, word) in text.split(separator: " ", omittingEmptySubsequences: false).enumerated() {
            if i > 0 {
                if width + 1 + word.count > 78 && width > 1 {
                    out += "\r\n"
                    width = 0
                }
                out += " "
                width += 1
            }
            out += word
            width += word.count
        }
        return out
    }

    /// RFC 5322 date in UTC: `Sun, 22 Nov 2026 10:00:30 +0000`.
    static func date(_ d: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let c = calendar.dateComponents([.weekday, .day, .month, .year, .hour, .minute, .second], from: d)
        let days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        func two(_ v: Int?) -> String { String(format: "%02d", v ?? 0) }
        return "\(days[(c.weekday ?? 1) - 1]), \(two(c.day)) \(months[(c.month ?? 1) - 1]) \(c.year ?? 1970) "
            + "\(two(c.hour)):\(two(c.minute)):\(two(c.second)) +0000"
    }
}
