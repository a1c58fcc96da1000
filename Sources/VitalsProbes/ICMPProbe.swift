#if canImport(Glibc)
import Glibc
#endif
import Foundation
import VitalsConfig
import VitalsCore
import VitalsIO

/// `icmp`: `count` echo requests `packet_interval` apart, each answered by the deadline or
/// lost; loss in percent and round trips min/avg/max, latency the average round trip.
///
/// One non-blocking socket per run, parked on the `SocketPoller` between requests and after the
/// last one (the wait for the next request is the poller's deadline, not a sleep), so no thread
/// is held; the name is looked up as the tcp probe does it. A reply's round trip runs from just
/// before `sendto` to the kernel's receive timestamp, so a late wake-up of the task under load
/// does not add to it.
public struct ICMPProbe: Probe {
    let host: String
    let count: Int
    let packetInterval: Duration
    let timeout: Duration
    /// Where this probe's blocking calls run, one at a time (`BlockingLane`).
    let lane = BlockingLane()
    /// nil: unprivileged where allowed, else raw. Tests force each kind.
    let socketKind: EchoSocket.Kind?

    /// Datagrams a run reads at most: its replies, their duplicates and whatever else passes the
    /// kernel's matching. Past it the run ends with what it has, so a peer that floods costs
    /// only this probe, and only a bounded amount of work.
    static func readBudget(count: Int) -> Int { 1024 + 16 * count }
    /// Bytes kept of one datagram: our 64-byte echo with an IPv4 header and options fits.
    static let datagramLimit = 2048
    /// Payload of a request: the run's cookie, then a pattern up to ping's 56 bytes.
    static let payloadSize = 56

    public init(settings: ICMPSettings, timeout: Duration) throws { try self.init(settings: settings, timeout: timeout, socket: nil) }

    package init(settings: ICMPSettings, timeout: Duration, socket: EchoSocket.Kind?) throws {
        host = settings.host
        count = settings.count
        packetInterval = settings.packetInterval(timeout: timeout)
        self.timeout = timeout
        socketKind = socket
    }

    /// Every wait (the name lookup, between requests, for replies) ends at the deadline.
    public var returnsByDeadline: Bool { true }
    public var blockedSince: ContinuousClock.Instant? { lane.busySince }

    public func run(deadline: ContinuousClock.Instant) async -> ProbeResult {
        let start = ContinuousClock.now
        let target: Data
        let targetIP: [UInt8]
        switch await TCPConnection.resolve(host: host, port: 0, deadline: deadline, lane: lane) {
        case .success(let addresses):
            guard let (address, ip) = addresses.lazy.compactMap({ a in EchoSocket.addressBytes(a).map { (a, $0) } }).first else {
                return .failure("could not resolve host: no IPv4 or IPv6 address", latency: start.duration(to: .now))
            }
            (target, targetIP) = (address, ip)
        case .failure(let failure): return failure.result(timeout: timeout, latency: start.duration(to: .now))
        }
        let id = UInt16.random(in: 0...UInt16.max)
        let socket: EchoSocket
        switch EchoSocket.open(v6: targetIP.count == 16, kind: socketKind, id: id) {
        case .success(let s): socket = s
        case .failure(let why): return .failure(why.message, latency: start.duration(to: .now))
        }
        defer { socket.close() }

        let cookie = (0..<8).map { _ in UInt8.random(in: 0...255) }
        let payload = cookie + (cookie.count..<Self.payloadSize).map { UInt8(truncatingIfNeeded: $0) }
        var tally = EchoTally(target: targetIP, id: socket.kind == .raw ? id : nil, cookie: cookie)
        var reads = 0
        let budget = Self.readBudget(count: count)

        /// Reads what is queued, then waits for more until `until`: nil when it is time to send
        /// the next request, else why the run ends now (the deadline, every reply in, a failure).
        func collect(until: ContinuousClock.Instant, stopWhenAnswered: Bool) async -> Stop? {
            while true {
                drain: while reads < budget {
                    switch socket.receive(max: Self.datagramLimit) {
                    case .success(nil): break drain
                    case .success(let datagram?):
                        reads += 1
                        let reply = EchoPacket.reply(datagram.bytes, v6: socket.v6, ipHeader: socket.repliesCarryIPHeader)
                        tally.receive(reply, from: datagram.from, at: datagram.receivedAt)
                    case .failure(let why): return .failed(why.message)
                    }
                }
                if reads >= budget { return .flooded }
                if stopWhenAnswered && tally.allAnswered { return .done }
                let now = ContinuousClock.now
                if now >= deadline { return .done }
                if now >= until { return nil }
                switch await socket.waitReadable(until: Swift.min(until, deadline)) {
                case .ready, .timedOut: continue
                case .cancelled: return .cancelled
                case .failed(let e): return .failed("epoll: \(String(cString: strerror(e)))")
                }
            }
        }

        var stop: Stop?
        let first = ContinuousClock.now
        for sequence in 0..<count {
            let due = first + packetInterval * sequence
            if due >= deadline { break }
            if sequence > 0, let s = await collect(until: due, stopWhenAnswered: false) {
                stop = s
                break
            }
            let request = EchoPacket.request(v6: socket.v6, id: id, sequence: UInt16(sequence), payload: payload)
            let sentAt = EchoSocket.now()
            let err = socket.send(request, to: target)
            if err == 0 {
                tally.sent(UInt16(sequence), at: sentAt)
            } else {
                tally.notSent("sendto: \(String(cString: strerror(err)))")
            }
        }
        if stop == nil { stop = await collect(until: deadline, stopWhenAnswered: true) }

        let elapsed = start.duration(to: .now)
        switch stop {
        case .cancelled?: return .failure("cancelled", latency: elapsed)
        case .failed(let why)?: return .failure(why, latency: elapsed)
        case .flooded?:
            // The measurement is incomplete (requests unsent), and a flood is news in itself.
            let observations = tally.result(address: EchoSocket.text(targetIP), socket: socket.kind, elapsed: elapsed).observations
            return .failure(
                "flooded: stopped after reading \(budget) packets (\(tally.sentCount) of \(count) requests sent, "
                    + "\(tally.received) replies, \(tally.foreign) packets not ours)",
                latency: elapsed, observations: observations)
        case .done?, nil:
            if tally.sentCount == 0 { return .timeout(after: timeout) }
            return tally.result(address: EchoSocket.text(targetIP), socket: socket.kind, elapsed: elapsed)
        }
    }

    enum Stop {
        case done, cancelled, flooded
        case failed(String)
    }
}
