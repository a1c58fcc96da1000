import Foundation
import Synchronization
import VitalsTestSupport

/// Clients that pipeline `GET /health/live` back to back and never read the answers (issue 26),
/// each from its own loopback source address with a small receive buffer, on a thread of their
/// own; a connection the server closes is opened again at once, as an attacker would.
/// `Benchmarks/attacks/pipeline_flood.py` is the same attack for the benchmarks.
final class PipelineFlood: Sendable {
    private let state = Mutex<(stop: Bool, sent: Int, reconnects: Int, done: Bool)>((false, 0, 0, false))
    var sent: Int { state.withLock { $0.sent } }
    var reconnects: Int { state.withLock { $0.reconnects } }
    var done: Bool { state.withLock { $0.done } }

    init(port: Int, sources: [String]) {
        Thread.detachNewThread { [self] in
            let request = Array("GET /health/live HTTP/1.1\r\nHost: x\r\n\r\n".utf8)
            let burst = Array(Array(repeating: request, count: 1000).joined())
            var sockets = sources.map { Self.connect(port: port, from: $0) }
            // Where each socket is in the stream of requests: a partial send goes on from there.
            var offsets = sources.map { _ in 0 }
            while !state.withLock({ $0.stop }) {
                var progressed = false
                for i in sockets.indices {
                    guard sockets[i] >= 0 else {
                        sockets[i] = Self.connect(port: port, from: sources[i])
                        offsets[i] = 0
                        state.withLock { $0.reconnects += 1 }
                        continue
                    }
                    let offset = offsets[i]
                    let n = burst.withUnsafeBytes {
                        send(sockets[i], $0.baseAddress! + offset, $0.count - offset, Int32(MSG_NOSIGNAL | MSG_DONTWAIT))
                    }
                    if n > 0 {
                        offsets[i] = (offset + n) % request.count
                        state.withLock { $0.sent += n }
                        progressed = true
                    } else if n < 0, errno != EAGAIN, errno != EWOULDBLOCK {
                        Glibc.close(sockets[i])
                        sockets[i] = -1
                    }
                }
                if !progressed { usleep(2000) }
            }
            for s in sockets where s >= 0 { Glibc.close(s) }
            state.withLock { $0.done = true }
        }
    }

    func stop() { state.withLock { $0.stop = true } }

    /// A socket from `source` to the server with a 4 KiB receive buffer, or -1.
    static func connect(port: Int, from source: String) -> Int32 {
        LoopbackSocket.connect(port: port, from: source, receiveBuffer: 4096)
    }
}

extension VitalsProcess {
    /// The process's resident set (VmRSS in /proc/PID/status), in bytes.
    var residentBytes: Int {
        let status = (try? String(contentsOfFile: "/proc/\(process.processIdentifier)/status", encoding: .utf8)) ?? ""
        guard let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }) else { return 0 }
        return (Int(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "") ?? 0) * 1024
    }
}
