import Foundation
import Testing
import VitalsConfig
import VitalsCore

@testable import VitalsAlerting

/// The `opsgenie` notifier's create and close requests.
@Suite struct OpsgenieAlertTests {
    let spec: NotifierSpec = {
        var s = NotifierSpec(name: "genie", kind: .opsgenie, url: Secret("https://api.eu.opsgenie.com/"))
        s.token = Secret("k")
        return s
    }()

    func json(_ bytes: [UInt8]) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any])
    }

    @Test func aFiringCreatesAndAResolveClosesByAliasAtItsOwnAddress() throws {
        let create = try json(PayloadEncoder.body(for: ordersDBFiring, spec: spec, context: payloadContext, now: at(0)))
        #expect(create["alias"] as? String == "vitals/checkout/db-down/orders-db")
        #expect(create["message"] as? String == "orders-db unhealthy: timeout after 2s")
        #expect(create["priority"] as? String == "P1" && create["entity"] as? String == "orders-db")
        #expect((create["details"] as? [String: String])?["message"] == "timeout after 2s")
        #expect(PayloadEncoder.postURL(spec) == "https://api.eu.opsgenie.com/v2/alerts")
        #expect(PayloadEncoder.address(for: ordersDBFiring, spec: spec, context: payloadContext) == nil)

        var resolved = ordersDBFiring
        resolved.status = .resolved
        resolved.currentStatus = .healthy
        let close = try json(PayloadEncoder.body(for: resolved, spec: spec, context: payloadContext, now: at(0)))
        #expect(Set(close.keys) == ["user", "source", "note"])
        #expect(
            PayloadEncoder.address(for: resolved, spec: spec, context: payloadContext)
                == "https://api.eu.opsgenie.com/v2/alerts/vitals%2Fcheckout%2Fdb-down%2Forders-db/close?identifierType=alias")
        // Another notifier's resolve goes where the notifier posts.
        #expect(PayloadEncoder.address(for: resolved, spec: webhook(), context: payloadContext) == nil)
    }

    @Test func priorityIsConfiguredOrBySeverityThenStatus() throws {
        var n = ordersDBFiring
        #expect(try json(OpsgenieAlert.body(n, priority: 4, context: payloadContext))["priority"] as? String == "P4")
        n.severity = "page-someone"
        #expect(try json(OpsgenieAlert.body(n, priority: nil, context: payloadContext))["priority"] as? String == "P2")
        n.currentStatus = .degraded
        #expect(try json(OpsgenieAlert.body(n, priority: nil, context: payloadContext))["priority"] as? String == "P3")
    }

    /// Message 130, description 15,000, 20 tags of 50, details 8,000 in all; a long alias is
    /// cut with a hash, the same every time.
    @Test func everyFieldStaysWithinOpsgeniesLimits() throws {
        var n = ordersDBFiring
        n.subject = String(repeating: "s", count: 600)
        n.message = String(repeating: "m", count: 20000)
        n.failing = (0..<400).map { FailingComponent(component: "c\($0)-" + String(repeating: "x", count: 60), status: .unhealthy, message: String(repeating: "y", count: 400)) }
        var context = payloadContext
        context.service.labels = Dictionary(uniqueKeysWithValues: (0..<30).map { ("label\($0)", String(repeating: "v", count: 80)) })
        let a = OpsgenieAlert(n, priority: nil, context: context)
        #expect(a.message.count <= 130 && a.description.count <= 15000 && a.entity.count <= 512 && a.source.count <= 100)
        #expect(a.tags.count == 20 && a.tags.allSatisfy { $0.count <= 50 })
        #expect(a.details.reduce(0) { $0 + $1.key.count + $1.value.count } <= 8000)
        #expect(a.alias.count == 512 && a.alias == OpsgenieAlert(n, priority: nil, context: context).alias)
        #expect(a.description.contains("…and"))
    }
}
