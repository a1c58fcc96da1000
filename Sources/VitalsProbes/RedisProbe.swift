#if canImport(Glibc)
import Glibc
#endif
import CHiredis
import Foundation
import VitalsConfig
import VitalsCore
import VitalsIO

/// `redis`: connect, `AUTH`, `SELECT`, `PING`, and `INFO server|memory|clients|replication`.
///
/// hiredis 0.14 (Debian 12) has no usable non-blocking API with TLS or options, so a run is one
/// blocking job on the `BlockingExecutor`, every step under a native timeout taken from the
/// deadline: `redisConnectWithTimeout` for the connect, `redisSetTimeout` (socket receive and
/// send timeouts) re-armed with the time left before each reply. The Swift side stops waiting
/// at the deadline anyway, because name resolution inside the connect has no timeout at all;
/// an abandoned job frees its own context when its timeouts end it, and holds the probe's lane
/// until then, so the component never takes a second thread beside it.
///
/// After the connect, all commands go out in one pipelined write and their replies are read in
/// order, so a run costs one round trip however many commands it sends, and `latency` is
/// connect plus that round trip. The first error reply (`AUTH`'s before `PING`'s `NOAUTH`) is
/// the one reported. An `INFO` that fails (renamed away by `rename-command`) leaves the run
/// successful, without the observations it would have given.
///
/// `role` is reported as `master` or `replica` (Redis' INFO still says `slave`).
public struct RedisProbe: Probe {
    enum Target: Sendable, Equatable {
        case tcp(host: String, port: Int)
        case unix(path: String)
    }

    let target: Target
    /// What a run sends, pipelined: `AUTH`?, `SELECT`?, `PING`, four `INFO` sections.
    let commands: [[String]]
    static let infoSections = ["server", "memory", "clients", "replication"]
    let secrets: [String]
    let timeout: Duration
    /// Where this probe's exchanges run, one at a time (`BlockingLane`): an exchange abandoned
    /// at the deadline (a name lookup with no timeout) keeps later runs off the executor until
    /// it returns.
    let lane = BlockingLane()

    public var blockedSince: ContinuousClock.Instant? { lane.busySince }

    /// A peer that closes the socket while hiredis writes must not kill the process with
    /// SIGPIPE: ignored once, process-wide, before the first probe exists.
    private static let ignoreSIGPIPE: Void = {
        _ = signal(SIGPIPE, SIG_IGN)
    }()

    public init(settings: RedisSettings, timeout: Duration) throws {
        Self.ignoreSIGPIPE
        target = try Self.parseAddress(settings.address)
        // An empty password is no password: `password: "${REDIS_PASSWORD:-}"` with the variable
        // unset. An ACL user still authenticates, with "" (what a `nopass` user accepts).
        let password = settings.password?.value.isEmpty == false ? settings.password?.value : nil
        var commands: [[String]] = []
        switch (settings.username, password) {
        case (let user?, let password): commands.append(["AUTH", user, password ?? ""])  // an ACL user, Redis 6+
        case (nil, let password?): commands.append(["AUTH", password])
        case (nil, nil): break
        }
        if settings.db != 0 { commands.append(["SELECT", String(settings.db)]) }
        commands.append(["PING"])
        for section in Self.infoSections { commands.append(["INFO", section]) }
        self.commands = commands
        secrets = [password].compactMap { $0 }
        self.timeout = timeout
    }

    static func parseAddress(_ address: String) throws -> Target {
        if address.hasPrefix("unix://") {
            let path = String(address.dropFirst("unix://".count))
            guard path.hasPrefix("/") else { throw ProbeSetupError("expected unix:///path/to/socket, got \(address)", key: "address") }
            return .unix(path: path)
        }
        let (host, port) = try HostPort.split(address)
        return .tcp(host: host, port: port)
    }

    public func run(deadline: ContinuousClock.Instant) async -> ProbeResult {
        let start = ContinuousClock.now
        let timeout = PostgresProbe.timeoutLabel(configured: self.timeout, budget: start.duration(to: deadline))
        let (target, commands) = (self.target, self.commands)

        let outcome: RedisExchange.Outcome
        switch await lane.run(abandoningAt: deadline, { RedisExchange.run(target, commands, deadline: deadline) }) {
        case .value(let value): outcome = value
        case .gaveUp: return Task.isCancelled ? .failure("cancelled", latency: start.duration(to: .now)) : .timeout(after: timeout)
        case .busy(let busy): return .stillHung(startedAt: busy.since, latency: start.duration(to: .now))
        }
        let latency = start.duration(to: .now)
        let replies: [RedisExchange.Reply]
        switch outcome {
        case .timedOut: return .timeout(after: timeout)
        case .failed(let why): return .failure(Redactor.scrub(why, secrets), latency: latency)
        case .replies(let r): replies = r
        }

        // Replies in command order: AUTH?, SELECT?, PING, INFO x4.
        let infoCount = Self.infoSections.count
        let pingIndex = replies.count - infoCount - 1
        for (i, reply) in replies.prefix(pingIndex + 1).enumerated() {
            if case .error(let text) = reply {
                return .failure(Redactor.scrub(MessageText.oneLine(text), secrets), latency: latency)
            }
            if i == pingIndex, reply != .status("PONG") {
                return .failure("unexpected answer to PING: \(Redactor.scrub(reply.summary, secrets))", latency: latency)
            }
        }
        var info: [String: String] = [:]
        for case .text(let text) in replies.suffix(infoCount) { info.merge(Self.parseInfo(text)) { a, _ in a } }

        let (observations, role) = Self.observations(info)
        let version = info["redis_version"]
        var message = "PONG"
        if let version { message += ", redis \(version)" }
        if let role { message += ", role \(role)" }
        if role == "replica", info["master_link_status"] == "down" {
            return .failure("replica link to master is down", latency: latency, observations: observations)
        }
        return ProbeResult(success: true, latency: latency, message: message, observations: observations)
    }

    /// `key:value` lines of an INFO answer (`#` section headers skipped).
    static func parseInfo(_ text: String) -> [String: String] {
        var out: [String: String] = [:]
        for line in text.split(whereSeparator: \.isNewline) where !line.hasPrefix("#") {
            guard let colon = line.firstIndex(of: ":") else { continue }
            out[String(line[..<colon])] = String(line[line.index(after: colon)...])
        }
        return out
    }

    static func observations(_ info: [String: String]) -> ([Observation], role: String?) {
        var out: [Observation] = []
        let role = info["role"].map { $0 == "slave" ? "replica" : $0 }
        if let role { out.append(Observation("role", text: role)) }
        if let v = info["redis_version"] { out.append(Observation("redis_version", text: v)) }
        let used = info["used_memory"].flatMap(Double.init)
        let max = info["maxmemory"].flatMap(Double.init)
        if let used { out.append(Observation("used_memory", used, unit: "bytes")) }
        if let max { out.append(Observation("maxmemory", max, unit: "bytes")) }
        if let used, let max, max > 0 { out.append(Observation("used_memory_percent", used / max * 100, unit: "percent")) }
        if let c = info["connected_clients"].flatMap(Double.init) { out.append(Observation("connected_clients", c, unit: "count")) }
        if role == "replica", let link = info["master_link_status"] { out.append(Observation("master_link_status", text: link)) }
        return (out, role)
    }
}

/// One blocking conversation with a Redis server, run on an executor thread. Owns its
/// `redisContext` from connect to `redisFree`; nothing of it escapes.
enum RedisExchange {
    enum Reply: Sendable, Equatable {
        case status(String)
        case error(String)
        case text(String)
        case integer(Int64)
        case nil_
        case array(Int)

        var summary: String {
            switch self {
            case .status(let s), .error(let s): MessageText.oneLine(s)
            case .text(let s): "\"\(MessageText.oneLine(String(s.prefix(60))))\""
            case .integer(let i): String(i)
            case .nil_: "nil"
            case .array(let n): "an array of \(n)"
            }
        }
    }

    enum Outcome: Sendable {
        case replies([Reply])
        case failed(String)
        case timedOut
    }

    /// The most one run reads from the server, all replies together. INFO's four sections are a
    /// few KiB; a peer that sends more (a 512 MiB bulk string, an endless array) is not a health
    /// answer, and buffering it could cost a memory-limited pod its life.
    static let maxReplyBytes = 1 << 20

    /// Connects, pipelines `commands`, and reads one reply per command. The replies are read
    /// here (`RedisReplyReader`) rather than by `redisGetReply`, so that every byte, and every
    /// array length, is counted against `maxReplyBytes` before hiredis buffers or allocates it.
    static func run(_ target: RedisProbe.Target, _ commands: [[String]], deadline: ContinuousClock.Instant) -> Outcome {
        guard let tv = timeLeft(deadline) else { return .timedOut }
        let context: UnsafeMutablePointer<redisContext>? =
            switch target {
            case .tcp(let host, let port): redisConnectWithTimeout(host, Int32(port), tv)
            case .unix(let path): redisConnectUnixWithTimeout(path, tv)
            }
        guard let c = context else { return .failed("out of memory allocating a redis context") }
        defer { redisFree(c) }
        if c.pointee.err != 0 { return failure(c) }

        for command in commands {
            let appended = withArgv(command) { argc, argv, lengths in redisAppendCommandArgv(c, argc, argv, lengths) }
            if appended != REDIS_OK { return failure(c) }
        }
        // Everything out first (a few hundred bytes), each write under the time left.
        var written: Int32 = 0
        while written == 0 {
            guard let tv = timeLeft(deadline) else { return .timedOut }
            if redisSetTimeout(c, tv) != REDIS_OK || redisBufferWrite(c, &written) != REDIS_OK { return failure(c) }
        }
        guard var reader = RedisReplyReader(limit: maxReplyBytes) else { return .failed("out of memory allocating a redis reader") }
        var chunk = [CChar](repeating: 0, count: 16 * 1024)
        var replies: [Reply] = []
        for _ in commands {
            var next = reader.next()
            while case .needMore = next {
                // Re-armed before every read, so the last one still ends at the deadline.
                guard let tv = timeLeft(deadline) else { return .timedOut }
                if redisSetTimeout(c, tv) != REDIS_OK { return failure(c) }
                let n = recv(c.pointee.fd, &chunk, min(chunk.count, reader.bytesLeft + 1), 0)
                if n == 0 { return .failed("server closed the connection") }
                if n < 0 {
                    let err = errno
                    if err == EINTR { continue }
                    if err == EAGAIN || err == EWOULDBLOCK { return .timedOut }
                    return .failed(MessageText.lowerFirstWord(String(cString: strerror(err))))
                }
                // Counted before hiredis sees it: past the cap nothing more is read or kept.
                if let refused = chunk.withUnsafeBytes({ reader.feed($0.baseAddress!, count: n) }) { return .failed(refused) }
                next = reader.next()
            }
            switch next {
            case .reply(let reply): replies.append(reply)
            case .failed(let why): return .failed(why)
            case .needMore: break
            }
        }
        return .replies(replies)
    }

    /// Time left to the deadline, at least 1 ms: a zero `timeval` means "no timeout" to
    /// `SO_RCVTIMEO`. Nil when the deadline has passed.
    static func timeLeft(_ deadline: ContinuousClock.Instant) -> timeval? {
        let left = ContinuousClock.now.duration(to: deadline)
        guard left > .zero else { return nil }
        let (s, atto) = left.components
        let usec = Int(atto / 1_000_000_000_000)
        return s == 0 && usec < 1000 ? timeval(tv_sec: 0, tv_usec: 1000) : timeval(tv_sec: Int(s), tv_usec: usec)
    }

    /// The context's error as a probe outcome: a socket timeout is a timeout, the rest one line.
    static func failure(_ c: UnsafeMutablePointer<redisContext>) -> Outcome {
        describe(err: c.pointee.err, errstr: text(of: c.pointee.errstr))
    }

    /// A fixed C `char[N]` error field as text, up to its NUL.
    static func text<Field>(of field: Field) -> String {
        withUnsafeBytes(of: field) { String(decoding: $0.prefix(while: { $0 != 0 }), as: UTF8.self) }
    }

    static func describe(err: Int32, errstr: String) -> Outcome {
        let timeouts = ["Resource temporarily unavailable", "Connection timed out", "Operation now in progress"]
        if err == REDIS_ERR_IO, timeouts.contains(where: errstr.contains) { return .timedOut }
        return .failed(line(err: err, errstr: errstr))
    }

    /// A hiredis error (the context's or the reply parser's) as one line.
    static func line(err: Int32, errstr: String) -> String {
        var text = MessageText.lowerFirstWord(MessageText.oneLine(errstr))
        if text.isEmpty { text = "redis error \(err)" }
        if err == REDIS_ERR_PROTOCOL { text += " (not a Redis server?)" }
        return text
    }

    static func convert(_ r: UnsafeMutablePointer<redisReply>) -> Reply {
        let reply = r.pointee
        func string() -> String {
            guard let s = reply.str else { return "" }
            return String(decoding: UnsafeRawBufferPointer(start: s, count: reply.len), as: UTF8.self)
        }
        switch reply.type {
        case REDIS_REPLY_STATUS: return .status(string())
        case REDIS_REPLY_ERROR: return .error(string())
        case REDIS_REPLY_STRING: return .text(string())
        case REDIS_REPLY_INTEGER: return .integer(reply.integer)
        case REDIS_REPLY_ARRAY: return .array(reply.elements)
        default: return .nil_
        }
    }

    /// Binary-safe argv for hiredis (a password may hold any byte), freed after the call.
    static func withArgv<R>(_ args: [String], _ body: (Int32, UnsafeMutablePointer<UnsafePointer<CChar>?>, UnsafePointer<Int>) -> R) -> R {
        let lengths: [Int] = args.map { $0.utf8.count }
        let copies: [UnsafeMutableBufferPointer<CChar>] = args.map { arg in
            let buffer = UnsafeMutableBufferPointer<CChar>.allocate(capacity: arg.utf8.count + 1)
            buffer.initialize(repeating: 0)
            UnsafeMutableRawBufferPointer(buffer).copyBytes(from: arg.utf8)
            return buffer
        }
        defer {
            for buffer in copies {
                buffer.update(repeating: 0)  // a password: do not leave it in freed memory
                buffer.deallocate()
            }
        }
        var argv: [UnsafePointer<CChar>?] = copies.map { UnsafePointer($0.baseAddress) }
        return argv.withUnsafeMutableBufferPointer { a in
            lengths.withUnsafeBufferPointer { l in body(Int32(args.count), a.baseAddress!, l.baseAddress!) }
        }
    }
}
