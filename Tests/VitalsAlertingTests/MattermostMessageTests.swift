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
