#if canImport(Glibc)
import Glibc
#endif
import CVitalsSystem
import Foundation
import VitalsConfig
import VitalsCore
import VitalsIO

/// `tcp`: connect within the deadline; optionally send bytes and match the first bytes read
/// against a regex. Non-blocking sockets parked on the `SocketPoller`: no thread per probe.
public struct TCPProbe: Probe {
    let host: String
    let port: Int
    let send: [UInt8]
    let expect: StreamExpect?
    /// `expect.conditions` and `body_not_contains`, judged on what was read.
    let conditions: [Condition]
    let timeout: Duration
    /// Where this probe's blocking calls run, one at a time (`BlockingLane`).
    let lane = BlockingLane()

    public init(settings: TCPSettings, timeout: Duration) throws {
        (host, port) = try HostPort.split(settings.address)
        send = settings.send
        conditions = settings.conditions.checks
        expect = try StreamExpect(pattern: settings.expect, conditions: conditions)
        self.timeout = timeout
    }

    /// Every wait (the name lookup, connect, write, read) ends at the deadline.
    public var returnsByDeadline: Bool { true }
    public var blockedSince: ContinuousClock.Instant? { lane.busySince }

    public func run(deadline: ContinuousClock.Instant) async -> ProbeResult {
        let start = ContinuousClock.now
        let connection: TCPConnection
        switch await TCPConnection.open(host: host, port: port, deadline: deadline, lane: lane) {
        case .success(let c): connection = c
        case .failure(let failure): return failure.result(timeout: timeout, latency: start.duration(to: .now))
        }
        defer { connection.close() }
        let connected = start.duration(to: .now)
        var observations = [Observation("connect_time", connected.seconds, unit: "seconds")]
        if !send.isEmpty {
            if let failure = await connection.write(send, deadline: deadline) {
                return failure.result(timeout: timeout, latency: start.duration(to: .now))
            }
        }
        guard let expect else {
            var result = ProbeResult(success: true, latency: connected, message: "connected in \(Self.ms(connected))", observations: observations)
            result.apply(StreamExpect.judge(conditions, body: nil, result: result))
            return result
        }
        let outcome = await expect.read(timeout: timeout) { max -> StreamExpect.Read<TCPConnection.Failure> in
            switch await connection.read(max: max, deadline: deadline) {
            case .success(let chunk): .bytes(chunk)
            case .failure(let failure):
                if case .timedOut = failure { .failed(failure, timedOut: true) } else { .failed(failure, timedOut: false) }
            }
        }
        switch outcome {
        case .matched(let received):
            observations.append(Observation("bytes_read", Double(received.count), unit: "bytes"))
            var result = ProbeResult(
                success: true, latency: start.duration(to: .now), message: "connected, \(expect.matchedText(received))", observations: observations)
            result.apply(StreamExpect.judge(expect.pattern.map { [$0] + conditions } ?? conditions, body: received, result: result))
            return result
        case .noMatch(let message, let atTimeout):
            return .failure(message, latency: atTimeout ? timeout : start.duration(to: .now), observations: observations)
        case .failed(let failure):
            return failure.result(timeout: timeout, latency: start.duration(to: .now))
        }
    }

    static func ms(_ d: Duration) -> String {
        let v = (d.seconds * 10_000).rounded() / 10
        return "\(v)ms"
    }
}

extension TCPConnection.Failure {
    /// A connection that failed, as a probe reports it.
    func result(timeout: Duration, latency: Duration) -> ProbeResult {
        switch self {
        case .timedOut: .timeout(after: timeout)
        case .refused: .failure("connection refused", latency: latency)
        case .resolve(let why): .failure("could not resolve host: \(why)", latency: latency)
        case .cancelled: .failure("cancelled", latency: latency)
        case .system(let why): .failure(why, latency: latency)
        case .busy(let busy): .stillHung(startedAt: busy.since, latency: latency)
        }
    }
}

/// Splits `host:port` and `[v6]:port` (the config has validated it already).
enum HostPort {
    static func split(_ address: String) throws -> (String, Int) {
        guard !address.hasPrefix(":"), let a = ListenAddress(parsing: address), a.port > 0 else {
            throw ProbeSetupError("expected host:port, got \(address)", key: "address")
        }
        return (a.host, a.port)
    }
}

extension StreamExpect {
    /// A tcp component's conditions (its `expect` regex first, when it has one) on a connection
    /// that succeeded: `body` is what was read (nil when nothing was), there is no `status`.
    static func judge(_ conditions: [Condition], body: [UInt8]?, result: ProbeResult) -> [ConditionOutcome] {
        guard !conditions.isEmpty else { return [] }
        var evaluator = ConditionEvaluator(ConditionSubject(latency: result.latency, body: body, observations: result.observations))
        return evaluator.evaluate(conditions)
    }
}

/// A one-line, printable view of bytes a server sent.
enum Printable {
    static func excerpt(_ bytes: [UInt8], limit: Int = 60) -> String {
        var out = ""
        for b in bytes.prefix(limit) {
            switch b {
            case 0x0d: out += "\\r"
            case 0x0a: out += "\\n"
            case 0x20..<0x7f: out.append(Character(Unicode.Scalar(b)))
            default: out += String(format: "\\x%02x", b)
            }
        }
        return bytes.count > limit ? out + "..." : out
    }
}

/// A probe's settings could not be turned into a probe (reported by `vitals validate`/`run`).
public struct ProbeSetupError: Error, CustomStringConvertible {
    public var description: String
    /// The component's key whose value is refused (`dsn`, `expect`), for the error's location.
    public var key: String?
    public init(_ description: String, key: String? = nil) {
        self.description = description
        self.key = key
    }
}
