import Foundation
import VitalsCore
import VitalsIO

/// What one icmp run sent and which replies count, and the result they make. Pure: the probe
/// feeds it the packets it sends and every datagram its socket reads, in order.
///
/// A reply counts once, when it is an echo reply from the probed address to a request of this
/// run: its sequence number was sent and not yet answered, its payload starts with the run's
/// random cookie, and, on a raw socket, its identifier is ours (the socket's kernel filter
/// passes only those already; this is the check that does not depend on it). A ping socket's
/// identifier is chosen and matched by the kernel, so there it is not checked. Anything else
/// is foreign and only counted.
struct EchoTally {
    let target: [UInt8]
    /// Checked on raw sockets only.
    let id: UInt16?
    let cookie: [UInt8]
    private(set) var sentCount = 0
    /// Send times (CLOCK_REALTIME ns) of the requests not answered yet, by sequence number.
    private var waiting: [UInt16: Int64] = [:]
    private(set) var rtts: [Duration] = []
    private(set) var foreign = 0
    /// Why a request could not be sent, the first time one could not.
    private(set) var sendError: String?

    init(target: [UInt8], id: UInt16?, cookie: [UInt8]) {
        self.target = target
        self.id = id
        self.cookie = cookie
    }

    /// Whether every request sent so far has its reply.
    var allAnswered: Bool { waiting.isEmpty }

    mutating func sent(_ sequence: UInt16, at nanoseconds: Int64) {
        sentCount += 1
        waiting[sequence] = nanoseconds
    }

    /// A request the kernel refused to send: lost, and the reason kept for the message.
    mutating func notSent(_ why: String) {
        sentCount += 1
        if sendError == nil { sendError = why }
    }

    /// Takes a datagram from the socket; true when it was a reply of this run.
    @discardableResult
    mutating func receive(_ reply: EchoPacket.Reply?, from source: [UInt8], at nanoseconds: Int64) -> Bool {
        guard let reply, source == target, id == nil || reply.id == id, reply.payload.starts(with: cookie),
            let sentAt = waiting.removeValue(forKey: reply.sequence)
        else {
            foreign += 1
            return false
        }
        rtts.append(.nanoseconds(max(0, nanoseconds - sentAt)))
        return true
    }

    var received: Int { rtts.count }
    var lossPercent: Double { sentCount == 0 ? 100 : Double(sentCount - received) * 100 / Double(sentCount) }

    /// The run's result. Latency is the average round trip; with no reply at all the run
    /// fails (`100% packet loss (3 sent)`) and its latency is how long it waited.
    func result(address: String, socket: EchoSocket.Kind, elapsed: Duration) -> ProbeResult {
        var observations = [
            Observation("packets_sent", Double(sentCount), unit: "count"),
            Observation("packets_received", Double(received), unit: "count"),
            Observation("packet_loss_percent", lossPercent, unit: "percent"),
        ]
        let why = sendError.map { "; \($0)" } ?? ""
        guard let min = rtts.min(), let max = rtts.max() else {
            observations += [Observation("address", text: address), Observation("socket", text: socket.rawValue)]
            return .failure("100% packet loss (\(sentCount) sent)\(why)", latency: elapsed, observations: observations)
        }
        let avg = rtts.reduce(Duration.zero, +) / rtts.count
        observations += [
            Observation("rtt_min", min.seconds, unit: "seconds"),
            Observation("rtt_avg", avg.seconds, unit: "seconds"),
            Observation("rtt_max", max.seconds, unit: "seconds"),
            Observation("address", text: address),
            Observation("socket", text: socket.rawValue),
        ]
        let rtt = "rtt min/avg/max \(Self.ms(min))/\(Self.ms(avg))/\(Self.ms(max)) ms"
        let message =
            received == sentCount
            ? "\(received)/\(sentCount) replies from \(address), \(rtt)"
            : "\(Self.percent(lossPercent)) packet loss (\(sentCount) sent, \(received) received) from \(address), \(rtt)\(why)"
        return ProbeResult(success: true, latency: avg, message: message, observations: observations)
    }

    /// Milliseconds as ping prints them: `0.045`, `51.203`.
    static func ms(_ d: Duration) -> String { String(format: "%.3f", d.seconds * 1000) }

    /// `50%`, `33.3%`.
    static func percent(_ p: Double) -> String {
        let tenths = (p * 10).rounded() / 10
        return tenths == tenths.rounded() ? "\(Int(tenths))%" : "\(tenths)%"
    }
}
