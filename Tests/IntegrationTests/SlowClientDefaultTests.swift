import Foundation
import Testing
import VitalsTestSupport

/// The slow-client deadlines of a config that sets no server limits, on the real binary
/// (README: a request head must arrive whole within 5 s of its first byte, an idle keep-alive
/// connection closes after 60 s). Nothing shows the deadlines but the connections themselves,
/// so both run at once and the test takes the longer, about a minute.
struct SlowClientDefaultTests {
    /// What a loaded machine may add to a deadline before the close is seen.
    static let slack: Duration = .seconds(2)

    @Test(.timeLimit(.minutes(3)))
    func aConfigWithoutLimitsGetsTheDocumentedDeadlines() async throws {
        let vitals = try VitalsProcess(configBody: "components:\n  - { name: m, type: memory }\n")
        defer { vitals.stop() }
        try await vitals.waitFor("/health/live") { s, _ in s == 200 }
        let port = vitals.port
        // Half a request head, then nothing; a whole request, answered, then nothing.
        async let head = Self.closed(port: port, sending: "GET /health/live HTTP/1.1\r\nHost: x\r\n", within: .seconds(30))
        async let idle = Self.closed(port: port, sending: "GET /health/live HTTP/1.1\r\nHost: x\r\n\r\n", within: .seconds(120))
        let (h, i) = await (head, idle)
        let headClosed = try #require(h.after, "the half-sent head was not closed within 30 s")
        #expect(headClosed >= .milliseconds(4_900) && headClosed < .seconds(5) + Self.slack, "the head's deadline: \(headClosed)")
        #expect(i.received.hasPrefix("HTTP/1.1 200"), "\(i.received.prefix(200))")
        let idleClosed = try #require(i.after, "the idle connection was not closed within 120 s")
        #expect(idleClosed >= .milliseconds(59_900) && idleClosed < .seconds(60) + Self.slack, "the idle deadline: \(idleClosed)")
    }

    /// Connects, sends `text`, reads until the server closes the connection: how long after the
    /// send that was (nil if it was still open at `within`) and what came back. On a thread of
    /// its own, as it blocks.
    static func closed(port: Int, sending text: String, within limit: Duration) async -> (after: Duration?, received: String) {
        await withCheckedContinuation { c in
            Thread {
                let fd = LoopbackSocket.connect(port: port, from: "127.0.0.1")
                guard fd >= 0 else { return c.resume(returning: (nil, "connect failed")) }
                defer { close(fd) }
                let bytes = Array(text.utf8)
                let start = ContinuousClock.now
                guard send(fd, bytes, bytes.count, Int32(MSG_NOSIGNAL)) == bytes.count else { return c.resume(returning: (nil, "send failed")) }
                var received: [UInt8] = []
                var buffer = [UInt8](repeating: 0, count: 4096)
                while start.duration(to: .now) < limit {
                    var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
                    guard poll(&pfd, 1, 200) > 0 else { continue }
                    let n = recv(fd, &buffer, buffer.count, 0)
                    if n <= 0 { return c.resume(returning: (start.duration(to: .now), String(decoding: received, as: UTF8.self))) }
                    received += buffer[0..<n]
                }
                c.resume(returning: (nil, String(decoding: received, as: UTF8.self)))
            }.start()
        }
    }
}
