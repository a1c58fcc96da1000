import Foundation
import Logging
import ServiceLifecycle
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
    let config: CurrentValue<Config>
    let configPath: String?
    /// `--shard` and `storage:` together, worked out once.
    let sharding: Sharding
    let drainDelay: Duration
    let logger: Logger
    let reloadStatus = ReloadStatus()
    let alerts: AlertEngine<ContinuousClock>
    /// What alerting is shown of the store, and when.
    let feed: AlertFeed<ContinuousClock>
    /// Where results, transitions and alert state go beyond memory (`storage:`).
    let storage: any Storage
    /// The routes the server answers with; built once so a reload can hand them a new token.
    let routes: HealthRoutes
    /// Set while this sharded replica holds the service lock (see `ServiceLockService`).
    let holdsServiceLock = ServiceLockFlag()
    /// `service.name` of the current config, for `vitals_build_info`.
    let serviceName: CurrentValue<String>
    /// Reads the SLOs' standing; the board holds the latest for `/metrics`.
    let slos: SLOReader
    let sloBoard = SLOBoard()

    /// Who evaluates `on: service` rules: this replica alone unless sharded on shared storage;
    /// then the one sharded replica holding the lock, over every component.
    static func serviceScope(_ sharding: Sharding, lock: ServiceLockFlag) -> AlertInput.ServiceScope {
        guard case .shared = sharding else { return .own }
        return lock.value ? .all : .elsewhere
    }

    init(config: Config, configPath: String?, shard: Shard?, drainDelay: Duration, storage: any Storage, logger: Logger) throws {
        let current = CurrentValue(config)
        self.config = current
        serviceName = CurrentValue(config.service.name)
        self.configPath = configPath
        let sharding = Sharding(shard: shard, storage: storage)
        self.sharding = sharding
        self.drainDelay = drainDelay
        self.logger = logger
        let components = try Self.scheduled(config, sharding: sharding)
        self.storage = storage
        store = HealthStore(components: components.map(\.spec), recorder: storage as? any ResultRecorder)
        sharding.follow(config, in: store)
        scheduler = Scheduler(clock: ContinuousClock(), store: store, maxConcurrentProbes: config.server.maxConcurrentProbes)
        scheduler.update(components)
        var alertOptions = AlertEngine<ContinuousClock>.Options()
        // Replicas sharing one store keep their component alerts apart (each its own
        // components'), and their service alerts in one place, for whichever holds the lock.
        if case .shared(let shard, _) = sharding {
            alertOptions.stateNamespace = "alerts/shard-\(shard.index)-of-\(shard.count)"
            alertOptions.serviceStateNamespace = "alerts/service"
        }
        let alerts = AlertEngine(
            config: config, storage: storage, transport: CurlTransport(), clock: ContinuousClock(), options: alertOptions, logger: logger)
        self.alerts = alerts
        feed = AlertFeed(
            store: store, clock: ContinuousClock(), rules: { current.value.alerts },
            scope: { [holdsServiceLock] in Self.serviceScope(sharding, lock: holdsServiceLock) }, observe: { alerts.observe($0) })
        let reloadStatus = reloadStatus
        let storageMetrics: @Sendable () -> String = { [storage] in (storage as? any PersistentStorage)?.metricsText() ?? "" }
        // One reader for every backend: the database's tables, or memory's rings and roll-ups.
        let history = storage.historyReader(over: store)
        let slos = SLOReader(store: store, history: history, processOnly: !(storage is any PersistentStorage))
        self.slos = slos
        let sloBoard = sloBoard
        var extras = ServerExtras(
            metrics: { reloadStatus.metrics() + alerts.metricsText() + storageMetrics() + sloBoard.metricsText() }, alerts: { alerts.alertsJSON() },
            history: history,
            acknowledge: { id, by, comment in
                guard case .acknowledged(let json) = alerts.acknowledge(id: id, by: by, comment: comment) else { return nil }
                return json
            })
        let serviceName = self.serviceName
        extras.serviceName = { serviceName.value }
        extras.slos = { await slos.statuses(only: $0) }
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

    /// This replica's components with their probes; fails on settings a probe cannot use, in
    /// any component, owned by this replica or not.
    static func scheduled(_ config: Config, sharding: Sharding) throws(ConfigErrors) -> [ScheduledComponent] {
        try Preflight.components(of: config).filter { sharding.owns($0.spec.name) }
    }

    func run() async throws {
        let config = self.config.value
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
        // Shutdown runs through these in reverse order: draining first, the server last.
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = [
            .init(service: server),
            .init(service: SchedulerService(scheduler: scheduler)),
            .init(service: AlertingService(engine: alerts, feed: feed)),
        ]
        if case .shared(_, let postgres) = sharding {
            services.append(.init(service: ServiceLockService(
                storage: postgres, flag: holdsServiceLock, adopt: { await alerts.adoptServiceState() },
                release: { alerts.releaseServiceState() }, logger: logger)))
        }
        services += [
            .init(service: ReloadService(daemon: self)),
            .init(service: StatusLogService(store: store, logger: logger)),
            .init(service: SLOService(reader: slos, board: sloBoard)),
            .init(service: PushService(store: store, settings: { [config = self.config] in
                let c = config.value
                return (c.pushGateway, c.service.name)
            }, logger: logger)),
        ]
        if case .shared(_, let postgres) = sharding { services.append(.init(service: PeerService(store: store, storage: postgres))) }
        services.append(.init(service: DrainService(delay: drainDelay, onDrain: { [store, logger] in
            logger.info("shutting down: readiness now answers 503")
            store.setDraining()
        })))
        let group = ServiceGroup(configuration: .init(services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        logger.info(
            "vitals started",
            metadata: [
                "config": "\(config.file)", "listen": "\(server.address)", "storage": "\(config.storage.kind.rawValue)",
                "components": .stringConvertible(scheduler.scheduled.count), "shard": "\(sharding.shard?.description ?? "-")",
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
            let components = try Self.scheduled(new, sharding: sharding)
            let old = config.exchange(new)
            if old.server.listen != new.server.listen {
                logger.warning("server.listen changed: restart vitals to listen on the new address")
            }
            store.update(components: components.map(\.spec))
            sharding.follow(new, in: store)
            scheduler.update(components)
            alerts.reload(config: new)
            serviceName.set(new.service.name)
            routes.setToken(new.server.detailedToken)
            routes.setPublicStatus(new.server.publicStatus)
            feed.observe()
            reloadStatus.record(ok: true)
            logger.info("config reloaded", metadata: ["components": .stringConvertible(components.count)])
        } catch {
            reloadStatus.record(ok: false)
            for e in error.errors { logger.error("config reload rejected: \(e.description)") }
        }
    }
}
