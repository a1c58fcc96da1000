import Foundation
import Testing

/// Bad or hostile requests get a 4xx (or a closed connection), never a crash, and the daemon
/// keeps answering everyone else.
struct HostileRequestTests {
    /// Sends raw bytes and returns what came back before the server closed or 2 s passed.
    static func raw(_ port: Int, _ bytes: [UInt8]) -> String {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { Glibc.close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        addr.sin_port = UInt16(port).bigEndian
        let len = socklen_t(MemoryLayout<sockaddr_in>.size)
        guard withUnsafePointer(to: &addr, { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, len) } }) == 0 else {
            return "connect failed"
        }
        var tv = timeval(tv_sec: 2, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        var offset = 0
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeBytes { send(fd, $0.baseAddress, min($0.count, 65536), Int32(MSG_NOSIGNAL)) }
            if n <= 0 { break }
            offset += n
        }
        var out = [UInt8]()
        var buf = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = recv(fd, &buf, buf.count, 0)
            if n <= 0 { break }
            out += buf[0..<n]
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Slow and trickling clients are in `VitalsServerTests/AbuseTests` (a flood of them).
    @Test func garbageOversizedAndPipelinedRequests() async throws {
        let target = try TCPTarget()
        try target.open()
        let vitals = try VitalsProcess(configBody: "components:\n  - name: t\n    type: tcp\n    address: \"127.0.0.1:\(target.port)\"\n")
        defer { vitals.stop() }
        try await vitals.waitFor("/health/live") { s, _ in s == 200 }

        #expect(Self.raw(vitals.port, Array("NOT HTTP AT ALL\r\n\r\n".utf8)).hasPrefix("HTTP/1.1 400"))
        let hugeHeader = "GET /health/ready HTTP/1.1\r\nHost: x\r\nX-Big: " + String(repeating: "a", count: 200_000) + "\r\n\r\n"
        let answer = Self.raw(vitals.port, Array(hugeHeader.utf8))
        #expect(answer.isEmpty || answer.hasPrefix("HTTP/1.1 4"), "\(answer.prefix(100))")
        let bigBody = "POST /health/ready HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000\r\n\r\n" + String(repeating: "b", count: 1_000_000)
        #expect(Self.raw(vitals.port, Array(bigBody.utf8)).hasPrefix("HTTP/1.1 413"))
        let pipelined = Self.raw(vitals.port, Array("GET /health/live HTTP/1.1\r\nHost: x\r\n\r\nGET /nope HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".utf8))
        #expect(pipelined.hasPrefix("HTTP/1.1 200"))
        #expect(pipelined.contains("HTTP/1.1 404"))
        // Still alive and answering.
        #expect(try await vitals.get("/health/live").status == 200)
        #expect(vitals.process.isRunning)
    }
}
