import Foundation
import Testing
import VitalsConfig
import VitalsCore

@testable import VitalsAlerting

/// The `ntfy` notifier's JSON publish.
@Suite struct NtfyMessageTests {
    func json(_ n: AlertNotification, priority: Int? = nil) throws -> [String: Any] {
        try #require(
            try JSONSerialization.jsonObject(with: Data(NtfyMessage(n, topic: "ops", priority: priority, context: payloadContext).body())) as? [String: Any])
    }

    @Test func topicURLSplitsIntoServerAndTopic() {
        #expect(NotifierSpec.ntfyTopic(of: "https://ntfy.sh/ops-alerts")! == ("https://ntfy.sh", "ops-alerts"))
        #expect(NotifierSpec.ntfyTopic(of: "http://127.0.0.1:8080/sub/ops_1/")! == ("http://127.0.0.1:8080/sub", "ops_1"))
        #expect(NotifierSpec.ntfyTopic(of: "https://ntfy.sh") == nil)
        #expect(NotifierSpec.ntfyTopic(of: "https://ntfy.sh/a.b") == nil)
        #expect(NotifierSpec.ntfyTopic(of: "https://ntfy.sh/" + String(repeating: "t", count: 65)) == nil)
    }

    @Test func priorityAndTagsByStatusUnlessConfigured() throws {
        let firing = try json(ordersDBFiring)
        #expect(firing["topic"] as? String == "ops")
        #expect(firing["priority"] as? Int == 5 && firing["tags"] as? [String] == ["rotating_light"])
        #expect(firing["title"] as? String == "FIRING: db-down · orders-db healthy → unhealthy")
        #expect(firing["click"] as? String == "https://vitals.example/health/detailed")
        var degraded = ordersDBFiring
        degraded.currentStatus = .degraded
        #expect(try json(degraded)["priority"] as? Int == 4)
        #expect(try json(ordersDBFiring, priority: 2)["priority"] as? Int == 2)
        var resolved = ordersDBFiring
        resolved.status = .resolved
        let r = try json(resolved, priority: 5)
        #expect(r["priority"] as? Int == 3 && r["tags"] as? [String] == ["white_check_mark"])
    }

    @Test func aLongMessageStaysUnderNtfysAttachmentLimit() throws {
        var n = ordersDBFiring
        n.message = String(repeating: "€", count: 5000)
        n.failing = (0..<200).map { FailingComponent(component: "c\($0)", status: .unhealthy, message: String(repeating: "€", count: 300)) }
        let message = try #require(try json(n)["message"] as? String)
        #expect(message.utf8.count <= 4000, "\(message.utf8.count) bytes")
    }
}
