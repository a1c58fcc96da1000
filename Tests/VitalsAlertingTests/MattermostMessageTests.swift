import Foundation
import Testing
import VitalsConfig
import VitalsCore

@testable import VitalsAlerting

/// The `mattermost` notifier's incoming-webhook post.
@Suite struct MattermostMessageTests {
    func text(_ n: AlertNotification) throws -> String {
        let body = try #require(try JSONSerialization.jsonObject(with: Data(MattermostMessage(n, context: payloadContext).body())) as? [String: Any])
        return try #require(body["text"] as? String)
    }

    @Test func aPostToReadAtAGlance() throws {
        let t = try text(ordersDBFiring)
        #expect(t.hasPrefix("**FIRING: db-down**\ncheckout · `orders-db` healthy → unhealthy · critical\n> timeout after 2s\n"))
        #expect(t.hasSuffix("[Details](https://vitals.example/health/detailed)"))
    }

    @Test func probeTextCannotMentionOrFormat() throws {
        var n = ordersDBFiring
        n.message = "@channel @all @here **x** [l](https://evil.example)"
        let t = try text(n)
        #expect(!t.contains("@channel") && !t.contains("@all") && !t.contains("@here"))
        #expect(t.contains("> @\u{200B}channel @\u{200B}all @\u{200B}here \\*\\*x\\*\\* \\[l\\]\\(https://evil.example\\)"), "\(t)")
    }

    @Test func withinMattermostsPostLimit() throws {
        var n = ordersDBFiring
        n.message = String(repeating: "*", count: 20000)
        n.failing = (0..<300).map { FailingComponent(component: "c\($0)", status: .unhealthy, message: String(repeating: "_", count: 400)) }
        let t = try text(n)
        #expect(t.count <= 16383)
        #expect(t.contains("more\n[Details]"))
    }
}

/// The `google_chat` notifier's message: Chat formatting has no escape, so probe text's
/// markers are broken by a zero-width space.
@Suite struct GoogleChatMessageTests {
    @Test func probeTextCannotFormatLinkOrMention() throws {
        var n = ordersDBFiring
        n.message = "<users/all> *bold* _it_ <https://evil.example|x>"
        n.failing = (0..<300).map { FailingComponent(component: "c\($0)", status: .unhealthy, message: String(repeating: "*", count: 400)) }
        let body = try #require(try JSONSerialization.jsonObject(with: Data(GoogleChatMessage(n, context: payloadContext).body())) as? [String: Any])
        let text = try #require(body["text"] as? String)
        #expect(text.hasPrefix("*FIRING: db-down*\n"))
        #expect(!text.contains("<users/all>") && !text.contains("*bold*") && !text.contains("<https://evil"))
        #expect(text.contains("<\u{200B}users/all> *\u{200B}bold*\u{200B} _\u{200B}it_\u{200B}"), "\(text.prefix(300))")
        #expect(text.utf16.count <= 4096 && text.hasSuffix("<https://vitals.example/health/detailed|Details>"))
    }
}
