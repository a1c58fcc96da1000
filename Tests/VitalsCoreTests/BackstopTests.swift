import Synchronization
import Testing
import VitalsTestSupport
@testable import VitalsCore

/// Probes that end by their deadline on their own get no timer: the backstop's sweep catches
/// one that breaks the promise. Manual clock, no sleeps.
struct BackstopTests {
    @Test func aProbeThatReturnsByItsDeadlineArmsNoTimer() async {
        let clock = ManualClock()
        let backstop = ProbeRun.Backstop<ManualClock>()
        let run = await ProbeRun.run(FakeProbe(returnsByDeadline: true), timeout: .seconds(1), clock: clock, backstop: backstop)
        #expect(run.result.message == "ok")
        #expect(clock.sleeperDeadlines.isEmpty)
        // Forgotten once decided: the backstop holds only runs in flight.
        #expect(backstop.count == 0)
    }

    @Test func aProbeWithoutThePromiseKeepsItsTimer() async {
        let clock = ManualClock()
        let backstop = ProbeRun.Backstop<ManualClock>()
        let gate = Gate()
        let run = Task { await ProbeRun.run(FakeProbe(gate: gate), timeout: .seconds(1), clock: clock, backstop: backstop).result }
        #expect(await clock.waitForSleeper(at: .init(offset: .seconds(1))))
        #expect(backstop.count == 0)
        clock.advance(by: .seconds(1))
        #expect(await run.value.message == "timeout after 1s")
        gate.open()
    }

    @Test func theSweepJudgesARunThatBrokeItsPromise() async {
        let clock = ManualClock()
        let backstop = ProbeRun.Backstop<ManualClock>(grace: .milliseconds(250))
        let gate = Gate()
        let probe = FakeProbe(gate: gate, returnsByDeadline: true)
        let run = Task { await ProbeRun.run(probe, timeout: .seconds(1), clock: clock, backstop: backstop) }
        #expect(await eventually { gate.waiting == 1 && backstop.count == 1 })
        // Before the deadline and within the grace after it, the probe still has its chance.
        backstop.sweep(now: .init(offset: .milliseconds(500)))
        backstop.sweep(now: .init(offset: .milliseconds(1249)))
        #expect(backstop.count == 1)
        backstop.sweep(now: .init(offset: .milliseconds(1250)))
        let (result, _, running) = await run.value
        #expect(result.message == "timeout after 1s")
        #expect(!result.success)
        // The probe's task still hangs: the scheduler sees it as stuck and starts no run beside it.
        #expect(!running.hasEnded)
        #expect(backstop.count == 0)
        gate.open()
        #expect(await eventually { running.hasEnded })
    }
}
