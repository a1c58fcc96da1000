import Foundation
import Synchronization
import Testing
import VitalsTestSupport
import VitalsConfig
import VitalsCore

@testable import VitalsAlerting

/// Collects what a queue reports.
final class Reports: Sendable {
    private let list = Mutex<[AttemptReport]>([])
    func add(_ r: AttemptReport) { list.withLock { $0.append(r) } }
    var all: [AttemptReport] { list.withLock { $0 } }
}

/// Never answers: stands in for a transport that ignores its own timeout.
struct StuckTransport: HTTPTransport {
    func post(url: String, headers: [(String, String)], body: [UInt8], timeout: Duration) async -> TransportOutcome {
        // An hour, or until cancelled: a continuation never resumed would be leaked instead.
        try? await Task.sleep(for: .seconds(3600))
        return .status(200)
    }
    func sendMail(_ mail: OutgoingMail, timeout: Duration) async -> TransportOutcome {
        try? await Task.sleep(for: .seconds(3600))
        return .smtpReply(250, "")
    }
}

/// Fails with a message that (wrongly) includes the URL and a header value.
struct LeakyTransport: HTTPTransport {
    func post(url: String, headers: [(String, String)], body: [UInt8], timeout: Duration) async -> TransportOutcome {
        .failed("could not POST \(url) with \(headers.map(\.1).joined(separator: ","))")
    }
    func sendMail(_ mail: OutgoingMail, timeout: Duration) async -> TransportOutcome {
        .smtpReply(535, "535 5.7.8 login \(mail.username ?? "") with \(mail.password ?? "") refused")
    }
}

/// Answers each attempt with the next scripted outcome (the last one forever after): the
/// queue's reading of outcomes, with no network in between.
final class ScriptedTransport: HTTPTransport, Sendable {
    private let script: Mutex<[TransportOutcome]>
    private let count = Mutex(0)
    init(_ script: [TransportOutcome]) { self.script = Mutex(script) }
    var attempts: Int { count.withLock { $0 } }
    func post(url: String, headers: [(String, String)], body: [UInt8], timeout: Duration) async -> TransportOutcome {
        count.withLock { $0 += 1 }
        return script.withLock { $0.count > 1 ? $0.removeFirst() : $0[0] }
    }
    func sendMail(_ mail: OutgoingMail, timeout: Duration) async -> TransportOutcome { .failed("no SMTP") }
}

@Suite(.serialized) struct DeliveryTests {
    func delivery(_ id: Int) -> Delivery {
        Delivery(instanceKey: "rule/db", eventID: id, kind: .firing, body: Array("{\"id\":\(id)}".utf8), createdAt: at(0))
    }

    let policy = RetryPolicy(initialDelay: .seconds(1), multiplier: 2, maxDelay: .seconds(60), maxElapsed: .seconds(300), jitter: 0.2)

    @Test func retriesWithBackoffThenDeliversOnce() async throws {
        let receiver = try HTTPReceiver(script: [.status(500), .status(503)], fallback: .status(200))
        defer { receiver.close() }
        let clock = ManualClock()
        let queue = NotifierQueue(spec: webhook(url: receiver.url + "/hook"), capacity: 8)
        let reports = Reports()
        let worker = Task {
            await queue.run(transport: LoopbackTransport(), clock: clock, policy: policy, random: { 0.5 }, now: { clock.wallNow }, report: reports.add)
        }
        defer { worker.cancel() }
        #expect(queue.enqueue(delivery(1)) == nil)
        _ = await receiver.waitFor(1)
        let first = await clock.nextSleep()
        #expect(first.offset == .seconds(1))
        clock.advance(to: first)
        _ = await receiver.waitFor(2)
        let second = await clock.nextSleep()
        #expect(second.offset == .seconds(3))  // 1s, then 2s more
        clock.advance(to: second)
        _ = await receiver.waitFor(3)
        await queue.drained()
        #expect(reports.all.map(\.result) == [.failed(status: 500, error: "HTTP 500"), .failed(status: 503, error: "HTTP 503"), .delivered(status: 200)])
        #expect(reports.all.map(\.attempt) == [1, 2, 3])
        // Much later: still exactly three requests, nothing sent twice.
        clock.advance(by: .seconds(3600))
        #expect(receiver.requests.count == 3)
        #expect(receiver.requests.allSatisfy { $0.path == "/hook" && $0.body == Array("{\"id\":1}".utf8) })
        #expect(receiver.requests[0].headers["content-type"] == "application/json")
    }

    /// A shutdown while a delivery waits to retry says why it was waiting (the last attempt's
    /// error), not the sleep's `CancellationError()`.
    @Test func shutdownWhileWaitingToRetryNamesTheLastError() async throws {
        let clock = ManualClock()
        let queue = NotifierQueue(spec: webhook(url: "http://127.0.0.1:9/hook"), capacity: 8)
        let reports = Reports()
        let worker = Task {
            await queue.run(transport: LeakyTransport(), clock: clock, policy: policy, random: { 0.5 }, now: { clock.wallNow }, report: reports.add)
        }
        #expect(queue.enqueue(delivery(1)) == nil)
        await clock.nextSleep()  // the first attempt failed; waiting to retry
        worker.cancel()
        await worker.value
        let results = reports.all.map(\.result)
        guard case .failed(_, let error)? = results.first else {
            Issue.record("no failed attempt first: \(results)")
            return
        }
        #expect(Array(results.dropFirst()) == [.interrupted(error: "stopped while waiting to retry after: \(error)")])
        #expect(!"\(results)".contains("CancellationError"))
    }

    @Test func givesUpAfterTheRetryBudget() async throws {
        let receiver = try HTTPReceiver(fallback: .status(500))
        defer { receiver.close() }
        let clock = ManualClock()
        let short = RetryPolicy(initialDelay: .seconds(10), multiplier: 2, maxDelay: .seconds(60), maxElapsed: .seconds(30), jitter: 0)
        let queue = NotifierQueue(spec: webhook(url: receiver.url), capacity: 8)
        let reports = Reports()
        let worker = Task { await queue.run(transport: LoopbackTransport(), clock: clock, policy: short, random: { 0 }, now: { clock.wallNow }, report: reports.add) }
        defer { worker.cancel() }
        _ = queue.enqueue(delivery(1))
        clock.advance(to: await clock.nextSleep())  // after 10s
        // Second failure: 10s + 20s would be 30s, the budget: one more is allowed at most.
        clock.advance(to: await clock.nextSleep())
        await queue.drained()
        #expect(reports.all.last?.result == .gaveUp(status: 500, error: "HTTP 500"))
        #expect(receiver.requests.count == 3)
    }

    @Test func refusedRequestsAreNotRetried() async throws {
        let receiver = try HTTPReceiver(fallback: .status(400))
        defer { receiver.close() }
        let clock = ManualClock()
        let queue = NotifierQueue(spec: webhook(url: receiver.url), capacity: 8)
        let reports = Reports()
        let worker = Task { await queue.run(transport: LoopbackTransport(), clock: clock, policy: policy, random: { 0.5 }, now: { clock.wallNow }, report: reports.add) }
        defer { worker.cancel() }
        _ = queue.enqueue(delivery(1))
        await queue.drained()
        #expect(reports.all.map(\.result) == [.rejected(status: 400, error: "HTTP 400")])
        #expect(receiver.requests.count == 1)
    }

    @Test func aHungReceiverCostsItsTimeoutAndDoesNotDelayAnotherNotifier() async throws {
        let hung = try HTTPReceiver(fallback: .hang)
        let fine = try HTTPReceiver(fallback: .slow(200, milliseconds: 50))
        defer {
            hung.close()
            fine.close()
        }
        let clock = ManualClock()
        let slowQueue = NotifierQueue(spec: webhook("slow", url: hung.url, timeout: .seconds(2)), capacity: 8)
        let fastQueue = NotifierQueue(spec: webhook("fast", url: fine.url), capacity: 8)
        let slowReports = Reports()
        let fastReports = Reports()
        let workers = [
            Task { await slowQueue.run(transport: LoopbackTransport(), clock: clock, policy: policy, random: { 0.5 }, now: { clock.wallNow }, report: slowReports.add) },
            Task { await fastQueue.run(transport: LoopbackTransport(), clock: clock, policy: policy, random: { 0.5 }, now: { clock.wallNow }, report: fastReports.add) },
        ]
        defer { for w in workers { w.cancel() } }
        _ = slowQueue.enqueue(delivery(1))
        _ = await hung.waitFor(1)
        _ = fastQueue.enqueue(delivery(1))
        await fastQueue.drained()
        // Delivered while the other receiver still holds its request.
        #expect(fastReports.all.map(\.result) == [.delivered(status: 200)])
        #expect(slowReports.all.isEmpty)
        // The hung attempt ends at its timeout (the receiver never answers) and is retried later.
        _ = await clock.nextSleep()
        guard case .failed(nil, let error) = slowReports.all.first?.result else {
            Issue.record("expected a failed attempt, got \(slowReports.all)")
            return
        }
        #expect(error.contains("timeout"))
    }

    @Test func aTransportIgnoringItsTimeoutIsAbandonedAfterAGracePeriod() async {
        let outcome = await NotifierQueue.bounded(timeout: .milliseconds(100)) {
            await StuckTransport().post(url: "http://127.0.0.1:9/", headers: [], body: [], timeout: .milliseconds(100))
        }
        #expect(outcome == .failed("no answer within 100ms"))
        let mail = OutgoingMail(url: "smtp://127.0.0.1:9", from: "a@x.example", to: ["b@x.example"], username: nil, password: nil, tls: TLSSettings(), message: [])
        #expect(await NotifierQueue.bounded(timeout: .milliseconds(100)) { await StuckTransport().sendMail(mail, timeout: .milliseconds(100)) } == .failed("no answer within 100ms"))
    }

    @Test func boundedQueueDropsTheOldestAndSaysWhich() async throws {
        let receiver = try HTTPReceiver()
        defer { receiver.close() }
        let clock = ManualClock()
        let queue = NotifierQueue(spec: webhook(url: receiver.url), capacity: 2)
        var dropped: [Int?] = []
        for id in 1...5 { if let d = queue.enqueue(delivery(id)) { dropped.append(d.eventID) } }
        #expect(dropped == [1, 2, 3])
        #expect(queue.depth == 2)
        let reports = Reports()
        let worker = Task { await queue.run(transport: LoopbackTransport(), clock: clock, policy: policy, random: { 0.5 }, now: { clock.wallNow }, report: reports.add) }
        defer { worker.cancel() }
        await queue.drained()
        #expect(reports.all.map(\.eventID) == [4, 5])
        #expect(receiver.requests.count == 2)
    }

    @Test func errorTextsNeverCarrySecrets() async {
        let clock = ManualClock()
        let spec = webhook(url: "http://127.0.0.1:9/services/T0/B0/TOPSECRETPATH", headers: ["Authorization": Secret("Bearer s3cr3t-token")])
        let queue = NotifierQueue(spec: spec, capacity: 2)
        let reports = Reports()
        let worker = Task { await queue.run(transport: LeakyTransport(), clock: clock, policy: policy, random: { 0.5 }, now: { clock.wallNow }, report: reports.add) }
        defer { worker.cancel() }
        _ = queue.enqueue(delivery(1))
        _ = await clock.nextSleep()
        guard case .failed(_, let error) = reports.all.first?.result else {
            Issue.record("expected a failure")
            return
        }
        #expect(!error.contains("TOPSECRETPATH"))
        #expect(!error.contains("s3cr3t-token"))
        #expect(error.contains("<redacted>"))
    }

    /// A 429 with Retry-After waits what it asks (not the 1 s backoff); one asking for a day
    /// waits the cap; a receiver throttling for ever is given up once the retry budget and the
    /// cap have passed since the first attempt, so it holds its own queue for a bounded time.
    @Test func retryAfterIsWaitedOutCappedAndBounded() async throws {
        let clock = ManualClock()
        let capped = RetryPolicy(initialDelay: .seconds(1), maxElapsed: .seconds(300), jitter: 0, maxRetryAfter: .seconds(3600))
        let transport = ScriptedTransport([
            .throttled(status: 429, retryAfter: .seconds(30)), .throttled(status: 429, retryAfter: .seconds(86400)), .status(204),
        ])
        let queue = NotifierQueue(spec: webhook(), capacity: 8)
        let reports = Reports()
        let worker = Task { await queue.run(transport: transport, clock: clock, policy: capped, random: { 0.5 }, now: { clock.wallNow }, report: reports.add) }
        defer { worker.cancel() }
        _ = queue.enqueue(delivery(1))
        let first = await clock.nextSleep()
        #expect(first.offset == .seconds(30))
        clock.advance(to: first)
        let second = await clock.nextSleep()
        #expect(second.offset == .seconds(30 + 3600))
        clock.advance(to: second)
        await queue.drained()
        #expect(
            reports.all.map(\.result) == [
                .failed(status: 429, error: "HTTP 429, Retry-After 30s"), .failed(status: 429, error: "HTTP 429, Retry-After 1d"),
                .delivered(status: 204),
            ])

        // Throttled for ever, Retry-After 0: backs off like any failure, gives up after the cap.
        let forever = ScriptedTransport([.throttled(status: 429, retryAfter: .zero)])
        let stubborn = NotifierQueue(spec: webhook(), capacity: 8)
        let more = Reports()
        let w2 = Task { await stubborn.run(transport: forever, clock: clock, policy: capped, random: { 0.5 }, now: { clock.wallNow }, report: more.add) }
        defer { w2.cancel() }
        _ = stubborn.enqueue(delivery(2))
        let start = clock.now
        let firstWait = await clock.nextSleep()
        #expect(start.duration(to: firstWait) == .seconds(1))
        clock.advance(to: firstWait)
        // Backoff 2, 4, ... 32 s, then 60 s waits until the next would pass 300 s + the hour: 69 waits.
        for _ in 2...69 { clock.advance(to: await clock.nextSleep()) }
        await stubborn.drained()
        #expect(more.all.last?.result == .gaveUp(status: 429, error: "HTTP 429, Retry-After 0s"))
        #expect(start.duration(to: clock.now) <= .seconds(3900))
        #expect(forever.attempts == 70, "\(forever.attempts) attempts in the hour")
    }

    @Test func retryAfterHeaderIsReadAsSecondsOrADate() {
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        #expect(RetryAfter.parse("120", now: now) == .seconds(120))
        #expect(RetryAfter.parse(" 0 ", now: now) == .zero)
        #expect(RetryAfter.parse("99999999999999999999", now: now) == .seconds(999_999_999))
        #expect(RetryAfter.parse("soon", now: now) == nil)
        #expect(RetryAfter.parse("-5", now: now) == nil)
        #expect(RetryAfter.parse(nil, now: now) == nil)
        let date = Date(timeIntervalSince1970: 1_784_102_430)  // Wed, 15 Jul 2026 08:00:30 GMT
        #expect(RetryAfter.parse("Wed, 15 Jul 2026 08:00:30 GMT", now: date.addingTimeInterval(-90)) == .seconds(90))
        #expect(RetryAfter.parse("Wed, 15 Jul 2026 08:00:30 GMT", now: date.addingTimeInterval(60)) == .zero)
        #expect(RetryAfter.outcome(status: 429, retryAfter: "2", now: now) == .throttled(status: 429, retryAfter: .seconds(2)))
        #expect(RetryAfter.outcome(status: 429, retryAfter: nil, now: now) == .status(429))
        #expect(RetryAfter.outcome(status: 500, retryAfter: "2", now: now) == .status(500))
    }
}
