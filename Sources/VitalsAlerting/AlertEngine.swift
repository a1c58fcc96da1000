import Foundation
import Logging
import Synchronization
import VitalsConfig
import VitalsCore

/// Alerting as the daemon runs it: rules over health, notifier queues, state in `Storage`.
///
/// All decisions live in `AlertBook`, a plain value behind one lock; this class only turns its
/// actions into I/O: deliveries go to per-notifier queues (each with its own task), state goes
/// to a single persister task in order. `observe`, `tick`, `reload`, `alertsJSON` and
/// `metricsText` are synchronous and never wait on the network or on storage, so neither the
/// health pipeline nor an endpoint can be delayed by a receiver.
///
/// `C` drives the retry schedule and the tick loop (a manual clock in tests); wall time for
/// timestamps and maintenance windows comes from `now`.
public final class AlertEngine<C: Clock>: Sendable where C.Duration == Duration {
    public struct Options: Sendable {
        /// Deliveries waiting per notifier before the oldest is dropped.
        public var queueCapacity: Int
        public var retry: RetryPolicy
        /// How often `run` ticks at the least (for maintenance windows, held-back firings and
        /// Alertmanager re-posts); a `for` or `repeat` falling due wakes it at that moment.
        /// nil: never, the caller ticks.
        public var tickInterval: Duration?
        /// How long resolved alerts stay listed in `/alerts`.
        public var resolvedRetention: Duration
        /// Where alert state is saved: `alerts`, or one namespace per shard when replicas share
        /// one store, so that no replica restores (and resolves) another's component alerts.
        public var stateNamespace = "alerts"
        /// Where `on: service` alert state is saved when it is not `stateNamespace`: replicas
        /// sharing one store keep it in one place, so that whichever takes the service lock
        /// continues it (`adoptServiceState`) instead of firing again.
        public var serviceStateNamespace: String?
        /// A fleet member: component rules are evaluated only for the components it took over
        /// (`adoptComponents`), whose state moves with them in `stateNamespace`, shared by all.
        public var adoptsComponents = false

        public init(
            queueCapacity: Int = 256, retry: RetryPolicy = RetryPolicy(), tickInterval: Duration? = .seconds(5),
            resolvedRetention: Duration = .seconds(3600)
        ) {
            self.queueCapacity = queueCapacity
            self.retry = retry
            self.tickInterval = tickInterval
            self.resolvedRetention = resolvedRetention
        }
    }

    private struct Shell: Sendable {
        var book: AlertBook
        var queues: [String: NotifierQueue]
        /// Until `run` has loaded the saved state, observations wait here (only the latest
        /// matters: each is a full view).
        var restored = false
        var stashed: AlertInput?
        var startWaiters: [CheckedContinuation<Void, Never>] = []
        var persistErrors: UInt64 = 0
        var lastPersistError: String?
        /// The phase each instance was last logged in, so each firing and resolve is one line.
        var loggedPhases: [String: AlertRuleState.Phase] = [:]
    }

    private enum PersistOp: Sendable {
        /// Namespace, key, state.
        case put(String, String, Data)
        /// Namespace, key.
        case remove(String, String)
        case flush(CheckedContinuation<Void, Never>)
    }

    private let shell: Mutex<Shell>
    private let storage: any Storage
    private let transport: any HTTPTransport
    private let clock: C
    private let options: Options
    private let now: @Sendable () -> Date
    private let random: @Sendable () -> Double
    private let persistStream: AsyncStream<PersistOp>
    private let persistContinuation: AsyncStream<PersistOp>.Continuation
    /// Queues created by `reload`, for `run` to start.
    private let newQueues: AsyncStream<NotifierQueue>
    private let newQueuesContinuation: AsyncStream<NotifierQueue>.Continuation
    /// Ends the tick loop's sleep early, to look again at when the next `for` falls due.
    private let wakeup = Wakeup()
    /// Alerts firing and resolving, notification outcomes and storage errors.
    private let logger: Logger

    public init(
        rules: [AlertRuleSpec], notifiers: [NotifierSpec], maintenance: [MaintenanceWindowSpec] = [],
        context: NotificationContext, storage: any Storage, transport: any HTTPTransport, clock: C,
        options: Options = Options(), now: @escaping @Sendable () -> Date = { Date() },
        random: @escaping @Sendable () -> Double = { Double.random(in: 0..<1) },
        logger: Logger = Logger(label: "vitals", factory: { _ in SwiftLogNoOpLogHandler() })
    ) {
        self.logger = logger
        let book = AlertBook(
            rules: rules, notifiers: notifiers, maintenance: maintenance, context: context, resolvedRetention: options.resolvedRetention)
        var queues: [String: NotifierQueue] = [:]
        for spec in notifiers { queues[spec.name] = NotifierQueue(spec: spec, capacity: options.queueCapacity) }
        shell = Mutex(Shell(book: book, queues: queues))
        self.storage = storage
        self.transport = transport
        self.clock = clock
        self.options = options
        self.now = now
        self.random = random
        (persistStream, persistContinuation) = AsyncStream.makeStream(of: PersistOp.self)
        (newQueues, newQueuesContinuation) = AsyncStream.makeStream(of: NotifierQueue.self)
    }

    /// Convenience: everything from a parsed config.
    public convenience init(
        config: Config, storage: any Storage, transport: any HTTPTransport, clock: C, options: Options = Options(),
        now: @escaping @Sendable () -> Date = { Date() },
        logger: Logger = Logger(label: "vitals", factory: { _ in SwiftLogNoOpLogHandler() })
    ) {
        self.init(
            rules: config.alerts, notifiers: config.notifiers, maintenance: config.maintenance,
            context: NotificationContext(server: config.server, service: config.service), storage: storage,
            transport: transport, clock: clock, options: options, now: now, logger: logger)
    }

    // MARK: Entry points

    /// Feed on every health change (and whenever convenient: observing the same view twice
    /// changes nothing). Never blocks on I/O.
    public func observe(_ input: AlertInput) {
        shell.withLock { shell in
            guard shell.restored else {
                shell.stashed = input
                return
            }
            let actions = shell.book.observe(input)
            perform(actions, in: &shell)
        }
        // A new pending alert may fall due before the loop's current sleep ends.
        wakeup.poke()
    }

    /// Lets time pass (`run` calls it every `tickInterval`; tests call it by hand).
    public func tick() {
        let at = now()
        shell.withLock { shell in
            guard shell.restored else { return }
            let actions = shell.book.tick(at: at)
            perform(actions, in: &shell)
        }
    }

    /// Applies a new config (SIGHUP). Alert state carries over by rule name; alerts of removed
    /// rules resolve; queues of unchanged notifiers keep running, changed or removed ones
    /// finish what they hold and end.
    public func reload(rules: [AlertRuleSpec], notifiers: [NotifierSpec], maintenance: [MaintenanceWindowSpec], context: NotificationContext? = nil) {
        let at = now()
        shell.withLock { shell in
            if let context { shell.book.context = context }
            let old = shell.queues
            var queues: [String: NotifierQueue] = [:]
            var started: [NotifierQueue] = []
            for spec in notifiers {
                if let existing = old[spec.name], existing.spec == spec {
                    queues[spec.name] = existing
                } else {
                    let queue = NotifierQueue(spec: spec, capacity: options.queueCapacity)
                    queues[spec.name] = queue
                    started.append(queue)
                }
            }
            // Deliveries computed now (resolves of removed rules) may still go to old queues.
            shell.queues = old.merging(queues) { _, new in new }
            let actions = shell.book.reload(rules: rules, notifiers: notifiers, maintenance: maintenance, at: at)
            for queue in started { newQueuesContinuation.yield(queue) }
            perform(actions, in: &shell)
            for (name, queue) in old where queues[name] !== queue { queue.finish() }
            shell.queues = queues
        }
        wakeup.poke()
    }

    public func reload(config: Config) {
        reload(
            rules: config.alerts, notifiers: config.notifiers, maintenance: config.maintenance,
            context: NotificationContext(server: config.server, service: config.service))
    }

    /// `POST /api/v1/alerts/ID/ack`: the firing alert `id` stops repeating until it resolves.
    /// The new state goes to storage like any other change, so it survives a restart.
    public func acknowledge(id: String, by: String, comment: String) -> AcknowledgeOutcome {
        let at = now()
        return shell.withLock { shell in
            guard shell.restored, let (instance, actions) = shell.book.acknowledge(id: id, by: by, comment: comment, at: at) else {
                return .notFiring
            }
            perform(actions, in: &shell)
            logger.info(
                "alert acknowledged",
                metadata: ["alert": "\(instance.rule)", "subject": "\(instance.subject)", "by": "\(by)", "comment": "\(comment)"])
            let entry = AlertsView.entry(instance, attempts: shell.book.attempts[instance.key] ?? [])
            return .acknowledged(json: String(decoding: encodeJSON(entry), as: UTF8.self))
        }
    }

    /// Loads saved state, then runs the notifier queues, the persister and the tick loop until
    /// the task is cancelled. With persistent storage the saved alerts continue where they
    /// were (no second firing, unconfirmed notifications re-sent); otherwise it starts fresh.
    public func run() async {
        var saved = await loadSaved(from: options.stateNamespace)
        // With a namespace of their own, service alerts wait for the service lock (`adoptServiceState`).
        if options.serviceStateNamespace != nil { saved.removeAll(where: \.isService) }
        // A fleet member's component alerts wait for it to own the component (`adoptComponents`).
        if options.adoptsComponents { saved.removeAll(where: { !$0.isService }) }
        let at = now()
        let queues: [NotifierQueue] = shell.withLock { shell in
            if options.adoptsComponents { shell.book.evaluateOnlyAdopted() }
            var actions = shell.book.restore(saved, at: at)
            shell.restored = true
            if var input = shell.stashed {
                input.at = max(input.at, at)
                actions += shell.book.observe(input)
                shell.stashed = nil
            }
            perform(actions, in: &shell)
            let waiters = shell.startWaiters
            shell.startWaiters = []
            for w in waiters { w.resume() }
            return Array(shell.queues.values)
        }

        // Not a child of the group: on shutdown it must finish writing what is queued
        // instead of being cancelled with the rest.
        let persister = Task { await self.persistLoop() }
        await withDiscardingTaskGroup { group in
            for queue in queues { group.addTask { await self.runQueue(queue) } }
            if let interval = options.tickInterval {
                group.addTask { await self.tickLoop(every: interval) }
            }
            // Until cancelled (the stream's iteration ends with the task): start the queues
            // reloads create.
            for await queue in self.newQueues { group.addTask { await self.runQueue(queue) } }
            group.cancelAll()
        }
        newQueuesContinuation.finish()
        persistContinuation.finish()
        await persister.value
    }

    /// Ticks at the moment the earliest `for` or `repeat` falls due, and at least every
    /// `interval`. An observation wakes the sleep so a new pending alert's deadline counts.
    private func tickLoop(every interval: Duration) async {
        // Never twice within this, whatever a deadline says: a deadline that a tick cannot
        // clear (a clock step) must not spin the loop.
        let spacing: Duration = .milliseconds(20)
        var last: C.Instant?
        while !Task.isCancelled {
            let start = clock.now
            var target = start.advanced(by: interval)
            if let due = shell.withLock({ $0.book.nextDeadline() }) {
                // A millisecond past it, so the tick's own reading of the time has reached it.
                let wait = Duration.seconds(max(0, due.timeIntervalSince(now()))) + .milliseconds(1)
                target = min(target, start.advanced(by: wait))
            }
            if let last { target = max(target, last.advanced(by: spacing)) }
            let poked = await wakeup.sleep(until: target, clock: clock)
            if Task.isCancelled { break }
            // Woken early: look at the deadlines again (a poke at the deadline still ticks, so
            // a stream of observations cannot hold a due `for` or `repeat` back).
            if poked, clock.now < target { continue }
            last = clock.now
            tick()
        }
    }

    /// The alert state saved in `namespace` (none without persistent storage); what cannot be
    /// read is counted and shown in `/alerts` as a persistence error.
    private func loadSaved(from namespace: String) async -> [AlertInstance] {
        guard storage.isPersistent else { return [] }
        var saved: [AlertInstance] = []
        var loadError: String?
        do {
            let decoder = JSONDecoder()
            for (key, data) in try await storage.all(namespace: namespace).sorted(by: { $0.key < $1.key }) {
                if let instance = try? decoder.decode(AlertInstance.self, from: data) {
                    saved.append(instance)
                } else {
                    loadError = "could not decode saved alert state \(key)"
                }
            }
        } catch {
            loadError = "could not load alert state: \(error)"
        }
        if let loadError {
            logger.error("storage error", metadata: ["error": "\(loadError)"])
            shell.withLock { shell in
                shell.persistErrors += 1
                shell.lastPersistError = loadError
            }
        }
        return saved
    }

    /// This sharded replica took the service lock: its `on: service` alerts continue from the
    /// state the previous holder saved in `serviceStateNamespace`, so a handover neither fires
    /// an alert again nor loses its resolve (unconfirmed notifications are sent again, as after
    /// a restart). Call it before this replica starts evaluating `on: service` rules.
    public func adoptServiceState() async {
        guard let namespace = options.serviceStateNamespace else { return }
        await started()
        let saved = await loadSaved(from: namespace)
        let at = now()
        shell.withLock { shell in
            perform(shell.book.adoptService(saved, at: at), in: &shell)
        }
    }

    /// The service lock went to another replica: this one drops its `on: service` alerts
    /// without notifying or saving anything, so it sends no repeat of what the holder now owns.
    public func releaseServiceState() {
        guard options.serviceStateNamespace != nil else { return }
        shell.withLock { $0.book.releaseService() }
    }

    /// This fleet member took `components` over: their alerts continue from the state their
    /// previous owner saved, so a failover neither fires an alert again nor loses its resolve.
    /// Call it once the components are in the store (until then they are not evaluated here).
    public func adoptComponents(_ components: Set<String>) async {
        guard options.adoptsComponents, !components.isEmpty else { return }
        await started()
        let saved = await loadSaved(from: options.stateNamespace)
        let at = now()
        shell.withLock { shell in
            perform(shell.book.adoptComponents(components, saved, at: at), in: &shell)
        }
    }

    /// The components went to another member (or this one fenced itself): their alerts are
    /// dropped here without notifying or saving anything. Call it before they leave the store.
    public func releaseComponents(_ components: Set<String>) {
        guard options.adoptsComponents, !components.isEmpty else { return }
        shell.withLock { $0.book.releaseComponents(components) }
    }

    /// Returns once `run` has loaded the saved state and alerting acts on observations
    /// (before that they are kept, the latest one, and applied right after loading).
    public func started() async {
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            let ready = shell.withLock { shell -> Bool in
                if shell.restored { return true }
                shell.startWaiters.append(c)
                return false
            }
            if ready { c.resume() }
        }
    }

    /// Waits until every state change made so far is in storage.
    public func flush() async {
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            if case .terminated = persistContinuation.yield(.flush(c)) { c.resume() }
        }
    }

    /// Waits until every notifier queue is empty with nothing in flight (retries included).
    public func drained() async {
        let queues = shell.withLock { Array($0.queues.values) }
        for queue in queues { await queue.drained() }
    }

    // MARK: I/O


    private func perform(_ actions: [BookAction], in shell: inout Shell) {
        var pending = actions[...]
        var extra: [BookAction] = []
        while let action = pending.popFirst() ?? extra.popLast() {
            switch action {
            case .deliver(let notifier, let delivery):
                guard let queue = shell.queues[notifier] else { continue }
                if let dropped = queue.enqueue(delivery) {
                    let report = AttemptReport(
                        notifier: notifier, instanceKey: dropped.instanceKey, eventID: dropped.eventID, kind: dropped.kind, attempt: 0,
                        at: now(), result: .dropped)
                    log(report)
                    extra += shell.book.record(report)
                }
            case .persist(let instance):
                logPhase(of: instance, in: &shell)
                guard storage.isPersistent else { continue }
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.sortedKeys]
                if let data = try? encoder.encode(instance) {
                    persistContinuation.yield(.put(namespace(isService: instance.isService), instance.key, data))
                }
            case .forget(let key, let isService):
                shell.loggedPhases[key] = nil
                guard storage.isPersistent else { continue }
                persistContinuation.yield(.remove(namespace(isService: isService), key))
            }
        }
    }

    private func runQueue(_ queue: NotifierQueue) async {
        // A `log` notifier's line is the news; "delivered" after it would say it twice.
        let quiet = queue.spec.kind == .log
        await queue.run(transport: transport, logger: logger, clock: clock, policy: options.retry, random: random, now: now) { report in
            if !(quiet && report.isDelivered) { self.log(report) }
            self.shell.withLock { shell in
                let actions = shell.book.record(report)
                self.perform(actions, in: &shell)
            }
        }
    }

    /// One writer, in order: the newest state of an instance is always the last one written.
    private func namespace(isService: Bool) -> String {
        isService ? options.serviceStateNamespace ?? options.stateNamespace : options.stateNamespace
    }

    private func persistLoop() async {
        for await op in persistStream {
            do {
                switch op {
                case .put(let namespace, let key, let data): try await storage.put(namespace: namespace, key: key, value: data)
                case .remove(let namespace, let key): try await storage.remove(namespace: namespace, key: key)
                case .flush(let c): c.resume()
                }
            } catch {
                logger.error("storage error", metadata: ["error": "could not save alert state: \(error)"])
                shell.withLock {
                    $0.persistErrors += 1
                    $0.lastPersistError = "could not save alert state: \(error)"
                }
            }
        }
    }

    // MARK: Log lines

    /// One line when an instance starts firing or resolves (pending and flaps are not news).
    private func logPhase(of instance: AlertInstance, in shell: inout Shell) {
        let phase = instance.state.phase
        guard shell.loggedPhases.updateValue(phase, forKey: instance.key) != phase else { return }
        let fields: Logger.Metadata = [
            "alert": "\(instance.rule)", "subject": "\(instance.subject)", "severity": "\(instance.severity)",
            "message": "\(instance.resolveReason ?? instance.state.message)",
        ]
        switch phase {
        case .firing: logger.warning("alert firing", metadata: fields)
        case .resolved: logger.info("alert resolved", metadata: fields)
        case .inactive, .pending: break
        }
    }

    /// Every delivery attempt's outcome: delivered, retried, refused, given up, dropped.
    private func log(_ report: AttemptReport) {
        var fields: Logger.Metadata = [
            "notifier": "\(report.notifier)", "alert": "\(report.instanceKey)", "kind": "\(report.kind.rawValue)",
            "attempt": .stringConvertible(report.attempt),
        ]
        switch report.result {
        case .delivered(let status):
            if let status { fields["status"] = .stringConvertible(status) }
            logger.info("notification delivered", metadata: fields)
        case .failed(let status, let error):
            fields["status"] = "\(status.map(String.init) ?? "-")"
            fields["error"] = "\(error)"
            logger.warning("notification failed, will retry", metadata: fields)
        case .rejected(let status, let error):
            fields["status"] = .stringConvertible(status)
            fields["error"] = "\(error)"
            logger.error("notification rejected", metadata: fields)
        case .gaveUp(let status, let error):
            fields["status"] = "\(status.map(String.init) ?? "-")"
            fields["error"] = "\(error)"
            logger.error("notification given up", metadata: fields)
        case .dropped:
            logger.error("notification dropped: queue full", metadata: fields)
        case .interrupted(let error):
            fields["error"] = "\(error)"
            logger.warning("notification interrupted by shutdown", metadata: fields)
        }
    }

    // MARK: Views

    /// The body of `GET /alerts`.
    public func alertsJSON() -> String {
        let view = shell.withLock { shell in
            AlertsView(book: shell.book, depths: shell.queues.mapValues(\.depth), persistErrors: shell.persistErrors, lastPersistError: shell.lastPersistError)
        }
        return String(decoding: view.json(now: now()), as: UTF8.self)
    }

    /// The maintenance windows the status page shows at `date`: each one running (with the
    /// start of its occurrence) and each starting within `within` (with that start).
    public func maintenance(at date: Date, within: Duration) -> [(window: MaintenanceWindow, start: Date, active: Bool)] {
        shell.withLock { $0.book.windows }.compactMap { w in
            if let start = w.occurrenceStart(containing: date) { return (w, start, true) }
            return w.nextStart(after: date, within: within).map { (w, $0, false) }
        }
    }

    /// Alerting's metrics in Prometheus text exposition format 0.0.4, for `/metrics` to append.
    public func metricsText() -> String {
        shell.withLock { shell in
            AlertMetrics.render(book: shell.book, depths: shell.queues.mapValues(\.depth))
        }
    }
}
