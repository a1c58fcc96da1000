import Foundation
import Testing
import VitalsIO

/// Badges from a running daemon with sqlite storage: the figures come from the roll-ups in the
/// database (one put there by the test, which this run's own memory never saw, moves the
/// uptime), and revalidation with the ETag is a 304 through the real HTTP server.
struct LiveBadgeTests {
    @Test func uptimeAndLatencyFromStorageAndRevalidation() async throws {
        let target = try TCPTarget()
        try target.open()
        let closed = try FreePort.pick()
        let dir = ScratchFolder()
        defer { dir.remove() }
        let body = StorageTests.watching(target, defaults: "interval: 100ms, timeout: 80ms, failure_threshold: 1", sqlite: "\(dir.path)/vitals.db")
            + "  - { name: down, type: tcp, critical: false, address: \"127.0.0.1:\(closed)\" }\n"
        let vitals = try VitalsProcess(configBody: body)
        defer { vitals.stop() }
        // Once the writer has committed roll-ups for both (it batches for up to 250 ms).
        let up = try await vitals.waitFor("/badge/target/uptime/24h.json") { s, b in s == 200 && b.contains("\"message\":\"100%\"") }
        #expect(jsonObject(up.body)?["color"] as? String == "#40cc11")
        let down = try await vitals.waitFor("/badge/down/uptime/24h.json") { s, b in s == 200 && b.contains("\"message\":\"0%\"") }
        #expect(jsonObject(down.body)?["color"] as? String == "#c7130a")
        // An hour two hours ago, half healthy and half unhealthy, written into the database
        // beside the daemon: only a badge read from storage shows it (about 50% over 24h: this
        // run adds a few healthy seconds); the in-memory figures of this run stay at 100%.
        let hour = (Date().timeIntervalSince1970 / 3600).rounded(.down) * 3600 - 7200
        let db = try SQLiteDatabase(path: "\(dir.path)/vitals.db")
        try db.execute(
            "INSERT INTO rollups (component, period, start, healthy_seconds, unhealthy_seconds, results, failures) VALUES ('target', 'hour', \(hour), 1800, 1800, 3600, 1800)")
        let mixed = try await vitals.waitFor("/badge/target/uptime/24h.json") { s, b in
            s == 200 && (jsonObject(b)?["message"] as? String)?.hasPrefix("50") == true
        }
        #expect(jsonObject(mixed.body)?["color"] as? String != "#40cc11", "\(mixed.body)")
        // A loopback connect takes well under the 50 ms of the first step.
        let latency = try await vitals.get("/badge/target/latency/1h.json")
        let message = try #require(jsonObject(latency.body)?["message"] as? String)
        #expect(message.hasSuffix("ms") && Double(message.dropLast(2)).map { $0 < 50 } == true, "\(message)")
        #expect(jsonObject(latency.body)?["color"] as? String == "#40cc11")

        let svg = try await vitals.get("/badge/down/status.svg")
        #expect(svg.status == 200 && svg.contentType == "image/svg+xml")
        #expect(svg.body.contains("<title>down: unhealthy</title>"))
        let first = HostileRequestTests.raw(vitals.port, Array("GET /badge/down/status.svg HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".utf8))
        #expect(first.hasPrefix("HTTP/1.1 200") && first.lowercased().contains("cache-control: no-cache"))
        let etag = try #require(first.split(separator: "\r\n").first { $0.lowercased().hasPrefix("etag: ") }?.dropFirst(6))
        let again = HostileRequestTests.raw(
            vitals.port, Array("GET /badge/down/status.svg HTTP/1.1\r\nHost: x\r\nIf-None-Match: \(etag)\r\nConnection: close\r\n\r\n".utf8))
        #expect(again.hasPrefix("HTTP/1.1 304"), "\(again)")
        #expect(again.hasSuffix("\r\n\r\n"), "a 304 has no body: \(again)")
        #expect(try await vitals.get("/badge/nope/status.svg").status == 404)
    }
}
