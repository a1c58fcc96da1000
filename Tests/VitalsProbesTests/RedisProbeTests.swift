import Foundation
import Testing
import VitalsConfig
import VitalsCore
@testable import VitalsProbes

/// The `redis` probe against the real server `make test` starts (password, ACL user, unix
/// socket), and against loopback listeners that refuse, hang, speak HTTP, or fake a replica.
@Suite(.enabled(if: DBServers.redisAvailable, DBServers.skipRedis))
struct RedisProbeTests {
    static func probe(
        _ address: String, username: String? = nil, password: String? = nil, db: Int = 0,
        timeout: Duration = .seconds(2), thresholds: Thresholds = Thresholds()
    ) throws -> RedisProbe {
        var settings = RedisSettings(address: address)
        settings.username = username
        settings.password = password.map(Secret.init)
        settings.db = db
        return try RedisProbe(settings: settings, timeout: timeout)
    }

    static func expectHealthy(_ r: ProbeResult, secrets: [String], sourceLocation: Testing.SourceLocation = #_sourceLocation) {
        #expect(r.success, "\(r.message)", sourceLocation: sourceLocation)
        #expect(r.message.range(of: #"^PONG, redis \d+\.\d+\.\d+, role master$"#, options: .regularExpression) != nil, "\(r.message)", sourceLocation: sourceLocation)
        DBTest.expectClean(r.message, secrets: secrets, sourceLocation: sourceLocation)
    }

    @Test func healthyServerAnswersWithInfo() async throws {
        let redis = try DBServers.redis()
        let r = try await Self.probe(redis.address, password: redis.password).run(deadline: .now + .seconds(2))
        Self.expectHealthy(r, secrets: [redis.password])
        guard case .text(let version)? = r.observation("redis_version") else { Issue.record("no redis_version"); return }
        #expect(r.message == "PONG, redis \(version), role master")
        #expect(r.observation("role") == .text("master"))
        #expect(try #require(r.number("used_memory")) > 0)
        #expect(try #require(r.number("connected_clients")) >= 1)
        #expect(r.number("maxmemory") == 0)
        #expect(r.observation("used_memory_percent") == nil, "no percentage without maxmemory")
        #expect(r.observation("master_link_status") == nil)
        #expect(Judge.judge(r, thresholds: Thresholds()).status == .healthy)
    }

    @Test func aclUserAuthenticates() async throws {
        let redis = try DBServers.redis()
        let r = try await Self.probe(redis.address, username: redis.user, password: redis.userPassword).run(deadline: .now + .seconds(2))
        Self.expectHealthy(r, secrets: [redis.userPassword])
    }

    @Test func unixSocket() async throws {
        let redis = try DBServers.redis()
        let r = try await Self.probe("unix://\(redis.socket)", password: redis.password).run(deadline: .now + .seconds(2))
        Self.expectHealthy(r, secrets: [redis.password])
    }

    @Test func selectsTheConfiguredDatabase() async throws {
        let redis = try DBServers.redis()
        let r = try await Self.probe(redis.address, password: redis.password, db: 1).run(deadline: .now + .seconds(2))
        Self.expectHealthy(r, secrets: [redis.password])
        let out = try await Self.probe(redis.address, password: redis.password, db: 4000).run(deadline: .now + .seconds(2))
        #expect(!out.success)
        #expect(out.message == "ERR DB index is out of range")
    }

    @Test func wrongPasswordSaysWhyWithoutThePassword() async throws {
        let redis = try DBServers.redis()
        let wrong = "wrong-\(redis.password)-x"
        let r = try await Self.probe(redis.address, password: wrong).run(deadline: .now + .seconds(2))
        #expect(!r.success)
        #expect(r.message.hasPrefix("WRONGPASS invalid username-password pair"))
        DBTest.expectClean(r.message, secrets: [wrong, redis.password])

        let user = try await Self.probe(redis.address, username: redis.user, password: wrong).run(deadline: .now + .seconds(2))
        #expect(user.message.hasPrefix("WRONGPASS"))
        DBTest.expectClean(user.message, secrets: [wrong, redis.userPassword])
    }

    @Test func noPasswordOnAProtectedServer() async throws {
        let redis = try DBServers.redis()
        let r = try await Self.probe(redis.address).run(deadline: .now + .seconds(2))
        #expect(!r.success)
        #expect(r.message == "NOAUTH Authentication required.")
    }

    @Test func refusedConnectionSaysSo() async throws {
        let port = try LoopbackServer.closedPort()
        let r = try await Self.probe("127.0.0.1:\(port)", password: "pw").run(deadline: .now + .seconds(2))
        #expect(!r.success)
        #expect(r.message == "connection refused")
    }

    @Test func missingUnixSocket() async throws {
        let r = try await Self.probe("unix:///nonexistent/redis.sock").run(deadline: .now + .seconds(2))
        #expect(r.message == "no such file or directory")
    }

    /// A server that accepts and never answers: the run ends at its deadline, and a healthy
    /// probe running at the same time is not held up.
    @Test func hungServerEndsAtTheDeadlineAndDelaysNobody() async throws {
        let redis = try DBServers.redis()
        let hung = try LoopbackServer(.hang)
        defer { withExtendedLifetime(hung) {} }
        let stuck = try Self.probe("127.0.0.1:\(hung.port)", password: "pw", timeout: .milliseconds(600))
        let healthy = try Self.probe(redis.address, password: redis.password)
        Self.expectHealthy(try await DBTest.expectHungEndsAtTheDeadline(stuck, beside: healthy), secrets: [redis.password])
    }

    @Test func serverSpeakingHTTPIsAClearFailure() async throws {
        let http = try LoopbackServer(.reply(DBTest.badRequest, after: .zero))
        defer { withExtendedLifetime(http) {} }
        let (r, past, _) = await DBTest.timed(try Self.probe("127.0.0.1:\(http.port)", password: "pw-secret"), timeout: .seconds(2))
        #expect(!r.success)
        #expect(past < .zero, "a wrong protocol must fail at once, not time out")
        #expect(r.message.contains("protocol error"), "\(r.message)")
        DBTest.expectClean(r.message, secrets: ["pw-secret"])
    }

    /// A "Redis" that answers with a 512 MiB bulk string, or a status line that never ends:
    /// the run stops at the 1 MiB cap with `reply too large`, long before its deadline, having
    /// read (and so let the peer send) little more than the cap and what sockets buffer.
    /// An array that declares more elements than the cap could carry fails as soon as its
    /// length is read, saying so.
    @Test(arguments: [
        ("$536870912\r\n", "x", "reply too large (over 1 MiB)"), ("+PONG", "G", "reply too large (over 1 MiB)"),
        ("*100000000\r\n", ":1\r\n", "reply declares an array of 100000000 elements, over the 1 MiB reply budget"),
        ("*300000\r\n", ":1\r\n", "reply too large (over 1 MiB)"),
    ])
    func endlessReplyEndsAtTheCap(head: String, unit: String, message: String) async throws {
        let peer = try LoopbackServer(.stream(Array(head.utf8), unit: Array(unit.utf8)))
        defer { peer.stop() }
        let r = try await Self.probe("127.0.0.1:\(peer.port)").run(deadline: .now + .seconds(20))
        #expect(!r.success)
        #expect(r.message == message, "\(r.message)")
        #expect(peer.sent < 16 << 20, "the probe let the peer send \(peer.sent) bytes")
    }

    /// A real server answering late: another client pauses every client of the tests' own
    /// limited Redis (`CLIENT PAUSE`), so the probe's answer waits for the pause to end.
    @Test func slowAnswerIsJudgedByLatency() async throws {
        let redis = try DBServers.redis()
        let limited = try DBServers.variable("VITALS_TEST_REDIS_LIMITED")
        let thresholds = DBTest.latencyThreshold(degraded: .milliseconds(100))
        try RedisCLI.run(limited, password: redis.password, "CLIENT", "PAUSE", "400", "ALL")
        let r = try await Self.probe(limited, password: redis.password, thresholds: thresholds).run(deadline: .now + .seconds(5))
        #expect(r.success, "\(r.message)")
        #expect(r.latency >= .milliseconds(200), "the answer came \(r.latency) after the start, inside a 400 ms pause")
        #expect(Judge.judge(r, thresholds: thresholds).status == .degraded)
        // Paused past its deadline: a timeout, at the deadline.
        try RedisCLI.run(limited, password: redis.password, "CLIENT", "PAUSE", "1500", "ALL")
        let start = ContinuousClock.now
        let late = try await Self.probe(limited, password: redis.password, timeout: .milliseconds(300)).run(deadline: start + .milliseconds(300))
        #expect(!late.success)
        #expect(late.message == "timeout after 300ms", "\(late.message)")
        #expect(start.duration(to: .now) < .milliseconds(300) + Timing.slack)
        try RedisCLI.run(limited, password: redis.password, "CLIENT", "UNPAUSE")
    }

    /// The limited server has `maxmemory 64mb`: the probe reports the real limit, the percentage
    /// of it in use, and thresholds judge that percentage.
    @Test func maxmemoryGivesAPercentageThatThresholdsJudge() async throws {
        let redis = try DBServers.redis()
        let limited = try DBServers.variable("VITALS_TEST_REDIS_LIMITED")
        let thresholds = Thresholds(["used_memory_percent": Threshold(degraded: 0.01, unhealthy: 99, unit: .percent)])
        let r = try await Self.probe(limited, password: redis.password, thresholds: thresholds).run(deadline: .now + .seconds(2))
        Self.expectHealthy(r, secrets: [redis.password])
        let limit: Double = 64 * 1024 * 1024
        let maxmemory = try #require(r.number("maxmemory"))
        #expect(maxmemory == limit)
        let used = try #require(r.number("used_memory"))
        let percent = try #require(r.number("used_memory_percent"))
        #expect(abs(percent - used / limit * 100) < 1e-6)
        #expect(percent > 0.01 && percent < 99)
        #expect(Judge.judge(r, thresholds: thresholds).status == .degraded)
        let roomy = Thresholds(["used_memory_percent": Threshold(degraded: 80, unhealthy: 95, unit: .percent)])
        #expect(Judge.judge(r, thresholds: roomy).status == .healthy)
    }

    @Test func replicaWithItsLinkDownIsUnhealthy() async throws {
        let down = try FakeRedis(answer: FakeReplies.replica(link: "down"))
        defer { down.stop() }
        let r = try await Self.probe("127.0.0.1:\(down.port)").run(deadline: .now + .seconds(2))
        #expect(!r.success)
        #expect(r.message == "replica link to master is down")
        #expect(r.observation("master_link_status") == .text("down"))
        #expect(r.observation("role") == .text("replica"))

        let up = try FakeRedis(answer: FakeReplies.replica(link: "up"))
        defer { up.stop() }
        let ok = try await Self.probe("127.0.0.1:\(up.port)").run(deadline: .now + .seconds(2))
        #expect(ok.success)
        #expect(ok.message == "PONG, redis 7.2.4, role replica")
    }

    @Test func cancellationEndsAHungRunPromptly() async throws {
        let hung = try LoopbackServer(.hang)
        defer { withExtendedLifetime(hung) {} }
        let stuck = try Self.probe("127.0.0.1:\(hung.port)", timeout: .seconds(5))
        let start = ContinuousClock.now
        let task = Task { await stuck.run(deadline: .now + .seconds(5)) }
        try await Task.sleep(for: .milliseconds(100))
        task.cancel()
        let r = await task.value
        #expect(r.message == "cancelled")
        #expect(start.duration(to: .now) < .seconds(1))
    }
}

/// Canned answers for `FakeRedis`.
enum FakeReplies {
    static func master(_ command: [String]) -> String {
        answer(command, replication: "role:master\r\nconnected_slaves:0\r\n")
    }

    static func replica(link: String) -> @Sendable ([String]) -> String {
        { answer($0, replication: "role:slave\r\nmaster_host:10.0.0.1\r\nmaster_port:6379\r\nmaster_link_status:\(link)\r\n") }
    }

    static func answer(_ command: [String], replication: String) -> String {
        switch (command.first?.uppercased(), command.dropFirst().first) {
        case ("PING", _): "+PONG\r\n"
        case ("INFO", "server"): FakeRedis.bulk("# Server\r\nredis_version:7.2.4\r\nredis_mode:standalone\r\n")
        case ("INFO", "memory"): FakeRedis.bulk("# Memory\r\nused_memory:900\r\nmaxmemory:1000\r\n")
        case ("INFO", "clients"): FakeRedis.bulk("# Clients\r\nconnected_clients:3\r\n")
        case ("INFO", "replication"): FakeRedis.bulk("# Replication\r\n" + replication)
        default: "-ERR unknown command\r\n"
        }
    }
}

/// Text handling that needs no server.
struct RedisProbeTextTests {
    @Test func infoLinesBecomeObservations() {
        let info = RedisProbe.parseInfo("# Server\r\nredis_version:7.0.15\r\n\r\n# Memory\r\nused_memory:1024\r\nmaxmemory:4096\r\n")
        #expect(info == ["redis_version": "7.0.15", "used_memory": "1024", "maxmemory": "4096"])
        let (observations, role) = RedisProbe.observations(info.merging(["role": "master"]) { a, _ in a })
        #expect(role == "master")
        #expect(observations.first { $0.name == "used_memory_percent" }?.value == .number(25))
    }

    @Test func hiredisErrorsBecomeOutcomes() {
        if case .failed(let text) = RedisExchange.describe(err: REDIS_ERR_IO_, errstr: "Connection refused") {
            #expect(text == "connection refused")
        } else {
            Issue.record("refused is a failure")
        }
        if case .timedOut = RedisExchange.describe(err: REDIS_ERR_IO_, errstr: "Resource temporarily unavailable") {} else {
            Issue.record("a socket timeout is a timeout")
        }
        if case .failed(let text) = RedisExchange.describe(err: REDIS_ERR_PROTOCOL_, errstr: "Protocol error, got \"H\" as reply type byte") {
            #expect(text == "protocol error, got \"H\" as reply type byte (not a Redis server?)")
        } else {
            Issue.record("a protocol error is a failure")
        }
    }

    @Test func addresses() throws {
        #expect(try RedisProbe.parseAddress("127.0.0.1:6379") == .tcp(host: "127.0.0.1", port: 6379))
        #expect(try RedisProbe.parseAddress("unix:///run/redis.sock") == .unix(path: "/run/redis.sock"))
        #expect(throws: ProbeSetupError.self) { try RedisProbe.parseAddress("unix://relative") }
    }

    @Test func emptyPasswordIsNoPassword() throws {
        var settings = RedisSettings(address: "127.0.0.1:6379")
        settings.password = Secret("")
        #expect(try RedisProbe(settings: settings, timeout: .seconds(2)).commands.first == ["PING"])
        settings.username = "app"
        #expect(try RedisProbe(settings: settings, timeout: .seconds(2)).commands.first == ["AUTH", "app", ""])
        settings.password = Secret("pw")
        settings.db = 2
        #expect(try RedisProbe(settings: settings, timeout: .seconds(2)).commands.prefix(3) == [["AUTH", "app", "pw"], ["SELECT", "2"], ["PING"]])
    }

    // The hiredis constants, without importing the C module into the tests.
    let REDIS_ERR_IO_: Int32 = 1
    let REDIS_ERR_PROTOCOL_: Int32 = 4
}

/// The probe's reply reader (hiredis' parser under the exchange's budget), fed by hand.
struct RedisReplyReaderTests {
    static let limit = RedisExchange.maxReplyBytes

    /// Feeds `chunks` one after another and reads what comes of them.
    static func read(_ chunks: [String], limit: Int = limit) -> [RedisReplyReader.Next] {
        guard var reader = RedisReplyReader(limit: limit) else { return [.failed("no reader")] }
        var out: [RedisReplyReader.Next] = []
        for chunk in chunks {
            let bytes = Array(chunk.utf8)
            if let refused = bytes.withUnsafeBytes({ reader.feed($0.baseAddress!, count: $0.count) }) {
                out.append(.failed(refused))
                return out
            }
            while true {
                let next = reader.next()
                out.append(next)
                if case .reply = next { continue }
                if case .failed = next { return out }
                break
            }
        }
        return out
    }

    static func declares(_ n: Int) -> RedisReplyReader.Next {
        .failed("reply declares an array of \(n) elements, over the 1 MiB reply budget")
    }

    /// Just below INT_MAX, flat, nested, and at hiredis' deepest nesting: refused as soon as
    /// the length is read (hiredis would `calloc` 16 GB for it), with what the peer declared.
    @Test(arguments: [
        ("*2147483646\r\n", 2_147_483_646), ("*1\r\n*2147483000\r\n", 2_147_483_000),
        (String(repeating: "*1\r\n", count: 7) + "*2147483000\r\n", 2_147_483_000), ("*349526\r\n", 349_526),
    ])
    func aggregateOverTheBudgetIsRefusedBeforeItsElements(head: String, declared: Int) {
        #expect(Self.read([head]) == [Self.declares(declared)])
    }

    /// Arrays are counted together: each fits alone, all of them would not.
    @Test func nestedArraysCountTogether() {
        let many = String(repeating: ":1\r\n", count: 200_000)
        let r = Self.read(["*2\r\n*200000\r\n", many, "*200000\r\n"])
        #expect(r.last == Self.declares(200_000))
        // Not the first: its elements were counted, and it was let through.
        #expect(!r.dropLast().contains { if case .failed = $0 { true } else { false } })
    }

    /// What fits is read whole, however it is cut: 100,000 integers (400 KB), then PING's answer.
    @Test func largeArrayWithinTheBudgetIsRead() {
        let body = "*100000\r\n" + String(repeating: ":7\r\n", count: 100_000) + "+PONG\r\n"
        let bytes = Array(body.utf8)
        let chunks = stride(from: 0, to: bytes.count, by: 16 * 1024).map { String(decoding: bytes[$0..<min($0 + 16 * 1024, bytes.count)], as: UTF8.self) }
        let replies = Self.read(chunks).filter { $0 != .needMore }
        #expect(replies == [.reply(.array(100_000)), .reply(.status("PONG"))])
    }

    /// hiredis 0.14 parses RESP2 only: a RESP3 map, set or push is a protocol error, said as one.
    @Test(arguments: ["%2147483646\r\n", "~2147483646\r\n", ">2147483646\r\n"])
    func resp3AggregateIsAProtocolError(head: String) {
        let r = Self.read([head])
        guard case .failed(let text)? = r.last else { Issue.record("\(r)"); return }
        #expect(text.hasPrefix("protocol error, got \"\(head.prefix(1))\" as reply type byte"), "\(text)")
        #expect(text.hasSuffix("(not a Redis server?)"))
    }

    /// Bytes past the budget are refused before hiredis buffers them.
    @Test func bytesPastTheBudgetAreRefused() {
        let r = Self.read(["$3000\r\n", String(repeating: "x", count: 3000)], limit: 2048)
        #expect(r == [.needMore, .failed("reply too large (over 2 KiB)")])
    }
}

/// `redis-cli` from Debian's redis-tools, for what a test does to a server as another client.
enum RedisCLI {
    static func run(_ address: String, password: String, _ arguments: String...) throws {
        let parts = address.split(separator: ":")
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/redis-cli")
        p.arguments = ["-h", String(parts[0]), "-p", String(parts[1]), "-a", password, "--no-auth-warning"] + arguments
        p.standardOutput = FileHandle.nullDevice
        try p.run()
        p.waitUntilExit()
        #expect(p.terminationStatus == 0, "redis-cli \(arguments.joined(separator: " "))")
    }
}
