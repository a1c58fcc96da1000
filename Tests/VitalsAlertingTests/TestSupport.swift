import Foundation
import Synchronization
import Testing
import VitalsTestSupport
import VitalsConfig
import VitalsCore

@testable import VitalsAlerting

#if canImport(Glibc)
import Glibc
#endif

/// In-memory `Storage` that claims to be persistent, so one instance can outlive an engine and
/// play the database across a "restart".
final class TestStorage: Storage, Sendable {
    private let blobs = Mutex<[String: [String: Data]]>([:])
    let isPersistent: Bool
    init(persistent: Bool = true) { isPersistent = persistent }

    func record(component: String, entry: HistoryEntry) async {}
    func record(component: String, transition: StatusTransition) async {}
    func history(component: String, since: Date?, until: Date?, limit: Int) async -> [HistoryEntry] { [] }
    func transitions(component: String, since: Date?, until: Date?, limit: Int) async -> [StatusTransition] { [] }
    func put(namespace: String, key: String, value: Data) async throws { blobs.withLock { $0[namespace, default: [:]][key] = value } }
    func remove(namespace: String, key: String) async throws { blobs.withLock { $0[namespace]?[key] = nil } }
    func all(namespace: String) async throws -> [String: Data] { blobs.withLock { $0[namespace] ?? [:] } }
    var keys: [String] { blobs.withLock { ($0["alerts"] ?? [:]).keys.sorted() } }
    /// Alerting never reads history; the memory reader stands in.
    func historyReader(over store: HealthStore) -> any HistoryReader { MemoryStorage().historyReader(over: store) }
}

/// A loopback HTTP receiver on POSIX sockets: records every request and answers as scripted
/// (a status, a slow status, or never until released). One thread per connection, so a hung
/// answer never blocks the next request.
final class HTTPReceiver: Sendable {
    enum Behaviour: Sendable {
        case status(Int)
        case slow(Int, milliseconds: Int)
        case hang
    }

    struct Request: Sendable {
        var method: String
        var path: String
        var headers: [String: String]
        var body: [UInt8]
        var json: Any? { try? JSONSerialization.jsonObject(with: Data(body)) }
    }

    private struct State {
        var requests: [Request] = []
        var script: [Behaviour]
        var fallback: Behaviour
        var waiters: [(Int, CheckedContinuation<[Request], Never>)] = []
        var released = false
        var closed = false
    }

    private let state: Mutex<State>
    private let release = DispatchSemaphore(value: 0)
    let fd: Int32
    let port: Int

    init(script: [Behaviour] = [], fallback: Behaviour = .status(200)) throws {
        state = Mutex(State(script: script, fallback: fallback))
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw POSIXError(.EIO) }
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        addr.sin_port = 0
        let bound = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(fd, 64) == 0 else { throw POSIXError(.EADDRINUSE) }
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) } }
        self.fd = fd
        self.port = Int(UInt16(bigEndian: addr.sin_port))
        let thread = Thread { [self] in self.acceptLoop() }
        thread.start()
    }

    var url: String { "http://127.0.0.1:\(port)" }

    var requests: [Request] { state.withLock { $0.requests } }

    /// Waits until at least `count` requests arrived (fails the test after 20 s of real time
    /// rather than hanging the suite).
    func waitFor(_ count: Int) async -> [Request] {
        let watchdog = Task {
            try await Task.sleep(for: .seconds(20))
            let waiters = self.state.withLock { s -> [CheckedContinuation<[Request], Never>] in
                defer { s.waiters = [] }
                return s.waiters.map(\.1)
            }
            for w in waiters { w.resume(returning: self.requests) }
        }
        defer { watchdog.cancel() }
        let got = await withCheckedContinuation { (c: CheckedContinuation<[Request], Never>) in
            let ready = state.withLock { s -> [Request]? in
                if s.requests.count >= count { return s.requests }
                s.waiters.append((count, c))
                return nil
            }
            if let ready { c.resume(returning: ready) }
        }
        #expect(got.count >= count, "receiver got \(got.count) requests, expected \(count)")
        return got
    }

    /// Lets hung answers go (with 200) and stops accepting.
    func close() {
        let (unreleased, open) = state.withLock { s -> (Bool, Bool) in
            defer { s.released = true; s.closed = true }
            return (!s.released, !s.closed)
        }
        if unreleased { for _ in 0..<64 { release.signal() } }
        guard open else { return }
        // Wakes the accepting thread, which closes the socket: closed under it, the number
        // could be reused by another test's socket, which the loop would then accept on.
        shutdown(fd, Int32(SHUT_RDWR))
        acceptEnded.wait()
    }

    private let acceptEnded = DispatchSemaphore(value: 0)

    private func acceptLoop() {
        while true {
            let conn = accept(fd, nil, nil)
            if conn < 0 {
                if state.withLock({ $0.closed }) {
                    Glibc.close(fd)
                    acceptEnded.signal()
                    return
                }
                continue
            }
            Thread { [self] in self.serve(conn) }.start()
        }
    }

    private func serve(_ conn: Int32) {
        defer { Glibc.close(conn) }
        var buffer: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        var headerEnd: Int?
        var contentLength = 0
        while true {
            let n = recv(conn, &chunk, chunk.count, 0)
            if n <= 0 { return }
            buffer += chunk[0..<n]
            if headerEnd == nil, let r = buffer.firstRange(of: Array("\r\n\r\n".utf8)) {
                headerEnd = r.upperBound
                let head = String(decoding: buffer[0..<r.lowerBound], as: UTF8.self)
                for line in head.split(separator: "\r\n").dropFirst() where line.lowercased().hasPrefix("content-length:") {
                    contentLength = Int(line.split(separator: ":")[1].trimmingCharacters(in: .whitespaces)) ?? 0
                }
            }
            if let end = headerEnd, buffer.count >= end + contentLength { break }
        }
        let end = headerEnd!
        let lines = String(decoding: buffer[0..<(end - 4)], as: UTF8.self).components(separatedBy: "\r\n")
        let start = lines[0].split(separator: " ")
        var headers: [String: String] = [:]
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        let request = Request(
            method: String(start[0]), path: String(start[1]), headers: headers, body: Array(buffer[end..<(end + contentLength)]))
        let (behaviour, ready) = state.withLock { s -> (Behaviour, [CheckedContinuation<[Request], Never>]) in
            s.requests.append(request)
            let behaviour = s.script.isEmpty ? s.fallback : s.script.removeFirst()
            let ready = s.waiters.filter { $0.0 <= s.requests.count }.map(\.1)
            s.waiters.removeAll { $0.0 <= s.requests.count }
            return (behaviour, ready)
        }
        let all = requests
        for w in ready { w.resume(returning: all) }
        var code = 200
        switch behaviour {
        case .status(let c): code = c
        case .slow(let c, let ms):
            usleep(UInt32(ms) * 1000)
            code = c
        case .hang:
            release.wait()
        }
        let response = "HTTP/1.1 \(code) X\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}"
        _ = response.withCString { send(conn, $0, strlen($0), Int32(MSG_NOSIGNAL)) }
    }
}

/// A minimal HTTP/1.1 client over POSIX sockets for 127.0.0.1, standing in for the daemon's
/// libcurl transport. Blocking calls run on a thread of their own, never on the cooperative pool.
struct LoopbackTransport: HTTPTransport {
    func post(url: String, headers: [(String, String)], body: [UInt8], timeout: Duration) async -> TransportOutcome {
        let (status, _, error) = await Self.exchange(method: "POST", url: url, headers: headers, body: body, timeout: timeout)
        if let status { return .status(status) }
        return .failed(error ?? "failed")
    }

    func sendMail(_ mail: OutgoingMail, timeout: Duration) async -> TransportOutcome { .failed("this test client speaks no SMTP") }

    static func get(_ url: String, timeout: Duration = .seconds(5)) async -> (Int, [UInt8])? {
        let (status, body, _) = await exchange(method: "GET", url: url, headers: [], body: [], timeout: timeout)
        guard let status else { return nil }
        return (status, body)
    }

    static func exchange(method: String, url: String, headers: [(String, String)], body: [UInt8], timeout: Duration) async
        -> (Int?, [UInt8], String?)
    {
        await withCheckedContinuation { c in
            Thread { c.resume(returning: blockingExchange(method: method, url: url, headers: headers, body: body, timeout: timeout)) }.start()
        }
    }

    private static func blockingExchange(method: String, url: String, headers: [(String, String)], body: [UInt8], timeout: Duration)
        -> (Int?, [UInt8], String?)
    {
        guard let parts = URLComponents(string: url), let port = parts.port, parts.host == "127.0.0.1" else {
            return (nil, [], "only http://127.0.0.1:PORT URLs")
        }
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var tv = timeval(tv_sec: Int(timeout.components.seconds), tv_usec: Int(timeout.components.attoseconds / 1_000_000_000_000))
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        addr.sin_port = UInt16(port).bigEndian
        let connected = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { return (nil, [], "connection refused") }
        let path = parts.percentEncodedPath.isEmpty ? "/" : parts.percentEncodedPath
        // HTTP/1.0 for GET so the body comes unchunked and ends at close.
        var head = "\(method) \(path) HTTP/\(method == "GET" ? "1.0" : "1.1")\r\nHost: 127.0.0.1:\(port)\r\nConnection: close\r\n"
        for (k, v) in headers { head += "\(k): \(v)\r\n" }
        head += "Content-Length: \(body.count)\r\n\r\n"
        let out = Array(head.utf8) + body
        guard out.withUnsafeBytes({ send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }) == out.count else {
            return (nil, [], "send failed")
        }
        var response: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = recv(fd, &chunk, chunk.count, 0)
            if n < 0 {
                if response.isEmpty { return (nil, [], "timeout after \(DurationFormat.short(timeout))") }
                break
            }
            if n == 0 { break }
            response += chunk[0..<n]
            if method == "POST", response.firstRange(of: Array("\r\n".utf8)) != nil { break }
        }
        let text = String(decoding: response.prefix(64), as: UTF8.self)
        let fields = text.split(separator: " ")
        guard fields.count >= 2, let status = Int(fields[1]) else { return (nil, [], "bad response") }
        var bodyOut: [UInt8] = []
        if let r = response.firstRange(of: Array("\r\n\r\n".utf8)) { bodyOut = Array(response[r.upperBound...]) }
        return (status, bodyOut, nil)
    }
}

/// A transport that records and answers instantly, for engine tests that care about decisions.
final class RecordingTransport: HTTPTransport, Sendable {
    struct Call: Sendable {
        var url: String
        var headers: [(String, String)]
        var body: [UInt8]
        var json: Any? { try? JSONSerialization.jsonObject(with: Data(body)) }
    }
    let calls = Mutex<[Call]>([])
    let mails = Mutex<[OutgoingMail]>([])
    func post(url: String, headers: [(String, String)], body: [UInt8], timeout: Duration) async -> TransportOutcome {
        calls.withLock { $0.append(Call(url: url, headers: headers, body: body)) }
        return .status(200)
    }
    func sendMail(_ mail: OutgoingMail, timeout: Duration) async -> TransportOutcome {
        mails.withLock { $0.append(mail) }
        return .smtpReply(250, "250 OK")
    }
    var recorded: [Call] { calls.withLock { $0 } }
    var sentMail: [OutgoingMail] { mails.withLock { $0 } }
}

let t0 = Date(timeIntervalSince1970: 1_795_000_000)

func at(_ seconds: Double) -> Date { t0.addingTimeInterval(seconds) }

/// What the payload tests encode: orders-db timing out, under a service named checkout.
let payloadContext = NotificationContext(detailsURL: "https://vitals.example/health/detailed", serviceName: "checkout")
let ordersDBFiring = AlertNotification(
    id: 1, status: .firing, alert: "db-down", subject: "orders-db", isService: false, severity: "critical",
    previousStatus: .healthy, currentStatus: .unhealthy, message: "timeout after 2s",
    failing: [FailingComponent(component: "orders-db", status: .unhealthy, message: "timeout after 2s")],
    startsAt: at(0), createdAt: at(0))

func input(_ seconds: Double, service: HealthStatus = .healthy, _ components: [(String, HealthStatus)] = []) -> AlertInput {
    AlertInput(
        at: at(seconds), serviceStatus: service,
        components: components.map { AlertInput.Component(name: $0.0, type: "http", status: $0.1, message: "\($0.0) is \($0.1.rawValue)") })
}

func webhook(_ name: String = "ops", url: String = "http://127.0.0.1:9/hook", timeout: Duration = .seconds(5), headers: [String: Secret] = [:])
    -> NotifierSpec
{
    NotifierSpec(name: name, kind: .webhook, url: Secret(url), timeout: timeout, headers: headers)
}

extension Array where Element == BookAction {
    var deliveries: [(notifier: String, delivery: Delivery)] {
        compactMap { if case .deliver(let n, let d) = $0 { (n, d) } else { nil } }
    }
    var bodies: [[String: Any]] {
        deliveries.compactMap { try? JSONSerialization.jsonObject(with: Data($0.delivery.body)) as? [String: Any] }
    }
    var persisted: [AlertInstance] {
        compactMap { if case .persist(let i) = $0 { i } else { nil } }
    }
}
