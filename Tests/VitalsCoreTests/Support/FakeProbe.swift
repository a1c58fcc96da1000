import Synchronization
import VitalsCore

/// A probe that counts its runs and, when gated, hangs until the test opens the gate,
/// ignoring cancellation the way a stuck C call would.
final class FakeProbe: Probe {
    let runs = Atomic<Int>(0)
    let inFlight = Atomic<Int>(0)
    let maxInFlight = Atomic<Int>(0)
    let result: ProbeResult
    let gate: Gate?
    /// What the probe claims; a gated one breaks the claim, like a bug in a native timeout.
    let returnsByDeadline: Bool
    /// Set by a test: a blocking job an earlier run left behind has not returned (its lane).
    let blocked = Mutex<ContinuousClock.Instant?>(nil)
    var blockedSince: ContinuousClock.Instant? { blocked.withLock { $0 } }

    init(
        result: ProbeResult = ProbeResult(success: true, latency: .milliseconds(3), message: "ok"), gate: Gate? = nil,
        returnsByDeadline: Bool = false
    ) {
        self.result = result
        self.gate = gate
        self.returnsByDeadline = returnsByDeadline
    }

    func run(deadline: ContinuousClock.Instant) async -> ProbeResult {
        runs.add(1, ordering: .relaxed)
        let now = inFlight.add(1, ordering: .relaxed).newValue
        _ = maxInFlight.max(now, ordering: .relaxed)
        if let gate { await gate.wait() }
        inFlight.subtract(1, ordering: .relaxed)
        return result
    }
}

/// Holds waiters until opened; once open, waits return at once.
final class Gate: Sendable {
    private let state = Mutex<(open: Bool, waiters: [CheckedContinuation<Void, Never>])>((false, []))
    func wait() async {
        await withCheckedContinuation { c in
            let resumeNow = state.withLock { s -> Bool in
                if s.open { return true }
                s.waiters.append(c)
                return false
            }
            if resumeNow { c.resume() }
        }
    }
    func open() {
        let waiters = state.withLock { s -> [CheckedContinuation<Void, Never>] in
            s.open = true
            defer { s.waiters = [] }
            return s.waiters
        }
        for w in waiters { w.resume() }
    }
    var waiting: Int { state.withLock { $0.waiters.count } }
}
