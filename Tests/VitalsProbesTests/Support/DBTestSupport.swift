import Foundation
import Synchronization
import Testing
import VitalsConfig
import VitalsCore
import VitalsTestSupport
@testable import VitalsProbes

/// The real servers `make test` starts (scripts/test-servers/test-env.sh), read from the environment.
///
/// A test that needs one is enabled when its variables are set, or under `make test`
/// (`TestEnvironment.required`): then a missing variable fails the test instead of skipping it,
/// so CI cannot pass by silently testing nothing.
enum DBServers {
    static let env = ProcessInfo.processInfo.environment

    static let postgresAvailable = TestEnvironment.required || env["VITALS_TEST_PG_DSN"] != nil
    static let redisAvailable = TestEnvironment.required || env["VITALS_TEST_REDIS"] != nil
    static let skipPostgres: Comment = "PostgreSQL test server not configured (set VITALS_TEST_PG_DSN, or run `make test`)"
    static let skipRedis: Comment = "Redis test server not configured (set VITALS_TEST_REDIS, or run `make test`)"

    struct Postgres {
        var dsn: String
        var password: String
        var port: Int
    }

    struct Redis {
        var address: String
        var password: String
        var user: String
        var userPassword: String
        var socket: String
    }

    static func postgres() throws -> Postgres {
        Postgres(
            dsn: try variable("VITALS_TEST_PG_DSN"), password: try variable("VITALS_TEST_PG_PASSWORD"),
            port: try #require(Int(try variable("VITALS_TEST_PG_PORT"))))
    }

    static func redis() throws -> Redis {
        Redis(
            address: try variable("VITALS_TEST_REDIS"), password: try variable("VITALS_TEST_REDIS_PASSWORD"),
            user: try variable("VITALS_TEST_REDIS_USER"), userPassword: try variable("VITALS_TEST_REDIS_USER_PASSWORD"),
            socket: try variable("VITALS_TEST_REDIS_SOCKET"))
    }

    /// The streaming replica of the test primary (same `vitals` role and password).
    struct PostgresReplica {
        var dsn: String
        var port: Int
        /// `postgres://postgres@...`: the superuser, trusted from 127.0.0.1, for pausing replay.
        var superuserDSN: String { "postgres://postgres@127.0.0.1:\(port)/postgres?sslmode=disable" }
    }

    static let postgresReplicaAvailable = TestEnvironment.required || env["VITALS_TEST_PG_REPLICA_DSN"] != nil
    static let redisReplicasAvailable = TestEnvironment.required || env["VITALS_TEST_REDIS_REPLICA"] != nil
    static let skipPostgresReplica: Comment = "PostgreSQL replica not configured (set VITALS_TEST_PG_REPLICA_DSN, or run `make test`)"
    static let skipRedisReplicas: Comment = "Redis replicas not configured (set VITALS_TEST_REDIS_REPLICA, or run `make test`)"

    static func postgresReplica() throws -> PostgresReplica {
        PostgresReplica(
            dsn: try variable("VITALS_TEST_PG_REPLICA_DSN"), port: try #require(Int(try variable("VITALS_TEST_PG_REPLICA_PORT"))))
    }

    /// `host:port` of the Redis replica whose link is up, and of the one whose master is unreachable.
    static func redisReplicas() throws -> (up: String, down: String) {
        (try variable("VITALS_TEST_REDIS_REPLICA"), try variable("VITALS_TEST_REDIS_REPLICA_DOWN"))
    }

    static let mysqlAvailable = TestEnvironment.required || env["VITALS_TEST_MYSQL_DSN"] != nil
    static let skipMySQL: Comment = "MariaDB test server not configured (set VITALS_TEST_MYSQL_DSN, or run `make test`)"

    /// The MariaDB primary (`vitals` with a password; `vitals_tls` must use TLS), its replica,
    /// and a replica whose primary is unreachable (same `vitals` user and password).
    struct MySQL {
        var dsn: String
        var password: String
        var tlsDSN: String
        var replicaDSN: String
        var replicaDownDSN: String
    }

    static func mysql() throws -> MySQL {
        MySQL(
            dsn: try variable("VITALS_TEST_MYSQL_DSN"), password: try variable("VITALS_TEST_MYSQL_PASSWORD"),
            tlsDSN: try variable("VITALS_TEST_MYSQL_TLS_DSN"), replicaDSN: try variable("VITALS_TEST_MYSQL_REPLICA_DSN"),
            replicaDownDSN: try variable("VITALS_TEST_MYSQL_REPLICA_DOWN_DSN"))
    }

    static func variable(_ name: String) throws -> String {
        try TestEnvironment.require(name)
    }
}

/// Helpers shared by the database probe tests.
enum DBTest {
    static func spec(_ settings: ProbeSettings, timeout: Duration = .seconds(2), thresholds: Thresholds = Thresholds()) -> ComponentSpec {
        ComponentSpec(name: "db", interval: .seconds(10), timeout: timeout, thresholds: thresholds, probe: settings)
    }

    /// Runs `probe` with a deadline `timeout` from now; also returns when it came back,
    /// relative to that deadline (negative: early).
    static func timed(_ probe: any Probe, timeout: Duration) async -> (result: ProbeResult, pastDeadline: Duration, elapsed: Duration) {
        let start = ContinuousClock.now
        let deadline = start + timeout
        let result = await probe.run(deadline: deadline)
        let end = ContinuousClock.now
        return (result, deadline.duration(to: end), start.duration(to: end))
    }

    /// Runs `stuck` (aimed at a server that accepts and never answers) with a 600 ms budget and,
    /// 50 ms later, `healthy` beside it: the stuck one must end at its deadline with a timeout,
    /// and the healthy one before that deadline, not behind it. Returns the healthy one's result.
    static func expectHungEndsAtTheDeadline(
        _ stuck: any Probe, beside healthy: any Probe, sourceLocation: Testing.SourceLocation = #_sourceLocation
    ) async throws -> ProbeResult {
        async let stuckRun = timed(stuck, timeout: .milliseconds(600))
        try await Task.sleep(for: .milliseconds(50))
        let other = await timed(healthy, timeout: .seconds(2))
        let (r, past, _) = await stuckRun
        #expect(!r.success, sourceLocation: sourceLocation)
        #expect(r.message == "timeout after 600ms", sourceLocation: sourceLocation)
        #expect(past >= .milliseconds(-5) && past < Timing.slack, "returned \(past) past the deadline", sourceLocation: sourceLocation)
        #expect(other.elapsed < .milliseconds(550), "the healthy probe took \(other.elapsed) next to a hung one", sourceLocation: sourceLocation)
        return other.result
    }

    /// A healthy database run: connect and query times measured and within its latency, judged
    /// healthy without thresholds, its message clean.
    static func expectHealthyRun(_ r: ProbeResult, secrets: [String], sourceLocation: Testing.SourceLocation = #_sourceLocation) throws {
        let connect = try #require(r.number("connect_time"), sourceLocation: sourceLocation)
        let query = try #require(r.number("query_time"), sourceLocation: sourceLocation)
        #expect(connect > 0 && query > 0 && connect + query <= r.latency.seconds + 1e-6, sourceLocation: sourceLocation)
        #expect(Judge.judge(r, thresholds: Thresholds()).status == .healthy, sourceLocation: sourceLocation)
        expectClean(r.message, secrets: secrets, sourceLocation: sourceLocation)
    }

    static func latencyThreshold(degraded: Duration) -> Thresholds {
        Thresholds(["latency": Threshold(degraded: degraded.seconds, unit: .seconds)])
    }

    /// A message is one line, short, and has no trace of any secret.
    static func expectClean(_ message: String, secrets: [String], sourceLocation: Testing.SourceLocation = #_sourceLocation) {
        #expect(!message.contains("\n") && !message.contains("\r"), "message has several lines: \(message)", sourceLocation: sourceLocation)
        #expect(!message.isEmpty && message.count <= 300, sourceLocation: sourceLocation)
        for s in secrets where !s.isEmpty {
            #expect(!message.contains(s), "message leaks a secret: \(message)", sourceLocation: sourceLocation)
        }
    }

    static let badRequest = Array("HTTP/1.1 400 Bad Request\r\n\r\n".utf8)
}

/// A tiny RESP server on 127.0.0.1 for what a real test server cannot show (a replica whose
/// link is down, `maxmemory` set, a server that answers slowly): every command is answered by
/// `answer`, after `delay`.
final class FakeRedis: Sendable {
    let port: Int
    private let server: Int32
    private let held = HeldSockets()
    private let stopped = Atomic(false)

    init(delay: Duration = .zero, answer: @escaping @Sendable ([String]) -> String) throws {
        let (fd, port) = try LoopbackSocket.bind(SOCK_STREAM)
        self.port = port
        guard listen(fd, 16) == 0 else { throw POSIXError(.EADDRINUSE) }
        server = fd
        let held = self.held
        Thread.detachNewThread {
            while true {
                let c = accept(fd, nil, nil)
                if c < 0 {
                    // `stop` shut the socket down; closing it here, once, by the only thread
                    // that uses it, means no accept can ever land on a reused descriptor number.
                    close(fd)
                    return
                }
                guard held.serve(c) else { continue }
                Thread.detachNewThread {
                    Self.serve(c, delay: delay, answer: answer)
                    held.release(c)
                }
            }
        }
    }

    private static func serve(_ c: Int32, delay: Duration, answer: @Sendable ([String]) -> String) {
        var pending: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = recv(c, &chunk, chunk.count, 0)
            if n <= 0 { return }
            pending += chunk[..<n]
            var out = ""
            while let (command, used) = parse(pending) {
                pending.removeFirst(used)
                out += answer(command)
            }
            if !out.isEmpty {
                Thread.sleep(forTimeInterval: delay.seconds)
                _ = Array(out.utf8).withUnsafeBytes { send(c, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            }
        }
    }

    /// One `*N\r\n$len\r\narg\r\n...` command, and how many bytes it took; nil if incomplete.
    static func parse(_ bytes: [UInt8]) -> ([String], Int)? {
        var i = 0
        func line() -> String? {
            guard let end = bytes[i...].firstIndex(of: 13), end + 1 < bytes.count else { return nil }
            let text = String(decoding: bytes[i..<end], as: UTF8.self)
            i = end + 2
            return text
        }
        guard let head = line(), head.hasPrefix("*"), let count = Int(head.dropFirst()) else { return nil }
        var args: [String] = []
        for _ in 0..<count {
            guard let size = line(), size.hasPrefix("$"), let n = Int(size.dropFirst()), i + n + 2 <= bytes.count else { return nil }
            args.append(String(decoding: bytes[i..<i + n], as: UTF8.self))
            i += n + 2
        }
        return (args, i)
    }

    static func bulk(_ s: String) -> String { "$\(s.utf8.count)\r\n\(s)\r\n" }

    /// Idempotent: the descriptor is closed once, never a reused number.
    func stop() {
        guard !stopped.exchange(true, ordering: .relaxed) else { return }
        shutdown(server, Int32(SHUT_RDWR))
        held.closeAll()
    }

    deinit { stop() }
}
