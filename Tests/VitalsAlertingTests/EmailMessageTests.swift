import Foundation
import Testing
import VitalsConfig
import VitalsCore

@testable import VitalsAlerting

/// The `email` notifier's message as a mail client reads it. (The integration tests hand the
/// same bytes through libcurl to a real SMTP server and read them back with Python's parser.)
@Suite struct EmailMessageTests {
    let context = payloadContext
    let settings = EmailSettings(from: "vitals@example.com", to: ["oncall@example.com", "dba@example.com"])
    let firing = ordersDBFiring

    /// Headers (unfolded) and the decoded text of each part.
    struct Parsed {
        var headers: [String: String] = [:]
        var parts: [String: String] = [:]
    }

    func parse(_ text: String) throws -> Parsed {
        var p = Parsed()
        let split = try #require(text.range(of: "\r\n\r\n"))
        let head = text[..<split.lowerBound].replacingOccurrences(of: "\r\n ", with: " ")
        for line in head.components(separatedBy: "\r\n") {
            let colon = try #require(line.firstIndex(of: ":"), "not a header line: \(line)")
            p.headers[String(line[..<colon])] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        let type = try #require(p.headers["Content-Type"])
        let boundary = try #require(type.components(separatedBy: "boundary=\"").last?.dropLast())
        for part in text[split.upperBound...].components(separatedBy: "--\(boundary)").dropFirst() where !part.hasPrefix("--") {
            let body = try #require(part.range(of: "\r\n\r\n"))
            let partHead = part[..<body.lowerBound]
            let contentType = try #require(partHead.components(separatedBy: "Content-Type: ").last?.components(separatedBy: ";").first)
            #expect(partHead.contains("Content-Transfer-Encoding: quoted-printable"))
            p.parts[contentType] = Self.decodeQuotedPrintable(String(part[body.upperBound...]))
        }
        return p
    }

    /// RFC 2045 §6.7, as a reader applies it.
    static func decodeQuotedPrintable(_ s: String) -> String {
        let bytes = Array(s.replacingOccurrences(of: "=\r\n", with: "").utf8)
        var out: [UInt8] = []
        var i = 0
        while i < bytes.count {
            if bytes[i] == UInt8(ascii: "="), i + 2 < bytes.count, let v = UInt8(String(decoding: bytes[(i + 1)...(i + 2)], as: UTF8.self), radix: 16) {
                out.append(v)
                i += 3
            } else {
                out.append(bytes[i])
                i += 1
            }
        }
        return String(decoding: out, as: UTF8.self).replacingOccurrences(of: "\r\n", with: "\n")
    }

    /// `=?UTF-8?B?...?=` words back to text.
    static func decodeWords(_ s: String) -> String {
        s.components(separatedBy: " ").map { word in
            guard word.hasPrefix("=?UTF-8?B?"), word.hasSuffix("?="), let data = Data(base64Encoded: String(word.dropFirst(10).dropLast(2))) else {
                return word
            }
            return String(decoding: data, as: UTF8.self)
        }.joined()
    }

    @Test func aSubjectAPersonCanScanAndTheFactsInBothParts() throws {
        var n = firing
        n.failing.append(FailingComponent(component: "orders-cache", status: .degraded, message: "slow & <late>"))
        let text = EmailMessage(n, settings: settings, context: context).text()
        let m = try parse(text)
        #expect(m.headers["Subject"] == "[FIRING] orders-db unhealthy: timeout after 2s")
        #expect(m.headers["From"] == "vitals@example.com")
        #expect(m.headers["To"] == "oncall@example.com, dba@example.com")
        #expect(m.headers["Date"] == EmailMessage.date(at(0)))
        #expect(m.headers["MIME-Version"] == "1.0")
        #expect(m.headers["Auto-Submitted"] == "auto-generated")
        #expect(m.headers["Content-Type"]?.hasPrefix("multipart/alternative; boundary=") == true)
        #expect(m.headers["Message-ID"]?.hasSuffix("@example.com>") == true)
        #expect(m.headers["In-Reply-To"] == nil)
        let plain = try #require(m.parts["text/plain"])
        #expect(plain.hasPrefix("[FIRING] db-down: orders-db unhealthy: timeout after 2s\n"))
        for fact in ["Severity: critical", "healthy → unhealthy", "Since:    \(RFC3339.string(at(0)))", "Failing:\n- orders-db unhealthy: timeout after 2s\n- orders-cache degraded: slow & <late>\n",
            "Details: https://vitals.example/health/detailed"]
        {
            #expect(plain.contains(fact), "\(fact) is not in:\n\(plain)")
        }
        let html = try #require(m.parts["text/html"])
        #expect(html.contains("<a href=\"https://vitals.example/health/detailed\">Details</a>"))
        #expect(html.contains("healthy → unhealthy") && html.contains("<li>orders-db unhealthy: timeout after 2s</li><li>orders-cache degraded: slow &amp; &lt;late&gt;</li>"))
        // Only its own line: nothing a reader has not seen in the message.
        let alone = try #require(try parse(EmailMessage(firing, settings: settings, context: context).text()).parts["text/plain"])
        #expect(!alone.contains("Failing:") && alone.contains("\ntimeout after 2s\n"))
        #expect(html.count < 2000, "the HTML part is meant to be short")
    }

    @Test func sevenBitCRLFAndShortLinesWhateverTheText() throws {
        var n = firing
        n.message = "délai dépassé après 2 s — " + String(repeating: "x=y ", count: 60) + "\n second line\twith tab \u{0}"
        let text = EmailMessage(n, settings: settings, context: context).text()
        #expect(text.utf8.allSatisfy { $0 < 0x80 }, "not 7-bit")
        #expect(!text.replacingOccurrences(of: "\r\n", with: "").contains("\n") && !text.replacingOccurrences(of: "\r\n", with: "").contains("\r"))
        for line in text.components(separatedBy: "\r\n") { #expect(line.utf8.count <= 78, "\(line.utf8.count): \(line)") }
        // A long ASCII subject is folded at spaces instead.
        var ascii = firing
        ascii.message = String(repeating: "connection refused ", count: 8) + "at last"
        let folded = EmailMessage(ascii, settings: settings, context: context).text()
        for line in folded.components(separatedBy: "\r\n") { #expect(line.utf8.count <= 78, "\(line.utf8.count): \(line)") }
        #expect(try parse(folded).headers["Subject"] == EmailMessage(ascii, settings: settings, context: context).subject)
        let m = try parse(text)
        let plain = try #require(m.parts["text/plain"])
        #expect(plain.contains("délai dépassé après 2 s — x=y x=y"))
        // A non-ASCII subject in RFC 2047 words, whole characters in each.
        let subject = try #require(m.headers["Subject"])
        #expect(subject.hasPrefix("=?UTF-8?B?"))
        #expect(Self.decodeWords(subject).hasPrefix("[FIRING] orders-db unhealthy: délai dépassé après 2 s — x=y"))
        #expect(Self.decodeWords(subject).count <= 210)
    }

    /// A probe message of one letter and 13,000 combining marks (one character, 26 KB of
    /// UTF-8), emoji, one long ASCII word, many short ones: the Subject is cut at
    /// `maxHeaderOctets` with an ellipsis, said in encoded words of at most 75 octets on lines of
    /// at most 76 (no header line near RFC 5322's 998), each word whole UTF-8 on its own.
    @Test(arguments: [
        "e" + String(repeating: "\u{301}", count: 13_000),
        String(repeating: "🚨 timeout 👨‍👩‍👧‍👦 ", count: 60),
        String(repeating: "x", count: 5000),
        String(repeating: "connection refused ", count: 100),
        "ok =?UTF-8?B?QmNjOiB4?= looks encoded",
    ])
    func subjectIsCappedInOctetsAndFolded(message: String) throws {
        var n = firing
        n.message = message
        let email = EmailMessage(n, settings: settings, context: context)
        let text = email.text()
        #expect(text.utf8.allSatisfy { $0 < 0x80 }, "not 7-bit")
        let head = try #require(text.components(separatedBy: "\r\n\r\n").first)
        for line in head.components(separatedBy: "\r\n") { #expect(line.utf8.count <= 78, "\(line.utf8.count): \(line.prefix(100))") }

        #expect(email.subject.utf8.count <= EmailMessage.maxHeaderOctets)
        #expect(email.subject.hasPrefix("[FIRING] orders-db unhealthy: "))
        if "[FIRING] orders-db unhealthy: \(message)".utf8.count > EmailMessage.maxHeaderOctets { #expect(email.subject.hasSuffix("…")) }
        let subject = try #require(try parse(text).headers["Subject"])
        let words = subject.components(separatedBy: " ")
        if subject.hasPrefix("=?") {
            for word in words {
                #expect(word.utf8.count <= 75, "an encoded word of \(word.utf8.count) octets")
                let payload = try #require(Data(base64Encoded: String(word.dropFirst(10).dropLast(2))), "\(word)")
                #expect(String(validating: payload, as: UTF8.self) != nil, "a UTF-8 sequence split across words: \(word)")
            }
            #expect(Self.decodeWords(subject) == email.subject)
        } else {
            #expect(subject == email.subject)
        }
        #expect(head.components(separatedBy: "\r\n").count < 30, "the header block stays short")
    }

    @Test func cutKeepsWholeCharactersElseWholeScalars() {
        #expect(EmailMessage.cut("abc", octets: 3) == "abc")
        #expect(EmailMessage.cut("abcdef", octets: 5) == "ab…")
        // "é" is two octets: it does not fit in the one left, and is not split.
        #expect(EmailMessage.cut("aééé", octets: 5) == "a…")
        // One character larger than the whole room: cut between its scalars.
        let marks = "e" + String(repeating: "\u{301}", count: 100)
        let cut = EmailMessage.cut(marks, octets: 10)
        #expect(cut.unicodeScalars.map(\.value) == [0x65, 0x301, 0x301, 0x301, 0x2026])
        #expect(cut.utf8.count == 10)
    }

    @Test func probeTextCannotAddHeadersOrMarkup() throws {
        var n = firing
        n.message = "refused\r\nBcc: everyone@example.net\r\n\r\n<script>alert(1)</script>"
        let text = EmailMessage(n, settings: settings, context: context).text()
        let m = try parse(text)
        #expect(m.headers["Bcc"] == nil)
        #expect(m.headers["Subject"]?.hasPrefix("[FIRING] orders-db unhealthy: refused  Bcc: everyone@example.net") == true)
        let html = try #require(m.parts["text/html"])
        #expect(!html.contains("<script>") && html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"))
    }

    @Test func repeatsAndTheResolveThreadUnderTheFiring() throws {
        let first = try parse(EmailMessage(firing, settings: settings, context: context).text())
        var again = firing
        again.id = 2
        again.isRepeat = true
        again.createdAt = at(3600)
        let repeatMail = try parse(EmailMessage(again, settings: settings, context: context).text())
        #expect(repeatMail.headers["Subject"]?.hasPrefix("[STILL FIRING] orders-db unhealthy") == true)
        var resolved = firing
        resolved.id = 3
        resolved.status = .resolved
        resolved.previousStatus = .unhealthy
        resolved.currentStatus = .healthy
        resolved.message = ""
        resolved.endsAt = at(4000)
        resolved.createdAt = at(4000)
        let end = try parse(EmailMessage(resolved, settings: settings, context: context).text())
        #expect(end.headers["Subject"] == "[RESOLVED] orders-db recovered: healthy")
        #expect(try #require(end.parts["text/plain"]).contains("Resolved: \(RFC3339.string(at(4000)))"))
        let root = try #require(first.headers["Message-ID"])
        for mail in [repeatMail, end] {
            #expect(mail.headers["In-Reply-To"] == root && mail.headers["References"] == root)
            #expect(mail.headers["Message-ID"] != root)
        }
        // The same notification makes the same bytes: a retry is recognisably the same mail.
        #expect(EmailMessage(again, settings: settings, context: context).text() == EmailMessage(again, settings: settings, context: context).text())
    }

    @Test func aServiceAlertNamesWhatFails() throws {
        var n = firing
        n.subject = "service"
        n.isService = true
        n.currentStatus = .degraded
        n.message = ""
        n.failing = (1...5).map { FailingComponent(component: "c\($0)", status: .unhealthy, message: "down") }
        #expect(EmailMessage(n, settings: settings, context: context).subject == "[FIRING] service degraded: c1 unhealthy, c2 unhealthy, c3 unhealthy and 2 more")
    }

    @Test func quotedPrintableEdges() {
        #expect(EmailMessage.quotedPrintable("a=b") == "a=3Db")
        #expect(EmailMessage.quotedPrintable("end \nnext\t") == "end=20\r\nnext=09")
        #expect(EmailMessage.quotedPrintable("é") == "=C3=A9")
        let long = EmailMessage.quotedPrintable(String(repeating: "é", count: 40))
        #expect(long.components(separatedBy: "\r\n").allSatisfy { $0.count <= 76 })
        #expect(Self.decodeQuotedPrintable(long) == String(repeating: "é", count: 40))
        #expect(EmailMessage.date(Date(timeIntervalSince1970: 1_795_000_000)) == "Wed, 18 Nov 2026 11:06:40 +0000")
    }
}
