import Foundation
import Synchronization
import Testing

/// Alerting through the real daemon: a component goes down, a webhook receives `firing`; it
/// comes back, the webhook receives `resolved`; `/alerts` and the metrics show it.
struct AlertingTests {
    @Test func webhookFiresAndResolves() async throws {
        let target = try TCPTarget()
        try target.open()
        let receiver = try WebhookReceiver()
        let body = """
            defaults:
              interval: 200ms
              timeout: 150ms
              failure_threshold: 1
            components:
              - name: target
                type: tcp
                address: "127.0.0.1:\(target.port)"
            notifiers:
              - name: hook
                type: webhook
                url: "http://127.0.0.1:\(receiver.port)/hook"
                timeout: 2s
                headers: { X-Token: "s3cret-header" }
            alerts:
              - name: target-down
                on: target
                when: unhealthy
                for: 0s
                notify: [hook]

            """
        let vitals = try VitalsProcess(configBody: body)
        defer { vitals.stop() }
        try await vitals.waitFor("/health/ready") { s, _ in s == 200 }
        target.close()
        #expect(await receiver.waitFor { $0.contains { $0.contains("\"status\":\"firing\"") } })
        let firing = try #require(receiver.bodies.first { $0.contains("\"status\":\"firing\"") })
        #expect(firing.contains("\"alert\":\"target-down\""))
        #expect(receiver.headers.contains { $0.lowercased().contains("x-token: s3cret-header") })
        let alerts = try await vitals.get("/alerts")
        #expect(alerts.status == 200)
        #expect(alerts.body.contains("target-down"))
        #expect(!alerts.body.contains("s3cret-header"))
        try target.open()
        #expect(await receiver.waitFor { $0.contains { $0.contains("\"status\":\"resolved\"") } })
        let metrics = try await vitals.get("/metrics")
        #expect(metrics.body.contains(#"vitals_alerts_sent_total{notifier="hook",result="success"}"#))
        #expect(receiver.bodies.filter { $0.contains("\"status\":\"firing\"") }.count == 1)
    }
}

/// An HTTP receiver on loopback that answers 200 and records what it was sent.
final class WebhookReceiver: Sendable {
    let port: Int
    private let fd: Int32
    private let received = Mutex<(bodies: [String], headers: [String])>(([], []))

    var bodies: [String] { received.withLock { $0.bodies } }
    var headers: [String] { received.withLock { $0.headers } }

    init() throws {
        port = try FreePort.pick()
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        self.fd = fd
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        addr.sin_port = UInt16(port).bigEndian
        let len = socklen_t(MemoryLayout<sockaddr_in>.size)
        guard withUnsafePointer(to: &addr, { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) } }) == 0,
            listen(fd, 16) == 0
        else { throw POSIXError(.EADDRINUSE) }
        Thread.detachNewThread { [self] in serve() }
    }

    private func serve() {
        while true {
            let c = accept(fd, nil, nil)
            if c < 0 { return }
            var data = [UInt8]()
            var buf = [UInt8](repeating: 0, count: 65536)
            var tv = timeval(tv_sec: 2, tv_usec: 0)
            setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
            // Read the head, then Content-Length bytes of body.
            while true {
                let n = recv(c, &buf, buf.count, 0)
                if n <= 0 { break }
                data += buf[0..<n]
                let text = String(decoding: data, as: UTF8.self)
                if let split = text.range(of: "\r\n\r\n") {
                    let head = String(text[..<split.lowerBound])
                    let length = head.split(separator: "\r\n").first { $0.lowercased().hasPrefix("content-length:") }
                        .flatMap { Int($0.split(separator: ":")[1].trimmingCharacters(in: .whitespaces)) } ?? 0
                    let body = text[split.upperBound...]
                    if body.utf8.count >= length {
                        received.withLock {
                            $0.bodies.append(String(body))
                            $0.headers += head.split(separator: "\r\n").map(String.init)
                        }
                        break
                    }
                }
            }
            let reply = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
            _ = reply.withCString { send(c, $0, strlen($0), Int32(MSG_NOSIGNAL)) }
            Glibc.close(c)
        }
    }

    func waitFor(timeout: Duration = .seconds(15), _ predicate: ([String]) -> Bool) async -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if predicate(bodies) { return true }
            try? await Task.sleep(for: .milliseconds(50))
        }
        return predicate(bodies)
    }

    deinit {
        shutdown(fd, Int32(SHUT_RDWR))
        Glibc.close(fd)
    }
}
