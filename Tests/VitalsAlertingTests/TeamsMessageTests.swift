import Foundation
import Testing
import VitalsConfig
import VitalsCore

@testable import VitalsAlerting

/// The `teams` notifier's Workflows webhook body: one Adaptive Card, probe text literal.
@Suite struct TeamsMessageTests {
    func card(_ n: AlertNotification) throws -> (message: [String: Any], card: [String: Any], body: [[String: Any]]) {
        let message = try #require(try JSONSerialization.jsonObject(with: Data(TeamsMessage(n, context: payloadContext).body())) as? [String: Any])
        let attachment = try #require((message["attachments"] as? [[String: Any]])?.first)
        let card = try #require(attachment["content"] as? [String: Any])
        return (message, card, try #require(card["body"] as? [[String: Any]]))
    }

    @Test func aMessageWithOneAdaptiveCard() throws {
        let (message, card, body) = try card(ordersDBFiring)
        #expect(message["type"] as? String == "message")
        let attachment = try #require((message["attachments"] as? [[String: Any]])?.first)
        #expect(attachment["contentType"] as? String == "application/vnd.microsoft.card.adaptive")
        #expect(attachment.keys.contains("contentUrl") && attachment["contentUrl"] is NSNull)
        #expect(card["type"] as? String == "AdaptiveCard" && card["version"] as? String == "1.4")
        #expect(card["$schema"] as? String == "http://adaptivecards.io/schemas/adaptive-card.json")
        #expect(body.first?["text"] as? String == #"FIRING: db-down"# && body.first?["color"] as? String == "Attention")
        let facts = try #require(body[1]["facts"] as? [[String: String]])
        #expect(facts.map { $0["title"] } == ["Service", "Subject", "Status", "Severity", "Since"])
        let action = try #require((card["actions"] as? [[String: Any]])?.first)
        #expect(action["type"] as? String == "Action.OpenUrl" && action["url"] as? String == "https://vitals.example/health/detailed")
    }

    @Test func probeTextIsShownAsTyped() throws {
        var n = ordersDBFiring
        n.message = "**bold** [x](https://evil.example) _it_ # head <at>Everyone</at>"
        let (_, _, body) = try card(n)
        #expect(body[2]["text"] as? String == ##"\*\*bold\*\* \[x\]\(https://evil.example\) \_it\_ \# head \<at\>Everyone\</at\>"##)
    }

    @Test func aHugeFailingListStaysWellUnderTeams28KB() throws {
        var n = ordersDBFiring
        n.message = String(repeating: "ü", count: 10000)
        n.failing = (0..<500).map { FailingComponent(component: "component-\($0)", status: .unhealthy, message: String(repeating: "y", count: 1000)) }
        let bytes = TeamsMessage(n, context: payloadContext).body()
        #expect(bytes.count < 20 * 1024, "\(bytes.count) bytes")
        let (_, _, body) = try card(n)
        let failing = try #require(body[3]["text"] as? String).split(separator: "\n")
        let listed = failing.filter { $0.hasPrefix("- ") }.count
        #expect(listed >= 1 && failing.last == "…and \(500 - listed) more")
    }
}
