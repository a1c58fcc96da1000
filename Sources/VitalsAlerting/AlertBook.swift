import Foundation
import VitalsConfig
import VitalsCore

/// One rule applied to one subject, with everything needed to continue after a restart.
public struct AlertInstance: Sendable, Codable, Equatable {
    public var rule: String
    /// `service` or a component name.
    public var subject: String
    public var isService: Bool
    public var severity: String
    /// The notifiers of the rule, kept so a rule removed by a reload can still send its resolve.
    public var notify: [String]
    public var state: AlertRuleState
    /// The id of the newest notification (firing, repeat or resolved) made for this instance.
    public var lastEventID: Int = 0
    /// The newest notification, re-sent after a restart to notifiers that never confirmed it.
    public var lastNotification: AlertNotification?
    /// Per notifier, the newest notification id it confirmed (or that was given up on).
    public var acked: [String: Int] = [:]
    /// The firing notification was held back (by a maintenance window or the rule's
    /// `max_per_hour`): no receiver knows of it, so it is sent when the window ends or the hour
    /// allows (if still firing), and its resolve is held back too.
    public var firingMuted: Bool = false
    /// Why it resolved when that was not an observation (rule or component removed).
    public var resolveReason: String?
    /// Who took the alert while it fired: no repeats since. Kept once it resolves (as the record
    /// of who handled it), dropped when it goes pending or fires again.
    public var acknowledgement: Acknowledgement?
    /// The service identity (`service:`) its firing went out under: its repeats and its resolve
    /// keep it, so a reload or a restart that renames the service (or changes its labels) still
    /// closes what was opened (the same Alertmanager labels, the same PagerDuty dedup key).
    public var service: ServiceIdentity?

    public init(rule: String, subject: String, isService: Bool, severity: String, notify: [String]) {
        self.rule = rule
        self.subject = subject
        self.isService = isService
        self.severity = severity
        self.notify = notify
        self.state = AlertRuleState()
    }

    /// The storage key: `rule/subject`. Subjects never contain `/` (component names are
    /// `[a-z0-9][a-z0-9_.-]*`), so the key is unambiguous.
    public var key: String { Self.key(rule: rule, subject: subject) }
    public static func key(rule: String, subject: String) -> String { "\(rule)/\(subject)" }
}

/// One delivery attempt (or drop) as `/alerts` lists it.
public struct AttemptRecord: Sendable, Equatable {
    public var at: Date
    public var notifier: String
    public var kind: DeliveryKind
    public var attempt: Int
    /// `success`, `failure` (retried), `rejected` (4xx, not retried), `gave_up`, `dropped`,
    /// `interrupted` (the daemon stopped first; re-sent on the next start with persistent storage).
    public var outcome: String
    public var statusCode: Int?
    /// Never contains the notifier's URL secrets or header values.
    public var error: String?
}

/// A notification a maintenance window kept from being sent.
public struct MutedRecord: Sendable, Equatable {
    public var at: Date
    public var alert: String
    public var subject: String
    public var kind: DeliveryKind
    public var reason: String
}

/// What the I/O shell must do after a step of the book.
enum BookAction: Sendable {
    case deliver(notifier: String, Delivery)
    case persist(AlertInstance)
    /// `isService`: the instance was an `on: service` one (sharded replicas keep those apart).
    case forget(key: String, isService: Bool)
}

/// All of alerting's decisions as a plain value: rules, instances, maintenance, what was sent
/// and muted. Every method takes the time and returns the I/O to perform, so the engine around
/// it owns only locking, queues and storage, and tests drive it step by step.
struct AlertBook: Sendable {
    private(set) var rules: [AlertRuleSpec]
    private var rulesByName: [String: AlertRuleSpec]
    private(set) var notifiers: [String: NotifierSpec]
    private(set) var windows: [MaintenanceWindow]
    var context: NotificationContext
    /// Resolved alerts stay listed in `/alerts` (and stored) this long.
    var resolvedRetention: Duration

    private(set) var instances: [String: AlertInstance] = [:]
    private(set) var lastInput: AlertInput?
    /// The components whose rules this member evaluates, when not all (a fleet member: those
    /// it owns now). Others are neither stepped nor cleared: their owner evaluates them.
    private(set) var evaluated: Set<String>?
    /// The view before `lastInput`: what a subject was before it started matching.
    private var previousInput: AlertInput?

    // Ledger for `/alerts` and `/metrics` (in memory: history lives in the notifiers' receivers).
    private(set) var attempts: [String: [AttemptRecord]] = [:]
    private(set) var muted: [MutedRecord] = []
    private(set) var sent: [String: [String: UInt64]] = [:]
    private(set) var failedNotifications: [String: UInt64] = [:]
    private(set) var dropped: [String: UInt64] = [:]
    /// Notifications held back, by rule and reason (`maintenance`, `inhibited`, `rate_limit`,
    /// `unsent_firing`).
    private(set) var suppressed: [String: [String: UInt64]] = [:]
    /// Per rule, when its firing and repeat notifications of the last hour went out (`max_per_hour`).
    private var sentInLastHour: [String: [Date]] = [:]
    /// When each firing instance was last posted to each Alertmanager notifier.
    private var alertmanagerPosts: [String: [String: Date]] = [:]

    static let attemptsKept = 20
    static let mutedKept = 200

    init(
        rules: [AlertRuleSpec], notifiers: [NotifierSpec], maintenance: [MaintenanceWindowSpec], context: NotificationContext,
        resolvedRetention: Duration = .seconds(3600)
    ) {
        self.rules = rules
        self.rulesByName = Dictionary(rules.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        self.notifiers = Dictionary(notifiers.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        self.windows = maintenance.map(MaintenanceWindow.init)
        self.context = context
        self.resolvedRetention = resolvedRetention
    }

    // MARK: Steps

    /// A new view of health: every rule looks at its subjects.
    mutating func observe(_ input: AlertInput) -> [BookAction] {
        previousInput = lastInput
        lastInput = input
        var actions: [BookAction] = []
        let now = input.at
        // `unhealthy` rules first: a `degraded` rule stepping after them sees whether one of
        // them fires for its subject (inhibition) in the same view.
        for rule in rules.sorted(by: { Self.rank($0) < Self.rank($1) }) {
            switch rule.on {
            case .service:
                guard input.evaluatesService else { continue }
                let seen = Observed(
                    status: input.serviceStatus, message: FailingComponent.reason(input.failing), since: input.serviceSince,
                    previous: input.servicePrevious ?? previousInput?.serviceStatus)
                step(rule, subject: "service", isService: true, seen, at: now, into: &actions)
            case .component(let name):
                if let evaluated, !evaluated.contains(name) { continue }
                if let c = input.component(named: name), let seen = observed(c, by: rule) {
                    step(rule, subject: name, isService: false, seen, at: now, into: &actions)
                } else {
                    clear(key: AlertInstance.key(rule: rule.name, subject: name), reason: gone(name, for: rule, in: input), at: now, into: &actions)
                }
            case .anyComponent:
                var present = Set<String>()
                for c in input.components {
                    if let evaluated, !evaluated.contains(c.name) { continue }
                    guard let seen = observed(c, by: rule) else { continue }
                    present.insert(c.name)
                    step(rule, subject: c.name, isService: false, seen, at: now, into: &actions)
                }
                for key in instances.keys.sorted() where instances[key]!.rule == rule.name && !present.contains(instances[key]!.subject)
                    && evaluated.map({ $0.contains(instances[key]!.subject) }) ?? true
                {
                    clear(key: key, reason: gone(instances[key]!.subject, for: rule, in: input), at: now, into: &actions)
                }
            }
        }
        return actions
    }

    /// What a rule sees of a subject in one view.
    struct Observed {
        var status: HealthStatus
        var message: String
        /// When `status` began, if known: `for` counts from here.
        var since: Date?
        /// The status before, if known.
        var previous: HealthStatus?
    }

    /// A component as `rule` sees it: its status, or the level of the threshold the rule
    /// watches; nil when the component has no such threshold (it is not the rule's subject).
    private func observed(_ c: AlertInput.Component, by rule: AlertRuleSpec) -> Observed? {
        guard let name = rule.threshold else {
            return Observed(status: c.status, message: c.message, since: c.since, previous: c.previous ?? previousInput?.component(named: c.name)?.status)
        }
        guard c.thresholds[name] != nil else { return nil }
        let (status, reason) = c.threshold(name)
        return Observed(
            status: status, message: reason.isEmpty ? c.message : reason, since: c.lastCheck,
            previous: previousInput?.component(named: c.name)?.threshold(name).status)
    }

    /// Why a rule no longer looks at a component.
    private func gone(_ name: String, for rule: AlertRuleSpec, in input: AlertInput) -> String {
        guard let threshold = rule.threshold, input.component(named: name) != nil else { return "component \(name) is no longer configured" }
        return "component \(name) no longer has threshold \(threshold)"
    }

    /// Evaluation order: rules that can inhibit before the rules they inhibit.
    private static func rank(_ rule: AlertRuleSpec) -> Int { rule.when == .unhealthy ? 0 : 1 }

    /// Time passes: `for` and `repeat` elapse, muted firings go out when their window ends,
    /// Alertmanager re-posts fall due, old resolved alerts are forgotten.
    mutating func tick(at now: Date) -> [BookAction] {
        var actions: [BookAction] = []
        // `unhealthy` rules' instances first, as in `observe`.
        let order = instances.keys.map { key in (rulesByName[instances[key]!.rule].map(Self.rank) ?? 0, key) }.sorted { $0 < $1 }
        for (_, key) in order {
            guard var instance = instances[key] else { continue }
            let before = instance
            if let rule = rulesByName[instance.rule] {
                let event = instance.state.tick(at: now, condition: AlertCondition(rule))
                handle(event, &instance, at: now, into: &actions)
            }
            releaseHeld(&instance, at: now, into: &actions)
            if instance.state.phase == .firing, !instance.firingMuted {
                refreshAlertmanagers(instance, at: now, into: &actions)
            }
            if isExpired(instance, at: now) {
                remove(key, into: &actions)
                continue
            }
            instances[key] = instance
            if needsPersisting(before, instance) { actions.append(.persist(instance)) }
        }
        return actions
    }

    /// A new config. Alerts whose rule is gone (or no longer covers their subject) resolve and
    /// send their resolve to the notifiers they fired to; the others keep their state, so a
    /// reload never re-fires or forgets anything. Then the last health view is evaluated
    /// against the new rules at once.
    mutating func reload(
        rules newRules: [AlertRuleSpec], notifiers newNotifiers: [NotifierSpec], maintenance: [MaintenanceWindowSpec], at now: Date
    ) -> [BookAction] {
        var actions: [BookAction] = []
        let newByName = Dictionary(newRules.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        // Resolves of removed rules may go to notifiers the new config dropped: encode with
        // both sets known; the engine routes to the old queue, which drains and ends.
        var allNotifiers = notifiers
        for n in newNotifiers { allNotifiers[n.name] = n }
        notifiers = allNotifiers
        for key in instances.keys.sorted() {
            guard let instance = instances[key] else { continue }
            if let rule = newByName[instance.rule], Self.rule(rule, covers: instance.subject, isService: instance.isService) {
                instances[key]!.notify = rule.notify
                instances[key]!.severity = rule.severity
            } else {
                let reason = newByName[instance.rule] == nil
                    ? "alert rule \(instance.rule) was removed from the config"
                    : "alert rule \(instance.rule) no longer applies to \(instance.subject)"
                clear(key: key, reason: reason, at: now, into: &actions)
            }
        }
        rules = newRules
        rulesByName = newByName
        sentInLastHour = sentInLastHour.filter { newByName[$0.key]?.maxPerHour != nil }
        notifiers = Dictionary(newNotifiers.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        windows = maintenance.map(MaintenanceWindow.init)
        if var input = lastInput {
            input.at = now
            actions += observe(input)
        }
        return actions
    }

    /// State loaded from storage at start. Notifications some notifier never confirmed are sent
    /// again (so a resolve is not lost across a restart); alerts of rules that are gone resolve.
    mutating func restore(_ saved: [AlertInstance], at now: Date) -> [BookAction] {
        var actions: [BookAction] = []
        for instance in saved.sorted(by: { $0.key < $1.key }) {
            instances[instance.key] = instance
            guard let notification = instance.lastNotification, !instance.firingMuted else { continue }
            for name in instance.notify where (instance.acked[name] ?? 0) < instance.lastEventID {
                guard let spec = notifiers[name] else { continue }
                let kind: DeliveryKind = notification.status == .resolved ? .resolved : (notification.isRepeat ? .repeat : .firing)
                actions.append(deliver(notification, of: instance, to: spec, kind: kind, eventID: instance.lastEventID, at: now))
            }
        }
        for key in instances.keys.sorted() {
            guard let instance = instances[key] else { continue }
            if let rule = rulesByName[instance.rule], Self.rule(rule, covers: instance.subject, isService: instance.isService) {
                instances[key]!.notify = rule.notify
                instances[key]!.severity = rule.severity
            } else {
                clear(key: key, reason: "alert rule \(instance.rule) is no longer configured", at: now, into: &actions)
            }
        }
        return actions
    }

    /// A delivery attempt finished (or a queue dropped a delivery).
    mutating func record(_ report: AttemptReport) -> [BookAction] {
        let outcome: String
        var status: Int?
        var error: String?
        switch report.result {
        case .delivered(let code):
            outcome = "success"
            status = code
        case .failed(let code, let text):
            outcome = "failure"
            (status, error) = (code, text)
        case .rejected(let code, let text):
            outcome = "rejected"
            (status, error) = (code, text)
        case .gaveUp(let code, let text):
            outcome = "gave_up"
            (status, error) = (code, text)
        case .dropped:
            outcome = "dropped"
            error = "queue full: dropped before delivery"
        case .interrupted(let text):
            outcome = "interrupted"
            error = text
        }
        switch report.result {
        case .delivered: sent[report.notifier, default: [:]]["success", default: 0] += 1
        case .failed, .rejected, .gaveUp: sent[report.notifier, default: [:]]["failure", default: 0] += 1
        case .dropped: dropped[report.notifier, default: 0] += 1
        case .interrupted: break
        }
        switch report.result {
        case .rejected, .gaveUp, .dropped: failedNotifications[report.notifier, default: 0] += 1
        case .delivered, .failed, .interrupted: break
        }
        // Attempts are listed with their alert; one already forgotten only counts in metrics.
        guard instances[report.instanceKey] != nil else { return [] }
        var list = attempts[report.instanceKey, default: []]
        list.append(
            AttemptRecord(
                at: report.at, notifier: report.notifier, kind: report.kind, attempt: report.attempt, outcome: outcome,
                statusCode: status, error: error))
        if list.count > Self.attemptsKept { list.removeFirst(list.count - Self.attemptsKept) }
        attempts[report.instanceKey] = list

        // Interrupted deliveries stay unconfirmed: the next start sends them again.
        if case .interrupted = report.result { return [] }
        guard report.isFinal, let id = report.eventID, var instance = instances[report.instanceKey] else { return [] }
        guard (instance.acked[report.notifier] ?? 0) < id else { return [] }
        instance.acked[report.notifier] = id
        instances[report.instanceKey] = instance
        return [.persist(instance)]
    }

    /// Someone took a firing alert: no more repeats (nor a held-back firing) until it resolves;
    /// the resolve is still sent. Acknowledging again replaces who and why. Nil when no alert
    /// with that id is firing.
    mutating func acknowledge(id: String, by: String, comment: String, at now: Date) -> (AlertInstance, [BookAction])? {
        guard let key = AlertInstance.key(forID: id), var instance = instances[key], instance.state.phase == .firing else { return nil }
        instance.acknowledgement = Acknowledgement(by: by, comment: comment, at: now)
        instances[key] = instance
        return (instance, [.persist(instance)])
    }

    // MARK: Views

    var firingCounts: [String: Int] {
        var out: [String: Int] = [:]
        for rule in rules { out[rule.name] = 0 }
        for instance in instances.values where instance.state.phase == .firing { out[instance.rule, default: 0] += 1 }
        return out
    }

    // MARK: Internals

    /// The earliest moment a `for` or a `repeat` falls due, so the engine wakes then instead of
    /// on its next tick (`for` is exact, spec section 11); nil when nothing is waiting on time.
    func nextDeadline() -> Date? {
        var earliest: Date?
        for instance in instances.values {
            guard let rule = rulesByName[instance.rule], let status = instance.state.status, AlertCondition(rule).matches(status) else { continue }
            var due: Date?
            switch instance.state.phase {
            case .pending:
                due = instance.state.pendingSince?.addingTimeInterval(rule.forDuration.seconds)
            case .firing where rule.repeatInterval > .zero && instance.acknowledgement == nil:
                due = instance.state.lastNotifiedAt?.addingTimeInterval(rule.repeatInterval.seconds)
            default:
                break
            }
            if let due, earliest.map({ due < $0 }) ?? true { earliest = due }
        }
        return earliest
    }

    private static func rule(_ rule: AlertRuleSpec, covers subject: String, isService: Bool) -> Bool {
        switch rule.on {
        case .service: isService
        case .anyComponent: !isService
        case .component(let name): !isService && name == subject
        }
    }

    private mutating func step(
        _ rule: AlertRuleSpec, subject: String, isService: Bool, _ seen: Observed, at now: Date, into actions: inout [BookAction]
    ) {
        let status = seen.status
        let key = AlertInstance.key(rule: rule.name, subject: subject)
        let condition = AlertCondition(rule)
        // Instances exist only for subjects that matched at some point: thousands of healthy
        // components under an `any-component` rule cost nothing.
        if instances[key] == nil {
            guard condition.matches(status) else { return }
            var created = AlertInstance(rule: rule.name, subject: subject, isService: isService, severity: rule.severity, notify: rule.notify)
            if let previous = seen.previous, !condition.matches(previous) { created.state = AlertRuleState(previous: previous) }
            instances[key] = created
        }
        var instance = instances[key]!
        let before = instance
        instance.severity = rule.severity
        instance.notify = rule.notify
        if condition.matches(status) { instance.resolveReason = nil }
        let event = instance.state.observe(status, message: seen.message, at: now, since: seen.since, condition: condition)
        handle(event, &instance, at: now, into: &actions)
        releaseHeld(&instance, at: now, into: &actions)
        // Matching again after a resolve is a new incident: nobody has taken it yet.
        if instance.state.phase == .pending || instance.state.phase == .inactive { instance.acknowledgement = nil }
        if instance.state.phase == .inactive, instance.lastEventID == 0 {
            // Flapped inside `for`: nothing was ever said about it, nothing to keep.
            remove(key, into: &actions)
            return
        }
        instances[key] = instance
        if needsPersisting(before, instance) { actions.append(.persist(instance)) }
    }

    private mutating func clear(key: String, reason: String, at now: Date, into actions: inout [BookAction]) {
        guard var instance = instances[key] else { return }
        let before = instance
        if instance.state.phase == .firing { instance.resolveReason = reason }
        let event = instance.state.clear(at: now)
        handle(event, &instance, at: now, into: &actions)
        if instance.state.phase == .inactive, instance.lastEventID == 0 {
            remove(key, into: &actions)
            return
        }
        instances[key] = instance
        if needsPersisting(before, instance) { actions.append(.persist(instance)) }
    }

    private mutating func remove(_ key: String, into actions: inout [BookAction]) {
        guard let removed = dropInstance(key) else { return }
        // Every instance that lived past one step was persisted (pending included, so `for`
        // keeps counting across a restart).
        actions.append(.forget(key: key, isService: removed.isService))
    }

    /// Takes an instance out of the book with what is kept beside it, and nothing else: no
    /// notification, no storage change.
    private mutating func dropInstance(_ key: String) -> AlertInstance? {
        guard let removed = instances.removeValue(forKey: key) else { return nil }
        attempts[key] = nil
        for name in alertmanagerPosts.keys { alertmanagerPosts[name]?[key] = nil }
        return removed
    }

    /// A sharded replica took the service lock: the `on: service` alerts continue from the state
    /// the previous holder saved (`saved`), as a restart continues from its own, so an alert
    /// firing before the handover does not fire again and its resolve is still sent.
    mutating func adoptService(_ saved: [AlertInstance], at now: Date) -> [BookAction] {
        releaseService()
        return restore(saved.filter(\.isService), at: now)
    }

    /// A fleet member: from now on only the components it takes over here have their rules
    /// evaluated (none at first). See `adoptComponents`.
    mutating func evaluateOnlyAdopted() {
        if evaluated == nil { evaluated = [] }
    }

    /// A fleet member took `components` over: their alerts continue from the state the previous
    /// owner saved (no second firing; unconfirmed notifications sent again, as after a restart).
    mutating func adoptComponents(_ components: Set<String>, _ saved: [AlertInstance], at now: Date) -> [BookAction] {
        guard evaluated != nil else { return [] }
        for key in instances.keys.sorted() where !instances[key]!.isService && components.contains(instances[key]!.subject) { _ = dropInstance(key) }
        evaluated!.formUnion(components)
        return restore(saved.filter { !$0.isService && components.contains($0.subject) }, at: now)
    }

    /// The components went to another member: their alerts are forgotten here without a word
    /// (the new owner continues them from the saved state).
    mutating func releaseComponents(_ components: Set<String>) {
        guard evaluated != nil else { return }
        evaluated!.subtract(components)
        for key in instances.keys.sorted() where !instances[key]!.isService && components.contains(instances[key]!.subject) { _ = dropInstance(key) }
    }

    /// The service lock went elsewhere: this replica forgets its `on: service` alerts without a
    /// word (the new holder continues them from the saved state), so it sends no repeat of them.
    mutating func releaseService() {
        for key in instances.keys.sorted() where instances[key]!.isService { _ = dropInstance(key) }
    }

    private func needsPersisting(_ old: AlertInstance, _ new: AlertInstance) -> Bool {
        old.state.phase != new.state.phase || old.lastEventID != new.lastEventID || old.acked != new.acked
            || old.firingMuted != new.firingMuted || old.notify != new.notify || old.severity != new.severity
            || old.state.pendingSince != new.state.pendingSince || old.acknowledgement != new.acknowledgement
    }

    private func isExpired(_ instance: AlertInstance, at now: Date) -> Bool {
        guard instance.state.phase == .resolved, let resolved = instance.state.resolvedAt,
            elapsed(from: resolved, to: now, reaches: resolvedRetention)
        else { return false }
        // Keep it while some notifier may still deliver (or, after a restart, re-send) its resolve.
        return instance.notify.allSatisfy { notifiers[$0] == nil || (instance.acked[$0] ?? 0) >= instance.lastEventID }
    }

    private func failing(for instance: AlertInstance) -> [FailingComponent] {
        let all = lastInput?.failing ?? []
        return instance.isService ? all : all.filter { $0.component == instance.subject }
    }

    private func muteReason(_ instance: AlertInstance, at now: Date) -> String? {
        windows.muteReason(subject: instance.subject, isService: instance.isService, failing: failing(for: instance), at: now)
    }

    private mutating func handle(_ event: AlertRuleState.Event?, _ instance: inout AlertInstance, at now: Date, into actions: inout [BookAction]) {
        guard let event else { return }
        switch event {
        case .fired:
            instance.acknowledgement = nil
            if let reason = muteReason(instance, at: now) {
                instance.firingMuted = true
                recordMuted(instance, .firing, reason: reason, cause: "maintenance", at: now)
            } else if let inhibitor = inhibitor(of: instance) {
                instance.firingMuted = true
                recordMuted(instance, .firing, reason: "inhibited by \(inhibitor), firing for \(instance.subject)", cause: "inhibited", at: now)
            } else if let reason = rateLimit(instance, at: now) {
                instance.firingMuted = true
                recordMuted(instance, .firing, reason: reason, cause: "rate_limit", at: now)
            } else {
                emit(.firing, isRepeat: false, &instance, at: now, into: &actions)
            }
        case .repeated:
            // Someone is on it: reminders would only be noise (a held-back firing stays held).
            guard instance.acknowledgement == nil else { return }
            let kind: DeliveryKind = instance.firingMuted ? .firing : .repeat
            if let reason = muteReason(instance, at: now) {
                recordMuted(instance, kind, reason: reason, cause: "maintenance", at: now)
            } else if let inhibitor = inhibitor(of: instance) {
                recordMuted(instance, kind, reason: "inhibited by \(inhibitor), firing for \(instance.subject)", cause: "inhibited", at: now)
            } else if let reason = rateLimit(instance, at: now) {
                recordMuted(instance, kind, reason: reason, cause: "rate_limit", at: now)
            } else if instance.firingMuted {
                instance.firingMuted = false
                emit(.firing, isRepeat: false, &instance, at: now, into: &actions)
            } else {
                emit(.firing, isRepeat: true, &instance, at: now, into: &actions)
            }
        case .resolved:
            if instance.firingMuted {
                // No receiver heard of it: a resolve would be noise.
                instance.firingMuted = false
                recordMuted(instance, .resolved, reason: "its firing notification was held back", cause: "unsent_firing", at: now)
            } else {
                // Resolves are never muted: a receiver left with an alert nobody clears is worse
                // than a message during maintenance.
                emit(.resolved, isRepeat: false, &instance, at: now, into: &actions)
            }
        }
    }

    /// A firing held back (maintenance, inhibition, `max_per_hour`) goes out once nothing holds
    /// it any more, if it is still firing and nobody took it.
    private mutating func releaseHeld(_ instance: inout AlertInstance, at now: Date, into actions: inout [BookAction]) {
        guard instance.state.phase == .firing, instance.firingMuted, instance.acknowledgement == nil, muteReason(instance, at: now) == nil,
            inhibitor(of: instance) == nil, rateLimit(instance, at: now) == nil
        else { return }
        instance.firingMuted = false
        emit(.firing, isRepeat: false, &instance, at: now, into: &actions)
    }

    /// Inhibition (spec section 11): the rule firing for the same subject that holds a
    /// `degraded` rule's notifications back — an `unhealthy` rule watching the same thing (the
    /// status, or the same threshold) — or nil. `inhibit: false` on either rule turns it off.
    private func inhibitor(of instance: AlertInstance) -> String? {
        guard let rule = rulesByName[instance.rule], rule.when == .degraded, rule.inhibit else { return nil }
        for other in rules where other.when == .unhealthy && other.inhibit && other.threshold == rule.threshold {
            if let source = instances[AlertInstance.key(rule: other.name, subject: instance.subject)], source.isService == instance.isService,
                source.state.phase == .firing
            {
                return other.name
            }
        }
        return nil
    }

    /// Why the rule's `max_per_hour` holds a firing or repeat back now, or nil.
    private func rateLimit(_ instance: AlertInstance, at now: Date) -> String? {
        guard let limit = rulesByName[instance.rule]?.maxPerHour else { return nil }
        return sends(of: instance.rule, inTheHourBefore: now).count >= limit ? "max_per_hour \(limit) reached" : nil
    }

    private func sends(of rule: String, inTheHourBefore now: Date) -> [Date] {
        sentInLastHour[rule, default: []].filter { !elapsed(from: $0, to: now, reaches: .seconds(3600)) }
    }

    private mutating func recordMuted(_ instance: AlertInstance, _ kind: DeliveryKind, reason: String, cause: String, at now: Date) {
        muted.append(MutedRecord(at: now, alert: instance.rule, subject: instance.subject, kind: kind, reason: reason))
        if muted.count > Self.mutedKept { muted.removeFirst(muted.count - Self.mutedKept) }
        suppressed[instance.rule, default: [:]][cause, default: 0] += 1
    }

    private func notification(for instance: AlertInstance, _ status: AlertNotification.Status, isRepeat: Bool, id: Int, at now: Date)
        -> AlertNotification
    {
        let state = instance.state
        let previous: HealthStatus
        let current: HealthStatus
        switch status {
        case .firing:
            previous = state.lastGoodStatus ?? .unknown
            current = state.status ?? .unknown
        case .resolved:
            previous = state.lastBadStatus ?? .unknown
            current = instance.resolveReason == nil ? (state.status ?? .unknown) : .unknown
        }
        let message = instance.resolveReason ?? state.message
        return AlertNotification(
            id: id, status: status, isRepeat: isRepeat, alert: instance.rule, subject: instance.subject, isService: instance.isService,
            severity: instance.severity, previousStatus: previous, currentStatus: current, message: message,
            failing: failing(for: instance), startsAt: state.firedAt ?? now, endsAt: status == .resolved ? (state.resolvedAt ?? now) : nil,
            createdAt: now)
    }

    private mutating func emit(
        _ status: AlertNotification.Status, isRepeat: Bool, _ instance: inout AlertInstance, at now: Date, into actions: inout [BookAction]
    ) {
        instance.lastEventID += 1
        // A new episode speaks for the service as configured now; its repeats and resolve keep that.
        if status == .firing, !isRepeat { instance.service = context.service }
        if status == .firing, rulesByName[instance.rule]?.maxPerHour != nil {
            sentInLastHour[instance.rule] = sends(of: instance.rule, inTheHourBefore: now) + [now]
        }
        let n = notification(for: instance, status, isRepeat: isRepeat, id: instance.lastEventID, at: now)
        instance.lastNotification = n
        let kind: DeliveryKind = status == .resolved ? .resolved : (isRepeat ? .repeat : .firing)
        for name in instance.notify {
            guard let spec = notifiers[name] else {
                // Validation rejects unknown names; if one slips through there is nobody to wait for.
                instance.acked[name] = instance.lastEventID
                continue
            }
            actions.append(deliver(n, of: instance, to: spec, kind: kind, eventID: instance.lastEventID, at: now))
            if spec.kind == .alertmanager {
                alertmanagerPosts[name, default: [:]][instance.key] = status == .firing ? now : nil
            }
        }
    }

    private func deliver(
        _ n: AlertNotification, of instance: AlertInstance, to spec: NotifierSpec, kind: DeliveryKind, eventID: Int?, at now: Date
    ) -> BookAction {
        var context = self.context
        if let service = instance.service { context.service = service }
        return .deliver(
            notifier: spec.name,
            Delivery(
                instanceKey: instance.key, eventID: eventID, kind: kind, body: PayloadEncoder.body(for: n, spec: spec, context: context, now: now),
                createdAt: now, url: PayloadEncoder.address(for: n, spec: spec, context: context)))
    }

    /// Alertmanager forgets a firing alert at its `endsAt`: re-post every `resendInterval`.
    private mutating func refreshAlertmanagers(_ instance: AlertInstance, at now: Date, into actions: inout [BookAction]) {
        for name in instance.notify {
            guard let spec = notifiers[name], spec.kind == .alertmanager else { continue }
            if let last = alertmanagerPosts[name]?[instance.key], !elapsed(from: last, to: now, reaches: AlertmanagerAlert.resendInterval) {
                continue
            }
            var n = notification(for: instance, .firing, isRepeat: false, id: instance.lastEventID, at: now)
            n.isRepeat = instance.lastNotification?.isRepeat ?? false
            actions.append(deliver(n, of: instance, to: spec, kind: .refresh, eventID: nil, at: now))
            alertmanagerPosts[name, default: [:]][instance.key] = now
        }
    }
}
