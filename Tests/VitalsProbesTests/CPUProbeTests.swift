import Foundation
import Testing
import VitalsConfig
import VitalsCore
@testable import VitalsProbes

/// `cpu`: the arithmetic over fixture files (pure logic), and the real `/proc/stat` under a
/// busy loop the test starts.
struct CPUProbeTests {

    /// A folder with the files the probe reads, rewritten between runs.
    final class Fixture: Sendable {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("vitals-cpu-\(UUID().uuidString)")
        var paths: CPUProbe.Paths {
            var p = CPUProbe.Paths()
            p.stat = dir.appendingPathComponent("stat").path
            p.loadavg = dir.appendingPathComponent("loadavg").path
            p.cgroupMax = dir.appendingPathComponent("cpu.max").path
            p.cgroupStat = dir.appendingPathComponent("cpu.stat").path
            return p
        }
        init() throws { try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true) }
        func write(_ name: String, _ text: String) throws { try text.write(to: dir.appendingPathComponent(name), atomically: true, encoding: .utf8) }
        /// user nice system idle iowait irq softirq steal guest guest_nice
        func stat(busy: UInt64, idle: UInt64) throws {
            try write("stat", "cpu  \(busy) 0 0 \(idle) 0 0 0 0 7 0\ncpu0 1 2 3 4 5 6 7 8 0 0\nintr 12345\n")
        }
        deinit { try? FileManager.default.removeItem(at: dir) }
    }

    /// Usage is over the time since the previous run; load is per core.
    @Test func usageSinceThePreviousRunAndLoadPerCore() async throws {
        let f = try Fixture()
        try f.stat(busy: 1000, idle: 9000)
        try f.write("loadavg", "3.00 2.00 1.00 2/300 4242\n")
        let probe = CPUProbe(paths: f.paths, cores: 4, firstSample: .milliseconds(1))
        let first = await probe.run(deadline: .now + .seconds(1))
        #expect(first.number("usage_percent") == 0, "nothing changed between the first run's two samples")
        try f.stat(busy: 1750, idle: 9250)  // 750 of 1,000 jiffies busy
        let second = await probe.run(deadline: .now + .seconds(1))
        #expect(second.number("usage_percent") == 75)
        #expect(second.number("load_per_core") == 0.8)  // 3.00 / 4, rounded to a tenth
        #expect(second.observation("scope") == .text("host"))
        #expect(second.number("throttled_percent") == nil)
        #expect(second.message == "75.0% busy (host), load 0.8 per core")
    }

    /// Inside a cgroup quota (cpu.max "50000 100000": half a core), the probe reports against
    /// the quota, and the throttled share is of the periods since the previous run.
    @Test func cgroupQuotaAndThrottling() async throws {
        let f = try Fixture()
        try f.stat(busy: 100, idle: 100_000)
        try f.write("cpu.max", "50000 100000\n")
        try f.write("cpu.stat", "usage_usec 0\nuser_usec 0\nsystem_usec 0\nnr_periods 0\nnr_throttled 0\nthrottled_usec 0\n")
        let probe = CPUProbe(paths: f.paths, cores: 2, firstSample: .milliseconds(1))
        _ = await probe.run(deadline: .now + .seconds(1))
        try f.write("cpu.stat", "usage_usec 1000\nnr_periods 40\nnr_throttled 10\n")
        let r = await probe.run(deadline: .now + .seconds(1))
        #expect(r.observation("scope") == .text("cgroup"))
        #expect(r.number("cgroup_cores") == 0.5)
        #expect(r.number("throttled_percent") == 25)
        #expect(r.message.contains("25.0% of periods throttled"), "\(r.message)")
    }

    /// The arithmetic of usage against a quota, at fixed instants (the wall time between two
    /// samples is the probe's own clock, so a real run cannot pin the figure).
    @Test func cgroupUsageIsAgainstTheQuota() {
        let t0 = ContinuousClock.now
        func sample(at seconds: Int, usage: UInt64) -> CPUProbe.Sample {
            CPUProbe.Sample(at: t0 + .seconds(seconds), busy: 10, total: 1000, cgroup: (usage, 0, 0))
        }
        // 0.25 s of CPU over 1 s against half a core: 50%, while the host looks idle.
        let half = CPUProbe.usage(from: sample(at: 0, usage: 0), to: sample(at: 1, usage: 250_000), cgroupCores: 0.5, cores: 2, load: nil)
        #expect(half.usage == 50)
        #expect(half.scope == "cgroup")
        #expect(half.throttled == 0, "no periods passed: nothing throttled")
        // More than the quota (a burst between periods) is capped at 100%.
        let over = CPUProbe.usage(from: sample(at: 0, usage: 0), to: sample(at: 2, usage: 3_000_000), cgroupCores: 1, cores: 2, load: nil)
        #expect(over.usage == 100)
        // Without a limit the host's jiffies count, and there is no throttled share.
        let host = CPUProbe.usage(from: sample(at: 0, usage: 0), to: sample(at: 1, usage: 250_000), cgroupCores: nil, cores: 2, load: 1)
        #expect(host.scope == "host")
        #expect(host.throttled == nil)
        #expect(host.loadPerCore == 0.5)
    }

    @Test func parsing() {
        #expect(CPUProbe.cgroupLimit("max 100000\n") == nil)
        #expect(CPUProbe.cgroupLimit("200000 100000\n") == 2)
        #expect(CPUProbe.cgroupLimit(nil) == nil)
        #expect(CPUProbe.cpuLine("cpu  10 0 5 80 5 0 0 0 0 0\n")! == (15, 100))
        #expect(CPUProbe.cpuLine("intr 1\n") == nil)
        #expect(CPUProbe.load("0.50 0.40 0.30 1/100 1\n") == 0.5)
    }

    /// The real `/proc/stat`: two busy loops (one per core of this machine) raise usage.
    @Test func aBusyLoopRaisesRealUsage() async throws {
        let probe = CPUProbe(firstSample: .milliseconds(200))
        let cores = ProcessInfo.processInfo.activeProcessorCount
        let loops = (0..<cores).map { _ in
            let p = Process()
            p.executableURL = URL(fileURLWithPath: "/bin/sh")
            // `exec` so the loop is the process terminate() signals; nothing inherited to hold open.
            p.arguments = ["-c", "exec nice -n 10 sh -c 'while :; do :; done'"]
            p.standardOutput = FileHandle.nullDevice
            p.standardError = FileHandle.nullDevice
            return p
        }
        for p in loops { try p.run() }
        // SIGKILL: the shell may have inherited SIGTERM ignored (it does under swift test).
        defer { for p in loops { kill(p.processIdentifier, SIGKILL) } }
        _ = await probe.run(deadline: .now + .seconds(2))
        // Bounded: a few short runs while every core spins.
        var usage = 0.0
        for _ in 0..<10 where usage < 70 {
            try await Task.sleep(for: .milliseconds(300))
            usage = await probe.run(deadline: .now + .seconds(2)).number("usage_percent") ?? 0
        }
        #expect(usage >= 70, "\(cores) busy loops, usage \(usage)%")
    }
}
