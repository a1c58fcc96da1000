import Foundation
import VitalsTestSupport

/// A TCP client on a raw socket, from a chosen loopback address (all of 127/8 is local on
/// Linux, so each address is a separate "client" to the server), for the abuse tests: it can
/// trickle bytes, hold a connection open, and tell whether the server closed it.
final class RawClient {
    let fd: Int32

    init?(port: Int, from source: String = "127.0.0.1") {
        fd = LoopbackSocket.connect(port: port, from: source)
        guard fd >= 0 else { return nil }
    }

    deinit { Glibc.close(fd) }

    /// False once the server has closed or reset the connection.
    @discardableResult
    func send(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        return bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) } == bytes.count
    }

    /// Reads until the server closes, `until` is seen, or `timeout` passes; `closed` says which.
    func read(until marker: String? = nil, timeout: Duration) -> (text: String, closed: Bool) {
        let deadline = ContinuousClock.now + timeout
        var out = [UInt8]()
        var buffer = [UInt8](repeating: 0, count: 16 * 1024)
        while ContinuousClock.now < deadline {
            let left = ContinuousClock.now.duration(to: deadline)
            var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let ms = Int32(max(1, left.components.seconds * 1000 + left.components.attoseconds / 1_000_000_000_000_000))
            guard poll(&p, 1, ms) > 0 else { continue }
            let n = recv(fd, &buffer, buffer.count, 0)
            if n <= 0 { return (String(decoding: out, as: UTF8.self), true) }
            out += buffer[0..<n]
            if let marker, String(decoding: out, as: UTF8.self).contains(marker) { break }
        }
        return (String(decoding: out, as: UTF8.self), false)
    }

    /// True if the server has closed the connection (without waiting).
    var isClosedByServer: Bool {
        var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        guard poll(&p, 1, 0) > 0 else { return false }
        var byte: UInt8 = 0
        return recv(fd, &byte, 1, Int32(MSG_PEEK | MSG_DONTWAIT)) <= 0
    }

    /// One request on a fresh connection; the status code, or nil if none came in `timeout`.
    static func status(port: Int, from source: String = "127.0.0.1", path: String, timeout: Duration = .seconds(5)) -> Int? {
        guard let c = RawClient(port: port, from: source) else { return nil }
        guard c.send("GET \(path) HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n") else { return nil }
        let answer = c.read(until: "\r\n\r\n", timeout: timeout).text
        guard answer.hasPrefix("HTTP/1.1 ") else { return nil }
        return Int(answer.dropFirst(9).prefix(3))
    }

    /// Lets this process hold a few thousand sockets (both ends of each live here).
    static func raiseDescriptorLimit() {
        var limit = rlimit()
        getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
        limit.rlim_cur = limit.rlim_max
        setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
    }

    static var descriptorLimit: Int {
        var limit = rlimit()
        getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
        return Int(limit.rlim_cur)
    }
}
