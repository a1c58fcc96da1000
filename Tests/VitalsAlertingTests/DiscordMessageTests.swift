import Foundation
import Testing
import VitalsConfig
import VitalsCore

@testable import VitalsAlerting

/// The `discord` notifier's Execute Webhook body: Discord's documented limits, and probe text
/// that cannot format, mention or link.
@Suite struct DiscordMessageTests {
    func json(_ n: AlertNotification) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(DiscordMessage(n, context: payloadContext).body())) as? [String: Any])
    }

    @Test func firingHasContentOneEmbedAndNoMentions() throws {
        let body = try json(ordersDBFiring)
        #expect((body["allowed_mentions"] as? [String: Any])?["parse"] as? [String] == [])
        #expect(body["content"] as? String == #"**FIRING** checkout · db\-down: orders\-db healthy → unhealthy"#)
        let embed = try #require((body["embeds"] as? [[String: Any]])?.first)
        #expect(embed["title"] as? String == #"[FIRING] db\-down"#)
        #expect(embed["url"] as? String == "https://vitals.example/health/detailed")
        #expect(embed["color"] as? Int == 0xE01E5A)
        #expect(embed["timestamp"] as? String == RFC3339.string(at(0)))
        let fields = try #require(embed["fields"] as? [[String: Any]])
        #expect(fields.map { $0["name"] as? String } == ["Service", "Subject", "Status", "Severity", "Failing"])
    }

    @Test func probeTextCannotMentionFormatOrLink() throws {
        var n = ordersDBFiring
        n.message = "@everyone <@123> <@&456> **bold** [x](https://evil.example) `code` ||spoiler|| > quote"
        n.failing = [FailingComponent(component: "orders-db", status: .unhealthy, message: n.message)]
        let text = String(decoding: DiscordMessage(n, context: payloadContext).body(), as: UTF8.self)
        let body = try json(n)
        let embed = try #require((body["embeds"] as? [[String: Any]])?.first)
        let description = try #require(embed["description"] as? String)
        #expect(description == #"\@everyone \<\@123\> \<\@&456\> \*\*bold\*\* \[x\]\(https\://evil.example\) \`code\` \|\|spoiler\|\| \> quote"#)
        #expect(!text.contains("@everyone") || text.contains(#"\\@everyone"#))
    }

    @Test func longTextStaysWithinDiscordsLimitsWithoutSplittingACharacter() throws {
        var n = ordersDBFiring
        // Emoji are two UTF-16 units each (and one Swift character): a cut must not split one.
        n.message = String(repeating: "💥", count: 5000)
        n.alert = String(repeating: "a", count: 400)
        n.failing = (0..<40).map { FailingComponent(component: "c\($0)", status: .unhealthy, message: String(repeating: "x", count: 500)) }
        let body = try json(n)
        #expect((body["content"] as? String).map { $0.utf16.count <= 2000 } == true)
        let embed = try #require((body["embeds"] as? [[String: Any]])?.first)
        let title = try #require(embed["title"] as? String)
        let description = try #require(embed["description"] as? String)
        let fields = try #require(embed["fields"] as? [[String: Any]])
        let footer = try #require((embed["footer"] as? [String: Any])?["text"] as? String)
        #expect(title.utf16.count <= 256 && title.hasSuffix("…"))
        #expect(description.utf16.count <= 4096 && description.hasSuffix("…"))
        #expect(description.dropLast().allSatisfy { $0 == "💥" })
        #expect(fields.count <= 25)
        for f in fields { #expect(((f["value"] as? String)?.utf16.count ?? 0) <= 1024) }
        let total = ([title, description, footer] + fields.flatMap { [$0["name"] as? String ?? "", $0["value"] as? String ?? ""] })
            .reduce(0) { $0 + $1.utf16.count }
        #expect(total <= 6000, "embed text is \(total) UTF-16 units")
        // Whole lines that fit, then the count of the rest: all 40 are accounted for.
        let failing = try #require(fields.last?["value"] as? String).split(separator: "\n")
        let listed = failing.filter { $0.hasPrefix("• ") }.count
        #expect(listed >= 1 && failing.last == "…and \(40 - listed) more", "\(failing)")
    }

    @Test func resolvedIsGreenAndListsNoFailures() throws {
        var n = ordersDBFiring
        n.status = .resolved
        n.previousStatus = .unhealthy
        n.currentStatus = .healthy
        n.endsAt = at(90)
        let embed = try #require((try json(n)["embeds"] as? [[String: Any]])?.first)
        #expect(embed["color"] as? Int == 0x2EB67D)
        #expect(embed["timestamp"] as? String == RFC3339.string(at(90)))
        #expect((embed["fields"] as? [[String: Any]])?.contains { $0["name"] as? String == "Failing" } == false)
    }

    @Test func cutCountsUTF16AndKeepsWholeCharacters() {
        #expect(ChatText.cut("abc", 3) == "abc")
        #expect(ChatText.cut("abcd", 3) == "ab…")
        #expect(ChatText.cut("👍👍👍", 4) == "👍…")
        #expect(ChatText.cut("é́x", 1) == "…")
    }
}
