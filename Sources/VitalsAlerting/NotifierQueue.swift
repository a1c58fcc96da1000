import Foundation
import Logging
import Synchronization
import VitalsConfig
import VitalsCore

/// What a queued notification is about.
public enum DeliveryKind: String, Sendable, Codable, Equatable {
    case firing
    case `repeat`
    case resolved
    /// An Alertmanager re-post of a firing alert, keeping its `endsAt` ahead.
    case refresh
}

/// One notification waiting for one notifier: the encoded body and what it is about.
struct Delivery: Sendable {
    var instanceKey: String
    /// The notification's id within its alert instance; nil for re-posts, which nothing waits
    /// to be confirmed.
    var eventID: Int?
    var kind: DeliveryKind
    var body: [UInt8]
    var createdAt: Date
    /// Where this one goes when not to the notifier's own URL (`PayloadEncoder.address`: an
    /// Opsgenie close is addressed by the alert's alias). Same queue, retries and headers.
    var url: String? = nil
}

/// The result of one attempt, as the queue reports it back to the rule engine.
struct AttemptReport: Sendable {
    enum Result: Sendable, Equatable {
        /// `status` is the HTTP status or SMTP reply code; nil for the `log` notifier.
        case delivered(status: Int?)
        /// Failed; another attempt follows.
        case failed(status: Int?, error: String)
        /// The receiver refused the request (4xx): not retried.
        case rejected(status: Int, error: String)
        /// Failed, and the retry budget is spent (or the daemon is stopping).
        case gaveUp(status: Int?, error: String)
        /// The queue was full and dropped it before any attempt.
        case dropped
        /// The daemon stopped before it was delivered: not confirmed, so with persistent
        /// storage the next start sends it again.
        case interrupted(error: String)
    }
    var notifier: String
    var instanceKey: String
    var eventID: Int?
    var kind: DeliveryKind
    var attempt: Int
    var at: Date
    var result: Result

    var isDelivered: Bool {
        if case .delivered = result { return true }
        return false
    }

    /// No further attempt will be made for this delivery.
    var isFinal: Bool {
        if case .failed = result { return false }
        return true
    }
}

/// A bounded queue and its delivery loop for one notifier.
///
/// Every notifier has its own queue and its own task, so a receiver that is slow, hangs or
/// fails delays only its own notifications: never probes, endpoints or other notifiers.
/// Deliveries go out in order, one at a time, each retried with backoff until it is delivered,
/// refused, or its retry budget is spent, so a resolve never overtakes its firing. When the
/// receiver is down long enough for the queue to fill, the oldest waiting notification is
/// dropped (newer ones describe the current state better) and counted.
final class NotifierQueue: Sendable {
    let spec: NotifierSpec
    let capacity: Int
    private let stream: AsyncStream<Delivery>
    private let continuation: AsyncStream<Delivery>.Continuation
    /// Queued plus in flight, and who waits for it to reach zero.
    private let pending = Mutex<(count: Int, waiters: [CheckedContinuation<Void, Never>])>((0, []))

    init(spec: NotifierSpec, capacity: Int) {
        self.spec = spec
        self.capacity = max(capacity, 1)
        (stream, continuation) = AsyncStream.makeStream(of: Delivery.self, bufferingPolicy: .bufferingNewest(max(capacity, 1)))
    }

    /// Queues a delivery; returns the one dropped to make room (or this one, if the queue is
    /// finished), nil when nothing was dropped.
    func enqueue(_ delivery: Delivery) -> Delivery? {
        pending.withLock { $0.count += 1 }
        switch continuation.yield(delivery) {
        case .enqueued:
            return nil
        case .dropped(let old):
            settle()
            return old
        case .terminated:
            settle()
            return delivery
        @unknown default:
            settle()
            return delivery
        }
    }

    /// Lets the loop finish what is queued, then end.
    func finish() { continuation.finish() }

    /// Queued plus in flight.
    var depth: Int { pending.withLock { max($0.count, 0) } }

    /// Returns once nothing is queued or in flight.
    func drained() async {
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            let ready = pending.withLock { state -> Bool in
                if state.count <= 0 { return true }
                state.waiters.append(c)
                return false
            }
            if ready { c.resume() }
        }
    }

    private func settle() {
        let waiters = pending.withLock { state -> [CheckedContinuation<Void, Never>] in
            state.count -= 1
            guard state.count <= 0 else { return [] }
            defer { state.waiters = [] }
            return state.waiters
        }
        for w in waiters { w.resume() }
    }

    /// The delivery loop: runs until the queue is finished and empty, or the task is cancelled.
    /// `logger` is where a `log` notifier writes.
    func run<C: Clock>(
        transport: any HTTPTransport, logger: Logger = Logger(label: "vitals", factory: { _ in SwiftLogNoOpLogHandler() }), clock: C, policy: RetryPolicy, random: @escaping @Sendable () -> Double,
        now: @escaping @Sendable () -> Date, report: @escaping @Sendable (AttemptReport) -> Void
    ) async where C.Duration == Duration {
        let channel = DeliveryChannel(spec: spec, transport: transport, logger: logger)
        let scrubber = Redactor.notifier(url: spec.url.value, secrets: spec.secretValues)
        for await delivery in stream {
            await deliver(
                delivery, channel: channel, scrubber: scrubber, clock: clock, policy: policy, random: random, now: now, report: report)
            settle()
        }
        // Cancelled: what is still buffered will not be sent by this process. It stays
        // unconfirmed in the persisted alert state and is re-sent on the next start.
    }

    private func deliver<C: Clock>(
        _ delivery: Delivery, channel: DeliveryChannel, scrubber: Redactor, clock: C, policy: RetryPolicy,
        random: @Sendable () -> Double, now: @Sendable () -> Date, report: @Sendable (AttemptReport) -> Void
    ) async where C.Duration == Duration {
        let started = clock.now
        var attempt = 0
        func send(_ result: AttemptReport.Result) {
            report(
                AttemptReport(
                    notifier: spec.name, instanceKey: delivery.instanceKey, eventID: delivery.eventID, kind: delivery.kind,
                    attempt: attempt, at: now(), result: result))
        }
        while true {
            attempt += 1
            let (body, url) = (delivery.body, delivery.url)
            let outcome = await Self.bounded(timeout: spec.timeout) { await channel.send(body, to: url, timeout: self.spec.timeout) }
            let status: Int?
            let error: String
            switch outcome {
            case .status(let code):
                status = code
                error = "HTTP \(code)"
            case .throttled(let code, let wait):
                status = code
                error = "HTTP \(code), Retry-After \(DurationFormat.short(wait))"
            case .smtpReply(let code, let text):
                status = code
                error = scrubber.scrub(text.isEmpty ? "SMTP \(code)" : "SMTP \(text)")
            case .logged:
                status = nil
                error = ""
            case .failed(let text):
                status = nil
                error = scrubber.scrub(text)
            }
            switch DeliveryVerdict(outcome) {
            case .delivered:
                send(.delivered(status: status))
                return
            case .rejected:
                send(.rejected(status: status ?? 400, error: error))
                return
            case .retry:
                let delay = policy.wait(afterAttempt: attempt, outcome: outcome, random: random())
                let spent = started.duration(to: clock.now)
                if Task.isCancelled {
                    send(.interrupted(error: error))
                    return
                }
                if spent + delay > policy.budget(after: outcome) {
                    send(.gaveUp(status: status, error: error))
                    return
                }
                send(.failed(status: status, error: error))
                // Named apart: inside `catch`, `error` is the sleep's own (CancellationError()
                // at shutdown), which is not why the notification was waiting.
                let lastError = error
                do {
                    try await clock.sleep(until: clock.now.advanced(by: delay), tolerance: nil)
                } catch {
                    send(.interrupted(error: "stopped while waiting to retry after: \(lastError)"))
                    return
                }
            }
        }
    }

    /// A grace period past the configured timeout after which the queue stops waiting for a
    /// transport that did not honour it.
    static let timeoutGrace: Duration = .seconds(1)

    /// Runs one attempt (a transport call), but never waits longer than `timeout + timeoutGrace`.
    ///
    /// The attempt runs in a task of its own, raced by a watchdog on real time (a network
    /// timeout is a real-time fact, whatever clock drives the retry schedule), so even a
    /// transport that ignores its timeout and cancellation costs this notifier only its
    /// timeout; the abandoned task ends whenever the transport returns.
    static func bounded(timeout: Duration, _ attempt: @escaping @Sendable () async -> TransportOutcome) async -> TransportOutcome {
        let race = Race()
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<TransportOutcome, Never>) in
                race.start(continuation)
                race.add(
                    Task {
                        try? await Task.sleep(for: timeout + timeoutGrace)
                        race.finish(.failed("no answer within \(DurationFormat.short(timeout))"))
                    })
                race.add(
                    Task {
                        let outcome = await attempt()
                        race.finish(outcome)
                    })
            }
        } onCancel: {
            race.finish(.failed("cancelled"))
        }
    }
}

/// First finisher wins: resumes the continuation once and cancels the other tasks.
private final class Race: Sendable {
    private struct State {
        var continuation: CheckedContinuation<TransportOutcome, Never>?
        var outcome: TransportOutcome?
        var tasks: [Task<Void, Never>] = []
    }
    private let state = Mutex(State())

    func start(_ continuation: CheckedContinuation<TransportOutcome, Never>) {
        let early = state.withLock { s -> TransportOutcome? in
            if let outcome = s.outcome { return outcome }
            s.continuation = continuation
            return nil
        }
        if let early { continuation.resume(returning: early) }
    }

    func add(_ task: Task<Void, Never>) {
        let done = state.withLock { s -> Bool in
            if s.outcome != nil { return true }
            s.tasks.append(task)
            return false
        }
        if done { task.cancel() }
    }

    func finish(_ outcome: TransportOutcome) {
        let (continuation, tasks) = state.withLock { s -> (CheckedContinuation<TransportOutcome, Never>?, [Task<Void, Never>]) in
            guard s.outcome == nil else { return (nil, []) }
            s.outcome = outcome
            defer {
                s.continuation = nil
                s.tasks = []
            }
            return (s.continuation, s.tasks)
        }
        continuation?.resume(returning: outcome)
        for task in tasks { task.cancel() }
    }
}
