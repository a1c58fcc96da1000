import Foundation
import VitalsConfig
import VitalsCore

/// The part of a rule the state machine needs: which statuses match and how long they must hold.
public struct AlertCondition: Sendable, Equatable {
    public var level: AlertRuleSpec.Level
    public var forDuration: Duration
    /// Zero means never re-notify.
    public var repeatInterval: Duration

    public init(level: AlertRuleSpec.Level, forDuration: Duration = .zero, repeatInterval: Duration = .zero) {
        self.level = level
        self.forDuration = forDuration
        self.repeatInterval = repeatInterval
    }

    public init(_ rule: AlertRuleSpec) {
        self.init(level: rule.when, forDuration: rule.forDuration, repeatInterval: rule.repeatInterval)
    }

    /// `degraded` means degraded or worse. `unknown` never matches: no result is not evidence
    /// of a problem (it is the state of every component right after start).
    public func matches(_ status: HealthStatus) -> Bool {
        switch status {
        case .unknown, .healthy: false
        case .degraded: level == .degraded
        case .unhealthy: true
        }
    }
}

/// The state of one alert instance (one rule applied to one subject), as a plain value.
///
/// Driven only by status observations and by times passed in, so every transition can be
/// tested without a clock or I/O, and the whole value is `Codable` so it survives a restart
/// through `Storage`. The caller decides what an event means (notify, mute, record).
///
/// ```
///            match               `for` elapsed              no match
/// inactive ────────▶ pending ─────────────────▶ firing ──────────────▶ resolved
///    ▲                  │ no match (flap:            │ `repeat` elapsed:     │ match
///    └──────────────────┘  no event)                 └─▶ .repeated           └─▶ pending
/// ```
public struct AlertRuleState: Sendable, Codable, Equatable {
    public enum Phase: String, Sendable, Codable, Equatable {
        case inactive, pending, firing, resolved
    }

    /// What a step produced; `nil` from a step means nothing to notify.
    public enum Event: Sendable, Equatable {
        case fired
        case repeated
        case resolved
    }

    public private(set) var phase: Phase = .inactive
    /// The last status observed (nil before the first observation).
    public private(set) var status: HealthStatus?
    public private(set) var message: String = ""
    /// The last observed status that did not match: `previous_status` when firing.
    public private(set) var lastGoodStatus: HealthStatus?
    /// The last observed status that matched: `previous_status` when resolving.
    public private(set) var lastBadStatus: HealthStatus?
    /// When the subject started matching (Prometheus' `activeAt`).
    public private(set) var pendingSince: Date?
    /// When the alert fired: `startsAt`.
    public private(set) var firedAt: Date?
    /// When the last firing or repeat notification was due: the repeat cadence counts from here.
    public private(set) var lastNotifiedAt: Date?
    /// When it resolved: `endsAt`.
    public private(set) var resolvedAt: Date?

    public init() {}

    /// A state that starts from a known earlier status, so the first firing can say what the
    /// subject was before (`previous_status`) even though the instance did not exist then.
    public init(previous: HealthStatus?) {
        status = previous
        lastGoodStatus = previous
    }

    /// Feeds one observation of the subject's status. `since`: when that status began, if known
    /// (never later than `now`): a new pending period starts there, so `for` counts from when
    /// the condition began, not from when it was observed.
    public mutating func observe(_ status: HealthStatus, message: String, at now: Date, since: Date? = nil, condition: AlertCondition) -> Event? {
        self.status = status
        self.message = message
        if status == .unknown {
            // No evidence either way: a pending alert cannot be confirmed (so it starts over),
            // and a firing one is not resolved by a lack of data.
            if phase == .pending { toInactive() }
            return nil
        }
        if condition.matches(status) {
            lastBadStatus = status
            switch phase {
            case .inactive, .resolved:
                phase = .pending
                pendingSince = min(since ?? now, now)
                return fireIfDue(at: now, condition: condition)
            case .pending:
                return fireIfDue(at: now, condition: condition)
            case .firing:
                return repeatIfDue(at: now, condition: condition)
            }
        } else {
            lastGoodStatus = status
            // Cleared: a pending alert (flapping inside `for`) was never notified, so it just
            // goes back to inactive; a firing one resolves.
            return clear(at: now)
        }
    }

    /// Lets time pass without a new observation: `for` and `repeat` elapse on ticks, since a
    /// status that holds produces no new health event.
    public mutating func tick(at now: Date, condition: AlertCondition) -> Event? {
        guard let status, condition.matches(status) else { return nil }
        switch phase {
        case .pending: return fireIfDue(at: now, condition: condition)
        case .firing: return repeatIfDue(at: now, condition: condition)
        case .inactive, .resolved: return nil
        }
    }

    /// The subject or the rule went away (config reload, component removed): a firing alert
    /// resolves, so receivers are never left with an alert nobody will clear.
    public mutating func clear(at now: Date) -> Event? {
        switch phase {
        case .pending:
            toInactive()
            return nil
        case .firing:
            return resolve(at: now)
        case .inactive, .resolved:
            return nil
        }
    }

    private mutating func toInactive() {
        phase = .inactive
        pendingSince = nil
    }

    private mutating func resolve(at now: Date) -> Event {
        phase = .resolved
        resolvedAt = now
        pendingSince = nil
        return .resolved
    }

    private mutating func fireIfDue(at now: Date, condition: AlertCondition) -> Event? {
        guard let since = pendingSince, elapsed(from: since, to: now, reaches: condition.forDuration) else { return nil }
        phase = .firing
        firedAt = now
        lastNotifiedAt = now
        resolvedAt = nil
        return .fired
    }

    private mutating func repeatIfDue(at now: Date, condition: AlertCondition) -> Event? {
        guard condition.repeatInterval > .zero, let last = lastNotifiedAt,
            elapsed(from: last, to: now, reaches: condition.repeatInterval)
        else { return nil }
        lastNotifiedAt = now
        return .repeated
    }
}

/// `Date` arithmetic is in floating-point seconds; a microsecond of slack keeps "exactly 30s
/// later" from missing a 30s `for` through rounding.
func elapsed(from start: Date, to end: Date, reaches duration: Duration) -> Bool {
    end.timeIntervalSince(start) + 1e-6 >= duration.seconds
}
