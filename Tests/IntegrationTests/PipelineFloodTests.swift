import Foundation
import Testing

/// Issue 26: clients that pipeline requests and never read the answers cost their own
/// connections a bounded amount of memory, not the replica.
struct PipelineFloodTests {
    /// Ten such clients from ten loopback addresses for 30 s: the daemon's RSS grows by less than
    /// 50 MB, falls back once they are gone, and `/health/live` answers another client every
    /// time within 1 s meanwhile.
    @Test func pipeliningClientsThatNeverReadCostBoundedMemory() async throws {
        let vitals = try VitalsProcess(configBody: "components:\n  - name: mem\n    type: memory\n")
        defer { vitals.stop() }
        try await vitals.waitFor("/health/live") { s, _ in s == 200 }
        // Warm up the paths the flood takes, then the baseline.
        for _ in 0..<20 { _ = try await vitals.get("/health/live") }
        let baseline = vitals.residentBytes
        let bound = 50 * 1024 * 1024
        let flood = PipelineFlood(port: vitals.port, sources: (2...11).map { "127.0.0.\($0)" })
        defer { flood.stop() }

        var peak = baseline, slowest = Duration.zero, failures: [String] = []
        let end = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < end {
            let started = ContinuousClock.now
            let status = Self.liveStatus(port: vitals.port, timeout: .seconds(1))
            let took = ContinuousClock.now - started
            slowest = max(slowest, took)
            if status != 200 { failures.append("\(status.map(String.init) ?? "no answer") after \(took)") }
            peak = max(peak, vitals.residentBytes)
            // Past the bound the test has failed: stop before the flood takes the machine.
            if peak - baseline >= bound { break }
            try await Task.sleep(for: .milliseconds(200))
        }
        let sent = flood.sent
        flood.stop()
        let floodEnded = ContinuousClock.now
        while !flood.done, ContinuousClock.now < floodEnded + .seconds(5) { try await Task.sleep(for: .milliseconds(10)) }
        #expect(sent > 1_000_000, "the flood sent only \(sent) bytes")
        #expect(peak - baseline < bound, "RSS grew from \(baseline >> 20) MiB to \(peak >> 20) MiB")
        #expect(failures.isEmpty, "\(failures.count) /health/live requests failed: \(failures.prefix(5))")
        #expect(slowest < .seconds(1))

        // Given back: within 10 s of the flood's end, RSS is back within 10 MiB of where it began.
        var after = vitals.residentBytes
        while after - baseline > 10 * 1024 * 1024, ContinuousClock.now < floodEnded + .seconds(10) {
            try await Task.sleep(for: .milliseconds(250))
            after = vitals.residentBytes
        }
        #expect(after - baseline <= 10 * 1024 * 1024, "RSS \(after >> 20) MiB 10 s after the flood, \(baseline >> 20) MiB before")
        print("pipeline flood: sent \(sent >> 20) MiB, \(flood.reconnects) reconnects; RSS \(baseline >> 20) MiB before, peak \(peak >> 20) MiB, \(after >> 20) MiB after; slowest /health/live \(slowest)")
        #expect(try await vitals.get("/health/live").status == 200)
    }

    /// One `GET /health/live` on a fresh connection from 127.0.0.1; the status, or nil if no
    /// answer came within `timeout`.
    static func liveStatus(port: Int, timeout: Duration) -> Int? {
        let fd = PipelineFlood.connect(port: port, from: "127.0.0.1")
        guard fd >= 0 else { return nil }
        defer { Glibc.close(fd) }
        var tv = timeval(tv_sec: Int(timeout.components.seconds), tv_usec: Int(timeout.components.attoseconds / 1_000_000_000_000))
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        let request = Array("GET /health/live HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".utf8)
        guard request.withUnsafeBytes({ send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }) == request.count else { return nil }
        var buffer = [UInt8](repeating: 0, count: 512)
        let n = recv(fd, &buffer, buffer.count, 0)
        guard n >= 12, buffer[0..<9] == Array("HTTP/1.1 ".utf8)[...] else { return nil }
        return Int(String(decoding: buffer[9..<12], as: UTF8.self))
    }
}
