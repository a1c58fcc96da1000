import Foundation
import Synchronization
import Testing
import VitalsConfig
import VitalsTestSupport
@testable import VitalsCore

/// Push monitors on a manual clock (spec section 12): the dead man's switch, the rate limit,
/// and that a push component never holds startup. Nothing here sleeps: time moves by `advance`.
struct PushWatchTests {
    typealias Instant = ManualClock.Instant
    static let token = Secret("0123456789abcdef0123")

    static func push(_ name: String, interval: Duration = .seconds(60), grace: Duration? = .seconds(30), critical: Bool = true) -> ComponentSpec {
        var spec = ComponentSpec(name: name, critical: critical, interval: interval, failureThreshold: 1, probe: .push(PushSettings(grace: grace, token: token)))
        spec.thresholds = Thresholds(["latency": Threshold(degraded: 10, unit: .seconds)])
        return spec
    }

    static func probed(_ name: String) -> ComponentSpec {
        ComponentSpec(name: name, failureThreshold: 1, probe: .tcp(TCPSettings(address: "127.0.0.1:1")))
    }

    // MARK: The deadlines, as a value

    @Test func aDeadlineIsIntervalPlusGraceAfterTheLastPushAndRecursEveryInterval() {
        var d = PushDeadlines<Instant>()
        let start = Date(timeIntervalSince1970: 1_800_000_000)
        d.set([Self.push("job")], now: Instant(offset: .zero), wallNow: start)
        #expect(d.earliest == Instant(offset: .seconds(90)))
        #expect(d.takeMissed(now: Instant(offset: .seconds(89))).isEmpty)
        // Never pushed: silent since watching began.
        #expect(d.takeMissed(now: Instant(offset: .seconds(90))) == [.init(name: "job", since: start)])
        // Once per interval while the silence lasts, not once per look.
        #expect(d.takeMissed(now: Instant(offset: .seconds(100))).isEmpty)
        #expect(d.earliest == Instant(offset: .seconds(150)))
        #expect(d.takeMissed(now: Instant(offset: .seconds(150))).map(\.name) == ["job"])
        // A push moves the deadline and what the message names.
        let pushedAt = start.addingTimeInterval(160)
        d.pushed("job", now: Instant(offset: .seconds(160)), wallNow: pushedAt)
        #expect(d.earliest == Instant(offset: .seconds(250)))
        let miss = d.takeMissed(now: Instant(offset: .seconds(250)))
        #expect(miss == [.init(name: "job", since: pushedAt)])
        #expect(miss.first?.message == "no push since \(RFC3339.string(pushedAt))")
    }

    @Test func aReloadKeepsADeadlineAndMovesItByTheChangeOfIntervalOrGrace() {
        var d = PushDeadlines<Instant>()
        let wall = Date(timeIntervalSince1970: 0)
        d.set([Self.push("job")], now: Instant(offset: .zero), wallNow: wall)
        d.set([Self.push("job"), Self.push("new")], now: Instant(offset: .seconds(50)), wallNow: wall)
        #expect(d.earliest == Instant(offset: .seconds(90)), "kept, not restarted")
        d.set([Self.push("job", grace: .seconds(40)), Self.push("new")], now: Instant(offset: .seconds(50)), wallNow: wall)
        #expect(d.takeMissed(now: Instant(offset: .seconds(99))).isEmpty)
        #expect(d.takeMissed(now: Instant(offset: .seconds(100))).map(\.name) == ["job"])
        d.set([Self.probed("db")], now: Instant(offset: .seconds(200)), wallNow: wall)
        #expect(d.names.isEmpty && d.earliest == nil)
    }

    @Test func theDefaultGraceIsATenthOfTheIntervalAndAtLeastASecond() {
        #expect(Self.push("a", interval: .seconds(3600), grace: nil).pushDeadline?.grace == .seconds(360))
        #expect(Self.push("a", interval: .seconds(5), grace: nil).pushDeadline?.grace == .seconds(1))
        // Never stale while watched: a missed deadline comes before the staleness would.
        let spec = Self.push("a", interval: .seconds(60), grace: .seconds(30))
        #expect(spec.staleAfter == .seconds(150))
    }

    @Test func pushesAreLetInOncePerSpacingWithTheWaitUntilTheNext() {
        var d = PushDeadlines<Instant>(minimumSpacing: .seconds(1))
        #expect(d.admit("job", now: Instant(offset: .seconds(10))) == nil)
        #expect(d.admit("job", now: Instant(offset: .milliseconds(10_300))) == .milliseconds(700))
        #expect(d.admit("other", now: Instant(offset: .milliseconds(10_300))) == nil, "per component")
        #expect(d.admit("job", now: Instant(offset: .seconds(11))) == nil)
        // A refused push does not count against the next.
        #expect(d.admit("job", now: Instant(offset: .milliseconds(11_999))) != nil)
        #expect(d.admit("job", now: Instant(offset: .seconds(12))) == nil)
    }

    // MARK: The watch and the store

    struct Harness {
        let clock = ManualClock()
        let store: HealthStore
        let watch: PushWatch<ManualClock>

        init(_ specs: [ComponentSpec]) {
            let clock = self.clock
            store = HealthStore(components: specs, now: { clock.wallNow })
            watch = PushWatch(clock: clock, store: store, wallNow: { clock.wallNow })
            watch.update(specs)
        }

        func status(_ name: String) -> HealthStatus? { store.snapshot().component(named: name)?.status }
        func message(_ name: String) -> String? { store.snapshot().component(named: name)?.lastResult?.message }
    }

    @Test func aPushComponentDoesNotHoldStartupOrReadiness() {
        let h = Harness([Self.push("job"), Self.probed("db")])
        #expect(!h.store.snapshot().startupComplete)
        h.store.record(component: "db", result: ProbeResult(success: true, latency: .milliseconds(3), message: "ok"))
        let ready = h.store.readiness()
        #expect(ready?.startupComplete == true)
        #expect(ready?.ready == true)
        #expect(h.status("job") == .unknown)
        // Only push components: started at once.
        #expect(Harness([Self.push("job")]).store.readiness()?.ready == true)
    }

    @Test func silenceTurnsItUnhealthyAndAPushHealthyAgain() async {
        let h = Harness([Self.push("job")])
        let start = h.clock.wallNow
        let task = Task { [watch = h.watch] in await watch.run() }
        defer { task.cancel() }
        _ = await h.clock.nextSleep()
        h.clock.advance(by: .seconds(89))
        _ = await h.clock.nextSleep()
        #expect(h.status("job") == .unknown)
        h.clock.advance(by: .seconds(1))
        #expect(await eventually { h.status("job") == .unhealthy })
        #expect(h.message("job") == "no push since \(RFC3339.string(start))")
        #expect(await h.watch.receive("job", ProbeResult(success: true, latency: .seconds(2), message: "backup done")) == .recorded)
        #expect(h.status("job") == .healthy)
        #expect(h.message("job") == "backup done")
        // The duration a push reports is judged like a latency.
        h.clock.advance(by: .seconds(2))
        #expect(await h.watch.receive("job", ProbeResult(success: true, latency: .seconds(12), message: "slow")) == .recorded)
        #expect(h.status("job") == .degraded)
        // Every push is a result: counted and kept in history.
        let c = h.store.snapshot().component(named: "job")
        #expect(c?.counters.successes == 2 && c?.counters.failures == 1)
        #expect(c?.history.count == 3)
    }

    @Test func aDownPushIsUnhealthyAtOnceAndTheRateIsPerComponent() async {
        let h = Harness([Self.push("job"), Self.push("other")])
        #expect(await h.watch.receive("job", .failure("exit 3")) == .recorded)
        #expect(h.status("job") == .unhealthy)
        #expect(await h.watch.receive("job", ProbeResult(success: true, latency: .zero, message: "ok")) == .tooSoon(retryAfter: .seconds(1)))
        #expect(h.status("job") == .unhealthy, "a refused push records nothing")
        #expect(await h.watch.receive("other", ProbeResult(success: true, latency: .zero, message: "ok")) == .recorded)
        #expect(await h.watch.receive("nope", ProbeResult(success: true, latency: .zero, message: "ok")) == .unknown)
        h.clock.advance(by: .seconds(1))
        #expect(await h.watch.receive("job", ProbeResult(success: true, latency: .zero, message: "ok")) == .recorded)
        #expect(h.status("job") == .healthy)
    }

    @Test func aRotatedTokenKeepsTheComponentsStateAndTheOldTokenStops() async {
        let h = Harness([Self.push("job")])
        #expect(await h.watch.receive("job", ProbeResult(success: true, latency: .zero, message: "ok")) == .recorded)
        var rotated = Self.push("job")
        rotated.probe = .push(PushSettings(grace: .seconds(30), token: Secret("a-new-token-0123456789")))
        #expect(rotated.sameProbe(as: Self.push("job")))
        h.store.update(components: [rotated])
        h.watch.update([rotated])
        #expect(h.watch.token(of: "job") == Secret("a-new-token-0123456789"))
        #expect(h.status("job") == .healthy && h.store.snapshot().component(named: "job")?.history.count == 1)
        #expect(!Self.push("job", grace: .seconds(5)).sameProbe(as: Self.push("job")), "a new grace is a new judgement")
    }

    @Test func anotherShardsComponentIsForwardedAndTakenOverByItsOwner() async {
        let forwarded = Mutex<[String]>([])
        let clock = ManualClock()
        let store = HealthStore(components: [], now: { clock.wallNow })
        let watch = PushWatch(clock: clock, store: store, wallNow: { clock.wallNow }) { name, _, _ in
            forwarded.withLock { $0.append(name) }
            return nil
        }
        watch.update([Self.push("theirs")], owns: { _ in false })
        #expect(watch.token(of: "theirs") == Self.token)
        #expect(await watch.receive("theirs", ProbeResult(success: true, latency: .zero, message: "ok")) == .forwarded)
        #expect(forwarded.withLock { $0 } == ["theirs"])
        #expect(watch.owned.isEmpty)
        // The owner records what was forwarded as its own result.
        let owner = Harness([Self.push("theirs")])
        let at = owner.clock.wallNow
        owner.watch.takeOver("theirs", .failure("disk full"), pushedAt: at)
        #expect(owner.status("theirs") == .unhealthy)
        #expect(owner.message("theirs") == "disk full")
    }
}
