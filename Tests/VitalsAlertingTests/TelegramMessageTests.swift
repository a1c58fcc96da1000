import Foundation
import Testing
import VitalsConfig
import VitalsCore

@testable import VitalsAlerting

/// The `telegram` notifier's sendMessage body: HTML that probe text cannot open a tag in, within
/// 4,096 characters after entity parsing.
@Suite struct TelegramMessageTests {
    func json(_ n: AlertNotification, chat: String = "-1001234567890") throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(TelegramMessage(n, chatID: chat, context: payloadContext).body())) as? [String: Any])
    }

    /// What Telegram counts: the text with tags removed and entities decoded.
    func plain(_ html: String) -> String {
        html.replacingOccurrences(of: "<[^>]*>", with: "", options: .regularExpression)
            .replacingOccurrences(of: "&lt;", with: "<").replacingOccurrences(of: "&gt;", with: ">")
            .replacingOccurrences(of: "&quot;", with: "\"").replacingOccurrences(of: "&amp;", with: "&")
    }

    @Test func sendMessageFields() throws {
        let body = try json(ordersDBFiring)
        #expect(body["chat_id"] as? Int64 == -1_001_234_567_890)
        #expect(try json(ordersDBFiring, chat: "@ops_alerts")["chat_id"] as? String == "@ops_alerts")
        #expect(body["parse_mode"] as? String == "HTML")
        #expect((body["link_preview_options"] as? [String: Any])?["is_disabled"] as? Bool == true)
        let text = try #require(body["text"] as? String)
        #expect(text.hasPrefix("<b>FIRING: db-down</b>\n"))
        #expect(text.hasSuffix(#"<a href="https://vitals.example/health/detailed">Details</a>"#))
    }

    @Test func probeTextCannotOpenATag() throws {
        var n = ordersDBFiring
        n.message = #"<b>x</b> <a href="https://evil.example">y</a> & &amp; "q""#
        let text = try #require(try json(n)["text"] as? String)
        #expect(text.contains(#"&lt;b&gt;x&lt;/b&gt; &lt;a href=&quot;https://evil.example&quot;&gt;y&lt;/a&gt; &amp; &amp;amp; &quot;q&quot;"#))
        #expect(!text.contains("evil.example\">"))
    }

    @Test func fitsInTelegrams4096AfterParsingEvenWhenEverythingIsLong() throws {
        var n = ordersDBFiring
        n.message = String(repeating: "<&>", count: 3000)
        n.alert = String(repeating: "🚨", count: 400)
        n.failing = (0..<100).map { FailingComponent(component: "c\($0)", status: .unhealthy, message: String(repeating: "&", count: 500)) }
        let text = try #require(try json(n)["text"] as? String)
        #expect(plain(text).utf16.count <= 4096, "\(plain(text).utf16.count)")
        #expect(!text.contains("&am…") && !text.contains("&l…"), "a cut split an entity")
        #expect(text.contains("…and "))
    }

    @Test func retryAfterFromTheBodyAsTelegramAndDiscordSendIt() {
        let now = Date()
        let telegram = Array(#"{"ok":false,"error_code":429,"description":"Too Many Requests: retry after 5","parameters":{"retry_after":5}}"#.utf8)
        #expect(RetryAfter.outcome(status: 429, retryAfter: nil, body: telegram, now: now) == .throttled(status: 429, retryAfter: .seconds(5)))
        let discord = Array(#"{"message":"You are being rate limited.","retry_after":0.64,"global":false}"#.utf8)
        #expect(RetryAfter.outcome(status: 429, retryAfter: nil, body: discord, now: now) == .throttled(status: 429, retryAfter: .milliseconds(640)))
        #expect(RetryAfter.outcome(status: 429, retryAfter: "2", body: telegram, now: now) == .throttled(status: 429, retryAfter: .seconds(2)))
        #expect(RetryAfter.outcome(status: 400, retryAfter: nil, body: telegram, now: now) == .status(400))
        #expect(RetryAfter.outcome(status: 429, retryAfter: nil, body: Array("not json".utf8), now: now) == .status(429))
        #expect(RetryAfter.outcome(status: 429, retryAfter: nil, body: Array(#"{"retry_after":-1}"#.utf8), now: now) == .status(429))
    }
}
