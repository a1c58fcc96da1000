import Foundation
import VitalsConfig
import VitalsCore
import VitalsIO

/// `dns`: one query for one record type, to one server or the system's resolvers, through
/// c-ares on the socket poller (`DNSLookup`); the reply is judged by its response code and,
/// with `expect.answer_regex`, by its answers as text.
///
/// The expected code is NOERROR unless `expect.rcode` says otherwise, and NOERROR also needs a
/// record of the asked type: an empty NOERROR answer is what a deleted record looks like, and
/// a check of `api.example.com A` that passes without an address is no check.
public struct DNSProbe: Probe {
    /// The name on the wire: the query, or for a PTR of an address its reverse name.
    let name: String
    let record: DNSRecordType
    let server: ListenAddress?
    let expectedRCode: Int
    /// `answer_regex`, `body_not_contains` and the written conditions, built once.
    let conditions: [Condition]
    let timeout: Duration

    /// Answers shown in the `answers` observation (8) and in messages (3), each cut at
    /// `shownLength` characters: a large answer must not swell every stored result.
    static let shownAnswers = 8
    static let answersInMessage = 3
    static let shownLength = 80

    public init(settings: DNSSettings, timeout: Duration) throws {
        record = settings.record
        if settings.record == .ptr, let address = IPAddressText.parse(settings.query) {
            name = IPAddressText.reverseName(address)
        } else if settings.record == .ptr, settings.query.contains(":") {
            throw ProbeSetupError("not an IPv6 address: \(settings.query)", key: "query")
        } else {
            name = settings.query
        }
        server = settings.serverAddress
        if let written = settings.server, server.flatMap({ IPAddressText.parse($0.host) }) == nil {
            throw ProbeSetupError("not an IP address (c-ares does not look up its servers' names): \(written)", key: "server")
        }
        expectedRCode = settings.expect.rcode
        do {
            conditions = try settings.expect.allConditions()
        } catch {
            throw ProbeSetupError("expect: \(error)", key: "expect")
        }
        self.timeout = timeout
    }

    /// The lookup's one wait, on the socket poller, ends at the deadline.
    public var returnsByDeadline: Bool { true }

    public func run(deadline: ContinuousClock.Instant) async -> ProbeResult {
        let start = ContinuousClock.now
        switch await DNSLookup.query(name, type: record.code, server: server, deadline: deadline) {
        case .failure(.timedOut): return .timeout(after: timeout)
        case .failure(.refused): return .failure("connection refused by \(serverText)", latency: start.duration(to: .now))
        case .failure(.cancelled): return .failure("cancelled", latency: start.duration(to: .now))
        case .failure(.failed(let why)): return .failure(why, latency: start.duration(to: .now))
        case .success(let answer):
            do {
                return judge(try DNSReply(parsing: answer.message), overTCP: answer.overTCP, lookupTime: answer.lookupTime)
            } catch {
                return .failure("malformed answer from \(serverText): \(error)", latency: answer.lookupTime)
            }
        }
    }

    var serverText: String { server?.description ?? "the system's resolvers" }

    /// The result for a reply: its code against the expected one, then the answers.
    func judge(_ reply: DNSReply, overTCP: Bool, lookupTime: Duration) -> ProbeResult {
        let answers = reply.answers.map { $0.type == record.code ? $0.text : "\($0.typeName) \($0.text)" }
        var observations = [
            Observation("rcode", Double(reply.rcode)),
            Observation("answer_count", Double(reply.answers.count), unit: "count"),
            Observation("lookup_time", lookupTime.seconds, unit: "seconds"),
        ]
        if let soa = reply.answers.first(where: { $0.type == DNSRecordType.soa.code }),
            let serial = soa.text.split(separator: " ").dropFirst(2).first.flatMap({ Double($0) })
        {
            observations.append(Observation("serial", serial))
        }
        observations.append(Observation("answers", text: Self.shown(answers, Self.shownAnswers)))
        observations.append(Observation("transport", text: overTCP ? "tcp" : "udp"))
        let code = DNSRCode.name(reply.rcode)
        func fail(_ message: String) -> ProbeResult { .failure(message, latency: lookupTime, observations: observations) }

        guard reply.rcode == expectedRCode else {
            if reply.rcode == DNSRCode.nxDomain { return fail("NXDOMAIN: \(name) does not exist") }
            return fail("\(code) from \(serverText), expected \(DNSRCode.name(expectedRCode))")
        }
        if expectedRCode == DNSRCode.noError, !reply.answers.contains(where: { $0.type == record.code }) {
            return fail("NOERROR but no \(record.rawValue) record for \(name)" + (answers.isEmpty ? "" : " (\(Self.shown(answers)))"))
        }
        // `status` is the response code's name, `answers` the list, `body` the answers one per line.
        var evaluator = ConditionEvaluator(
            ConditionSubject(
                latency: lookupTime, status: .string(code), body: Array(answers.joined(separator: "\n").utf8), observations: observations,
                named: ["answers": .json(.array(answers.map(JSONValue.string)))]))
        let outcomes = evaluator.evaluate(conditions)
        var message = code + (overTCP ? " over TCP" : "")
        if !answers.isEmpty { message += ", \(answers.count) answer\(answers.count == 1 ? "" : "s"): \(Self.shown(answers))" }
        var result = ProbeResult(success: true, latency: lookupTime, message: message, observations: observations)
        result.apply(outcomes)
        let failed = outcomes.filter { !$0.passed }
        if !failed.isEmpty {
            // An `answer_regex` failure quotes the answers it was tried on.
            result.message = failed.map { outcome in
                guard case .answerRegex? = outcome.condition.legacy, outcome.reason == nil, !answers.isEmpty else { return outcome.failureMessage }
                return outcome.failureMessage + " (\(Self.shown(answers)))"
            }.joined(separator: "; ")
        }
        return result
    }

    /// `10.0.0.5, 10.0.0.6 (+3 more)`: the first answers, each cut to a readable length.
    static func shown(_ answers: [String], _ count: Int = answersInMessage) -> String {
        let cut = answers.prefix(count).map { $0.count > shownLength ? $0.prefix(shownLength - 3) + "..." : $0 }
        return cut.joined(separator: ", ") + (answers.count > count ? " (+\(answers.count - count) more)" : "")
    }
}
