import VitalsConfig

/// One check of one dependency. Every probe type implements this and nothing else.
///
/// A probe must return by `deadline` on its own (libcurl's `TIMEOUT_MS`, a deadline around
/// `PQconnectPoll`, `redisSetTimeout`, a socket `poll`), must honour task cancellation, and
/// must never block a thread of the cooperative pool: blocking C calls run on a thread or an
/// event loop of their own. The scheduler also enforces the timeout from outside, so a probe
/// that misbehaves costs only its own component's time.
public protocol Probe: Sendable {
    func run(deadline: ContinuousClock.Instant) async -> ProbeResult

    /// True when every wait of `run` is bound by the deadline natively (libcurl's `TIMEOUT_MS`,
    /// the socket poller's deadline), so the scheduler need not arm a timer per run: a periodic
    /// backstop (`ProbeRun.Backstop`) catches a run that breaks the promise. False by default.
    var returnsByDeadline: Bool { get }

    /// When a blocking job that an earlier run left behind at its deadline started, while it
    /// has not returned (its `BlockingLane` is busy); nil otherwise, and by default. The
    /// scheduler skips the component's runs meanwhile, as it does while a run's task is hung,
    /// so one component never holds more than one blocking thread.
    var blockedSince: ContinuousClock.Instant? { get }
}

extension Probe {
    public var returnsByDeadline: Bool { false }
    public var blockedSince: ContinuousClock.Instant? { nil }
}

