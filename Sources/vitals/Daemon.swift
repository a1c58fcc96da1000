import Foundation
import Logging
import ServiceLifecycle
import UnixSignals
import Synchronization
import VitalsAlerting
import VitalsConfig
import VitalsCore
import VitalsProbes
import VitalsServer
import VitalsStorage

/// `vitals run` wired together: the store, the scheduler and the HTTP server in one service
/// group with graceful shutdown, plus config reload on SIGHUP.
final class Daemon: Sendable {
    let store: HealthStore
    let scheduler: Scheduler<ContinuousClock>
    let registry = ProbeRegistry.standard()
    let config: Mutex<Config>
    let configPath: String?
    let shard: Shard?
    let drainDelay: Duration
    let logger: Logger
    let reloadStatus = ReloadStatus()
    let alerts: AlertEngine<ContinuousClock>
    /// Where results, transitions and alert state go beyond memory (`storage:`).
    let storage: any Storage
    /// The routes the server answers with; built once so a reload can hand them a new token.
    let routes: HealthRoutes
    /// Set while this sharded replica holds the service lock (see `ServiceLockService`).
    let holdsServiceLock = ServiceLockFlag()
    /// The latest status changes from the store's events: when each status began and what it
    /// was before, for alerting's `for` and `previous_status`.
    let statusChanges = Mutex(AlertInput.StatusChanges())
    /// `service.name` of the current config, for `vitals_build_info`.
    let serviceName: CurrentValue<String>

    /// Who evaluates `on: service` rules: this replica alone when not sharded; with shared
    /// storage, the one sharded replica holding the lock, over every component.
    var serviceScope: AlertInput.ServiceScope {
        guard shard != nil, storage is PostgresStorage else { return .own }
        return holdsServiceLock.value ? .all : .elsewhere
    }

    /// What alerting is shown now: the snapshot, the thresholds its rules watch, the changes.
    func alertInput() -> AlertInput {
        let thresholds = config.withLock { Set($0.alerts.compactMap(\.threshold)) }
        return AlertInput(snapshot: store.snapshot(), service: serviceScope, thresholds: thresholds, changes: statusChanges.withLock { $0 })
    }

    init(config: Config, configPath: String?, shard: Shard?, drainDelay: Duration, storage: any Storage, logger: Logger) throws {
        self.config = Mutex(config)
        serviceName = CurrentValue(config.service.name)
        self.configPath = configPath
        self.shard = shard
        self.drainDelay = drainDelay
        self.logger = logger
        let components = try Self.scheduled(config, shard: shard, registry: registry)
        self.storage = storage
        store = HealthStore(components: components.map(\.spec), recorder: storage as? any ResultRecorder)
        if shard != nil, storage is PostgresStorage { store.setPeers(Self.peers(config, shard: shard), slack: PeerService.slack) }
        scheduler = Scheduler(clock: ContinuousClock(), store: store, maxConcurrentProbes: config.server.maxConcurrentProbes)
        scheduler.update(components)
        var alertOptions = AlertEngine<ContinuousClock>.Options()
        // Replicas sharing one store keep their component alerts apart (each its own
        // components'), and their service alerts in one place, for whichever holds the lock.
        if let shard, storage is PostgresStorage {
            alertOptions.stateNamespace = "alerts/shard-\(shard.index)-of-\(shard.count)"
            alertOptions.serviceStateNamespace = "alerts/service"
        }
        let alerts = AlertEngine(
            config: config, storage: storage, transport: CurlTransport(), clock: ContinuousClock(), options: alertOptions, logger: logger)
        self.alerts = alerts
        let reloadStatus = reloadStatus
        let storageMetrics: @Sendable () -> String = { [storage] in (storage as? any PersistentStorage)?.metricsText() ?? "" }
        // One reader for every backend: the database's tables, or memory's rings and roll-ups.
        let history = storage.historyReader(over: store)
        var extras = ServerExtras(
            metrics: { reloadStatus.metrics() + alerts.metricsText() + storageMetrics() }, alerts: { alerts.alertsJSON() },
            history: history,
            acknowledge: { id, by, comment in
                guard case .acknowledged(let json) = alerts.acknowledge(id: id, by: by, comment: comment) else { return nil }
                return json
            })
        let serviceName = self.serviceName
        extras.serviceName = { serviceName.value }
        extras.maintenance = { now in
            alerts.maintenance(at: now, within: .seconds(7 * 86_400)).map { w, start, active in
                MaintenanceNotice(
                    components: w.spec.components, start: start, end: start.addingTimeInterval(w.spec.duration.seconds), active: active,
                    schedule: w.schedule)
            }
        }
        routes = HealthRoutes(source: store, token: config.server.detailedToken, publicStatus: config.server.publicStatus, extras: extras)
    }

    /// `storage:` as configured. SQLite is opened (and its schema created or migrated) before
    /// anything starts, so a file that cannot be used fails the start in its own words.
    static func openStorage(_ config: StorageConfig, logger: Logger) async throws -> any Storage {
        var options = StorageOptions()
        options.retention = config.retention
        options.transitionRetention = config.rollupRetention
        let kind = config.kind.rawValue
        options.report = { dropped, failed, reason in
            var metadata: Logger.Metadata = [
                "dropped": .stringConvertible(dropped), "failed": .stringConvertible(failed), "storage": "\(kind)",
            ]
            if let reason { metadata["reason"] = "\(reason)" }
            logger.error("storage writes lost", metadata: metadata)
        }
        options.notice = { text in
            logger.warning("postgres notice", metadata: ["storage": "\(kind)", "notice": "\(text)"])
        }
        options.failure = { message in
            logger.error("storage write failed", metadata: ["storage": "\(kind)", "reason": "\(message)"])
        }
        switch config.kind {
        case .memory:
            return MemoryStorage()
        case .sqlite:
            return try SQLiteStorage(path: config.path ?? ".vitals/state.db", options: options)
        case .postgres:
            return try await PostgresStorage.open(dsn: config.dsn?.value ?? "", password: config.password?.value, options: options)
        }
    }

    /// The components of the config that other replicas probe.
    static func peers(_ config: Config, shard: Shard?) -> [ComponentSpec] {
        guard let shard else { return [] }
        return config.components.filter { !shard.owns($0.name) }
    }

    /// This replica's components with their probes; fails on settings a probe cannot use, in
    /// any component, owned by this replica or not.
    static func scheduled(_ config: Config, shard: Shard?, registry: ProbeRegistry) throws(ConfigErrors) -> [ScheduledComponent] {
        try Preflight.components(of: config, registry: registry).filter { shard?.owns($0.spec.name) ?? true }
    }

    func run() async throws {
        let config = self.config.withLock { $0 }
        let alerts = self.alerts
        // Bound before anything says "started": a busy address fails the start on its own words.
        let server = try await HealthServer(
            listen: config.server.listen, routes: routes, logger: logger, limits: ServingLimits(config.server)
        ).bind()
        let scheduler = self.scheduler
        if storage.isPersistent {
            // History from before this start, before the first probe runs.
            let names = scheduler.scheduled
            let mine = config.components.filter { names.contains($0.name) }
            let stored = await storage.restore(components: mine.map { ($0.name, $0.resultsToRestore) })
            for (name, kept) in stored { store.restore(component: name, stored: kept) }
        }
        let group = ServiceGroup(
            configuration: .init(
                services: [
                    .init(service: server),
                    .init(service: SchedulerService(scheduler: scheduler)),
                    .init(service: AlertingService(engine: alerts, store: store, hasRules: { [self] in
                        !self.config.withLock { $0.alerts.isEmpty }
                    }, hasThresholdRules: { [self] in self.config.withLock { $0.alerts.contains { $0.threshold != nil } } }, scope: { [self] in self.serviceScope }, record: { [self] event in self.statusChanges.withLock { $0.record(event) } },
                    input: { [self] in self.alertInput() })),
                    .init(service: ServiceLockService(storage: shard == nil ? nil : storage as? PostgresStorage, flag: holdsServiceLock, alerts: alerts, logger: logger)),
                    .init(service: ReloadService(daemon: self)),
                    .init(service: StatusLogService(store: store, logger: logger)),
                    .init(service: PushService(store: store, settings: { [self] in
                        self.config.withLock { ($0.pushGateway, $0.service.name) }
                    }, logger: logger)),
                    .init(service: PeerService(store: store, storage: storage as? PostgresStorage, shard: shard)),
                    .init(service: DrainService(delay: drainDelay, onDrain: { [store, logger] in
                        logger.info("shutting down: readiness now answers 503")
                        store.setDraining()
                    })),
                ],
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger))
        logger.info(
            "vitals started",
            metadata: [
                "config": "\(config.file)", "listen": "\(server.address)", "storage": "\(config.storage.kind.rawValue)",
                "components": .stringConvertible(scheduler.scheduled.count), "shard": "\(shard?.description ?? "-")",
            ])
        try await group.run()
        // Plugins still running after the in-flight bound are ended with their whole tree
        // (their keepers would also notice the daemon is gone, but then after it has exited).
        await RunningPlugins.shared.endAll(within: ExecProbe.killGrace + .seconds(1))
        // What the writer still holds goes to the database before "stopped" is said.
        (storage as? any PersistentStorage)?.close()
        logger.info("vitals stopped")
    }

    /// SIGHUP: a valid new config replaces the old one, keeping the state of unchanged
    /// components; an invalid one is logged and the old config keeps running.
    func reload() {
        do throws(ConfigErrors) {
            let new = try ConfigSource.load(configPath)
            let components = try Self.scheduled(new, shard: shard, registry: registry)
            let old = config.withLock { c in
                defer { c = new }
                return c
            }
            if old.server.listen != new.server.listen {
                logger.warning("server.listen changed: restart vitals to listen on the new address")
            }
            store.update(components: components.map(\.spec))
            if shard != nil, storage is PostgresStorage { store.setPeers(Self.peers(new, shard: shard), slack: PeerService.slack) }
            scheduler.update(components)
            alerts.reload(config: new)
            serviceName.set(new.service.name)
            routes.setToken(new.server.detailedToken)
            routes.setPublicStatus(new.server.publicStatus)
            alerts.observe(alertInput())
            reloadStatus.record(ok: true)
            logger.info("config reloaded", metadata: ["components": .stringConvertible(components.count)])
        } catch {
            reloadStatus.record(ok: false)
            for e in error.errors { logger.error("config reload rejected: \(e.description)") }
        }
    }
}

/// A value a reload replaces and readers on any task read.
final class CurrentValue<Value: Sendable>: Sendable {
    private let current: Mutex<Value>
    init(_ value: Value) { current = Mutex(value) }
    var value: Value { current.withLock { $0 } }
    func set(_ value: Value) { current.withLock { $0 = value } }
}

/// The outcome of the last config reload, for `/metrics`; a rejected reload keeps the time of
/// the last good one.
final class ReloadStatus: Sendable {
    private let state = Mutex<(ok: Bool, at: Date)>((true, Date()))

    func record(ok: Bool) {
        state.withLock { $0 = ok ? (true, Date()) : (false, $0.at) }
    }

    func metrics() -> String {
        let (ok, at) = state.withLock { $0 }
        var m = PrometheusText()
        m.family("vitals_config_last_reload_successful", "gauge", "Whether the last config reload succeeded.")
        m.sample("vitals_config_last_reload_successful", [], ok ? 1 : 0)
        m.family("vitals_config_last_reload_success_timestamp_seconds", "gauge", "When the config was last loaded successfully.")
        m.sample("vitals_config_last_reload_success_timestamp_seconds", [], at.timeIntervalSince1970.rounded(.down))
        return m.out
    }
}

/// Runs the scheduler until graceful shutdown, then cancels it: in-flight probes are ended.
struct SchedulerService: Service {
    let scheduler: Scheduler<ContinuousClock>
    func run() async throws {
        try await cancelWhenGracefulShutdown {
            await scheduler.run()
        }
    }
}

/// Reloads the config on SIGHUP.
struct ReloadService: Service {
    let daemon: Daemon
    func run() async throws {
        let signals = await UnixSignalsSequence(trapping: .sighup)
        try await cancelWhenGracefulShutdown {
            for await _ in signals { daemon.reload() }
        }
    }
}

/// Feeds alerting from the store's status changes and runs its queues, until shutdown.
///
/// Status events only mark the state changed; at most four times a second the engine observes
/// one snapshot. With ten thousand components a snapshot per event (every first result is one)
/// would cost O(components) each time.
struct AlertingService: Service {
    let engine: AlertEngine<ContinuousClock>
    let store: HealthStore
    /// Without rules there is nothing to evaluate: no snapshot is built at all.
    let hasRules: @Sendable () -> Bool
    /// Threshold rules read every result, not only status changes.
    let hasThresholdRules: @Sendable () -> Bool
    let scope: @Sendable () -> AlertInput.ServiceScope
    /// Takes in each status change (for `since` and `previous_status`).
    let record: @Sendable (HealthEvent) -> Void
    /// The view to observe (`Daemon.alertInput`).
    let input: @Sendable () -> AlertInput

    final class Dirty: Sendable {
        let flag = Atomic<Bool>(true)
    }

    func run() async throws {
        let events = store.events()
        let dirty = Dirty()
        try await cancelWhenGracefulShutdown {
            await withDiscardingTaskGroup { group in
                group.addTask { await engine.run() }
                group.addTask {
                    for await event in events {
                        record(event)
                        dirty.flag.store(true, ordering: .releasing)
                    }
                }
                group.addTask {
                    var last = AlertInput.ServiceScope.own
                    var looked = ContinuousClock.now
                    var generation = store.resultGeneration
                    var statusGeneration = store.statusGeneration
                    while !Task.isCancelled {
                        // Threshold rules read every result, not only status changes.
                        if hasThresholdRules(), store.resultGeneration != generation {
                            generation = store.resultGeneration
                            dirty.flag.store(true, ordering: .releasing)
                        }
                        // Changes no event tells of: startup completing, a component restored
                        // from storage (stale, so unknown) getting its first fresh result.
                        if store.statusGeneration != statusGeneration {
                            statusGeneration = store.statusGeneration
                            dirty.flag.store(true, ordering: .releasing)
                        }
                        // Sharded, the other shards' components change without events here: every
                        // second a fresh look, and at once when the service lock moves.
                        let scope = scope()
                        if scope != last { dirty.flag.store(true, ordering: .releasing) }
                        if scope != .own, ContinuousClock.now - looked >= .seconds(1) { dirty.flag.store(true, ordering: .releasing) }
                        last = scope
                        if hasRules(), dirty.flag.exchange(false, ordering: .acquiringAndReleasing) {
                            looked = .now
                            engine.observe(input())
                        }
                        try? await Task.sleep(for: .milliseconds(250))
                    }
                }
            }
        }
    }
}
