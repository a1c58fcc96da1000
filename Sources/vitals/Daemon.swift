import Foundation
import Logging
import ServiceLifecycle
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
    /// Push components: their pushes and their missed deadlines (they are not scheduled).
    let pushWatch: PushWatch<ContinuousClock>
    let config: CurrentValue<Config>
    let configPath: String?
    /// `--location`, put over the file's `fleet.location` at every load (reloads too).
    let locationFlag: String?
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
    /// Incidents and announcements people post, read back from storage at start.
    let incidents: IncidentBook
    /// Reads the SLOs' standing; the board holds the latest for `/metrics`.
    let slos: SLOReader
    let sloBoard = SLOBoard()

    /// Who evaluates `on: service` rules: this replica alone unless sharded on shared storage;
    /// then the one sharded replica holding the lock, over every component.
    static func serviceScope(_ sharding: Sharding, lock: ServiceLockFlag) -> AlertInput.ServiceScope {
        guard sharding.shared != nil else { return .own }
        // A fenced fleet member alerts for nobody, the service included.
        if sharding.fleet?.isFenced == true { return .elsewhere }
        return lock.value ? .all : .elsewhere
    }

    /// Every component of the current config with its probe (built once per load, so that a
    /// fleet member's changing share is a filter, not a rebuild).
    let built: CurrentValue<[ScheduledComponent]>
    /// The components a fleet member last started (see `applyOwnership`), and one change at a time.
    let applied = Mutex<Set<String>?>(nil)
    let ownershipTurn = AsyncSemaphore(permits: 1)

    init(config: Config, configPath: String?, location: String? = nil, shard: Shard?, drainDelay: Duration, storage: any Storage, logger: Logger) throws {
        let current = CurrentValue(config)
        self.config = current
        serviceName = CurrentValue(config.service.name)
        self.configPath = configPath
        locationFlag = location
        let fleet = config.fleet.map { Fleet(member: Fleet.newMemberID(), spec: $0) }
        fleet?.setConfigHash(Self.configHash(config))
        let sharding = Sharding(shard: shard, storage: storage, fleet: fleet)
        self.sharding = sharding
        self.drainDelay = drainDelay
        self.logger = logger
        let built = try Preflight.components(of: config)
        self.built = CurrentValue(built)
        let components = built.filter { sharding.owns($0.spec) }
        self.storage = storage
        store = HealthStore(components: components.map(\.spec), recorder: storage as? any ResultRecorder)
        sharding.follow(config, in: store)
        // A fleet's members apply the quorum over their locations (LocationService reads the others').
        if let fleet = config.fleet, storage is PostgresStorage {
            store.setLocations(LocationSetup(location: fleet.location, quorum: fleet.quorum, slack: PeerService.slack))
        }
        scheduler = Scheduler(clock: ContinuousClock(), store: store, maxConcurrentProbes: config.server.maxConcurrentProbes)
        scheduler.update(components.filter { !$0.spec.probe.kind.isPushed })
        pushWatch = PushWatch(clock: ContinuousClock(), store: store, forward: sharding.shared.map(Self.forward))
        pushWatch.update(config.components, owns: sharding.owns)
        var alertOptions = AlertEngine<ContinuousClock>.Options()
        // Replicas sharing one store keep their component alerts apart (each its own
        // components'), and their service alerts in one place, for whichever holds the lock.
        if case .shared(let shard, _) = sharding {
            alertOptions.stateNamespace = "alerts/shard-\(shard.index)-of-\(shard.count)"
            alertOptions.serviceStateNamespace = "alerts/service"
        }
        // A fleet's component alert state is in one place: it moves with the component.
        if case .fleet = sharding {
            alertOptions.stateNamespace = "alerts/components"
            alertOptions.serviceStateNamespace = "alerts/service"
            alertOptions.adoptsComponents = true
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
        incidents = IncidentBook(storage: storage)
        let incidents = incidents
        let slos = SLOReader(store: store, history: history, processOnly: !(storage is any PersistentStorage))
        self.slos = slos
        let sloBoard = sloBoard
        var extras = ServerExtras(
            metrics: { reloadStatus.metrics() + alerts.metricsText() + storageMetrics() + (fleet?.metricsText() ?? "") + sloBoard.metricsText() },
            alerts: { alerts.alertsJSON() },
            history: history,
            acknowledge: { id, by, comment in
                guard case .acknowledged(let json) = alerts.acknowledge(id: id, by: by, comment: comment) else { return nil }
                return json
            })
        extras.push = pushWatch
        extras.incidents = incidents
        let serviceName = self.serviceName
        extras.serviceName = { serviceName.value }
        if let fleet { extras.fleet = { fleet.json() } }
        extras.slos = { await slos.statuses(only: $0) }
        extras.maintenance = { now in
            alerts.maintenance(at: now, within: .seconds(7 * 86_400)).map { w, start, active in
                MaintenanceNotice(
                    components: w.spec.components, start: start, end: start.addingTimeInterval(w.spec.duration.seconds), active: active,
                    schedule: w.schedule)
            }
        }
        routes = HealthRoutes(source: store, token: config.server.detailedToken, publicStatus: config.server.publicStatus, pages: config.statusPages, extras: extras)
    }

    /// A push for a component another shard owns goes to the shared store, where its owner
    /// takes it (`PushWatchService`): recorded once, judged there.
    static func forward(_ postgres: PostgresStorage) -> PushWatch<ContinuousClock>.Forward {
        { name, result, at in await postgres.forwardPush(component: name, result: result, at: at) }
    }

    /// `storage:` as configured. SQLite is opened (and its schema created or migrated) before
    /// anything starts, so a file that cannot be used fails the start in its own words.
    static func openStorage(_ config: StorageConfig, location: String = FleetSpec.defaultLocation, logger: Logger) async throws -> any Storage {
        var options = StorageOptions()
        options.location = location
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
        try Preflight.components(of: config).filter { sharding.owns($0.spec) }
    }

    /// Which config a fleet member runs, for `/api/v1/fleet`: a stable hash of the main file's
    /// text and of every component's name, type, schedule and locations (includes count through
    /// the components they bring).
    static func configHash(_ config: Config) -> String {
        var text = (try? String(contentsOfFile: config.file, encoding: .utf8)) ?? ""
        for c in config.components {
            text += "\u{0}\(c.name)|\(c.type)|\(c.interval)|\(c.timeout)|\(c.locations.joined(separator: ","))"
        }
        return String(StableHash.of(text), radix: 16)
    }

    /// A fleet member's share changed (a member came or went, this one fenced itself or came
    /// back, or the config changed): components it lost stop at once, their alerts dropped
    /// without a word; those it gained get their stored history and alert state back, then
    /// run, continuing the previous owner's rhythm (the last stored result plus one interval,
    /// or at once when that is past).
    func applyOwnership() async {
        guard let fleet = sharding.fleet, await ownershipTurn.acquire() else { return }
        defer { ownershipTurn.release() }
        let config = self.config.value
        let mine = built.value.filter { sharding.owns($0.spec) }
        let owned = Set(mine.map(\.spec.name))
        let before = applied.withLock { a in defer { a = owned }; return a }
        let lost = (before ?? []).subtracting(owned)
        let gained = owned.subtracting(before ?? [])
        alerts.releaseComponents(lost)
        store.update(components: mine.map(\.spec))
        sharding.follow(config, in: store)
        // Push components are fed from outside: the watch takes them, never the scheduler.
        pushWatch.update(config.components, owns: sharding.owns)
        let probed = mine.filter { !$0.spec.probe.kind.isPushed }
        scheduler.update(probed.filter { !gained.contains($0.spec.name) })
        fleet.setOwned(owned.count)
        if !lost.isEmpty || !gained.isEmpty {
            logger.info("fleet share changed", metadata: [
                "member": "\(fleet.member)", "components": .stringConvertible(owned.count), "gained": .stringConvertible(gained.count),
                "lost": .stringConvertible(lost.count), "fenced": "\(fleet.isFenced)",
            ])
        }
        guard !gained.isEmpty else { return }
        // A member that joins takes its share from the others: a handover too (not so the first share of a fleet's first member).
        if before != nil || fleet.roster.count > 1 { fleet.countHandovers(gained.count) }
        let specs = config.components.filter { gained.contains($0.name) }
        let stored = await storage.restore(components: specs.map { ($0.name, $0.resultsToRestore) })
        for (name, kept) in stored { store.restore(component: name, stored: kept) }
        let now = Date()
        var firstRun: [String: Duration] = [:]
        for c in specs {
            guard let last = stored[c.name]?.history.first?.at else { firstRun[c.name] = .zero; continue }
            firstRun[c.name] = .seconds(last.addingTimeInterval(c.interval.seconds).timeIntervalSince(now))
        }
        scheduler.update(probed, firstRunIn: firstRun)
        await alerts.adoptComponents(gained)
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
            let names = scheduler.scheduled.union(pushWatch.owned)
            let mine = config.components.filter { names.contains($0.name) }
            let stored = await storage.restore(components: mine.map { ($0.name, $0.resultsToRestore) })
            for (name, kept) in stored { store.restore(component: name, stored: kept) }
        }
        // Posted incidents, before the pages show any (a failed read is tried again by posts).
        if !(await incidents.load()) { logger.warning("posted incidents could not be read from storage yet: pages show none until they are") }
        // Shutdown runs through these in reverse order: draining first, the server last.
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = [
            .init(service: server),
            .init(service: SchedulerService(scheduler: scheduler)),
            .init(service: PushWatchService(watch: pushWatch, shared: sharding.shared)),
            .init(service: AlertingService(engine: alerts, feed: feed)),
        ]
        if let postgres = sharding.shared {
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
        if let postgres = sharding.shared { services.append(.init(service: PeerService(store: store, storage: postgres))) }
        if let fleet = config.fleet, let postgres = storage as? PostgresStorage {
            services.append(.init(service: LocationService(
                store: store, storage: postgres, location: fleet.location, canary: LocationCanary.check(fleet.locationCanary, logger: logger))))
        }
        services.append(.init(service: DrainService(delay: drainDelay, onDrain: { [store, logger] in
            logger.info("shutting down: readiness now answers 503")
            store.setDraining()
        })))
        // Last, so the first to stop on SIGTERM: the member leaves the fleet at once and the
        // others take its components over while this one drains.
        if case .fleet(let fleet, let postgres) = sharding {
            services.append(.init(service: FleetService(fleet: fleet, storage: postgres, apply: { [self] in await applyOwnership() }, logger: logger)))
        }
        let group = ServiceGroup(configuration: .init(services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        logger.info(
            "vitals started",
            metadata: [
                "config": "\(config.file)", "listen": "\(server.address)", "storage": "\(config.storage.kind.rawValue)",
                "components": .stringConvertible(scheduler.scheduled.count + pushWatch.owned.count), "shard": "\(sharding.shard?.description ?? "-")",
                "fleet": "\(sharding.fleet.map { "\($0.member)@\($0.location)" } ?? "-")",
            ])
        try await group.run()
        // Plugins still running after the in-flight bound are ended with their whole tree
        // (their keepers would also notice the daemon is gone, but then after it has exited).
        await RunningPlugins.shared.endAll(within: ExecProbe.killGrace + .seconds(1))
        // What the writer still holds goes to the database before "stopped" is said.
        (storage as? any PersistentStorage)?.close()
        logger.info("vitals stopped")
    }

    /// The config at `path` (see `ConfigSource`) with `--location` or `VITALS_LOCATION` in
    /// place of `fleet.location`.
    static func load(_ path: String?, location: String?) throws(ConfigErrors) -> Config {
        try ConfigSource.load(path).withLocation(flag: location, environment: ProcessInfo.processInfo.environment)
    }

    /// SIGHUP: a valid new config replaces the old one, keeping the state of unchanged
    /// components; an invalid one is logged and the old config keeps running.
    func reload() {
        do throws(ConfigErrors) {
            let new = try Self.load(configPath, location: locationFlag)
            if (new.fleet == nil) != (config.value.fleet == nil) {
                throw ConfigErrors([ConfigError(
                    location: new.fleet?.sourceLocation ?? SourceLocation(file: new.file, line: 0, column: 0), path: "fleet",
                    message: "a reload cannot make a replica join or leave a fleet: restart vitals")])
            }
            let all = try Preflight.components(of: new)
            let components = all.filter { sharding.owns($0.spec) }
            let old = config.exchange(new)
            built.set(all)
            if old.server.listen != new.server.listen {
                logger.warning("server.listen changed: restart vitals to listen on the new address")
            }
            if let fleet = sharding.fleet {
                // The share is worked out again from the new component list, one change at a time.
                fleet.setConfigHash(Self.configHash(new))
                Task { await applyOwnership() }
            } else {
                store.update(components: components.map(\.spec))
                sharding.follow(new, in: store)
                scheduler.update(components.filter { !$0.spec.probe.kind.isPushed })
                pushWatch.update(new.components, owns: sharding.owns)
            }
            alerts.reload(config: new)
            serviceName.set(new.service.name)
            routes.setToken(new.server.detailedToken)
            routes.setPublicStatus(new.server.publicStatus)
            routes.setPages(new.statusPages)
            feed.observe()
            reloadStatus.record(ok: true)
            logger.info("config reloaded", metadata: ["components": .stringConvertible(components.count)])
        } catch {
            reloadStatus.record(ok: false)
            for e in error.errors { logger.error("config reload rejected: \(e.description)") }
        }
    }
}
