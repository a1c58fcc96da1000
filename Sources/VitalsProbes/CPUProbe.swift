import Foundation
import Synchronization
import VitalsConfig
import VitalsCore

/// `cpu`: the share of time the CPUs were busy since the previous run, from `/proc/stat`; the
/// 1-minute load average per online core from `/proc/loadavg`; and inside a cgroup v2 limit
/// (`cpu.max` not `max`) the cgroup's usage against its quota and the share of its periods that
/// were throttled, from `cpu.stat`. A container at its quota is slow long before the host is busy.
///
/// The first run has no previous sample: it takes two, `firstSample` apart (within its deadline).
public struct CPUProbe: Probe {
    public struct Paths: Sendable {
        public var stat = "/proc/stat"
        public var loadavg = "/proc/loadavg"
        public var cgroupMax = "/sys/fs/cgroup/cpu.max"
        public var cgroupStat = "/sys/fs/cgroup/cpu.stat"
        public init() {}
    }

    /// What one reading holds; the probe compares it with the previous one.
    struct Sample: Sendable, Equatable {
        var at: ContinuousClock.Instant
        /// Jiffies busy and in all, summed over every CPU (`cpu` line).
        var busy: UInt64
        var total: UInt64
        /// The cgroup's `usage_usec`, `nr_periods`, `nr_throttled`; nil outside a limit.
        var cgroup: (usage: UInt64, periods: UInt64, throttled: UInt64)?

        static func == (a: Sample, b: Sample) -> Bool {
            a.at == b.at && a.busy == b.busy && a.total == b.total && a.cgroup?.usage == b.cgroup?.usage
                && a.cgroup?.periods == b.cgroup?.periods && a.cgroup?.throttled == b.cgroup?.throttled
        }
    }

    let paths: Paths
    let cores: Int
    let firstSample: Duration
    /// The previous run's reading: each run measures the time since it.
    private let previous = SampleBox()

    public init(paths: Paths = Paths(), cores: Int = ProcessInfo.processInfo.activeProcessorCount, firstSample: Duration = .milliseconds(250)) {
        self.paths = paths
        self.cores = max(1, cores)
        self.firstSample = firstSample
    }

    public func run(deadline: ContinuousClock.Instant) async -> ProbeResult {
        let start = ContinuousClock.now
        guard var now = read() else { return .failure("cannot read the cpu line of \(paths.stat)", latency: start.duration(to: .now)) }
        var before = previous.swap(now)
        if before == nil {
            let wait = min(firstSample, start.duration(to: deadline) / 2)
            try? await Task.sleep(for: wait)
            guard let second = read() else { return .failure("cannot read the cpu line of \(paths.stat)", latency: start.duration(to: .now)) }
            before = now
            now = second
            _ = previous.swap(second)
        }
        guard let before else { return .failure("no sample", latency: start.duration(to: .now)) }
        let limit = Self.cgroupLimit(try? String(contentsOfFile: paths.cgroupMax, encoding: .utf8))
        let load = Self.load(try? String(contentsOfFile: paths.loadavg, encoding: .utf8))
        let reading = Self.usage(from: before, to: now, cgroupCores: limit, cores: cores, load: load)
        var observations = [Observation("usage_percent", reading.usage, unit: "percent")]
        if let perCore = reading.loadPerCore { observations.append(Observation("load_per_core", perCore)) }
        if let throttled = reading.throttled { observations.append(Observation("throttled_percent", throttled, unit: "percent")) }
        if let limit { observations.append(Observation("cgroup_cores", limit)) }
        observations.append(Observation("scope", text: reading.scope))
        var message = "\(reading.usage)% busy (\(reading.scope))"
        if let perCore = reading.loadPerCore { message += ", load \(perCore) per core" }
        if let throttled = reading.throttled { message += ", \(throttled)% of periods throttled" }
        return ProbeResult(success: true, latency: start.duration(to: .now), message: message, observations: observations)
    }

    private func read() -> Sample? {
        guard let stat = try? String(contentsOfFile: paths.stat, encoding: .utf8), let (busy, total) = Self.cpuLine(stat) else { return nil }
        let cgroup = (try? String(contentsOfFile: paths.cgroupStat, encoding: .utf8)).flatMap(Self.cgroupStat)
        return Sample(at: .now, busy: busy, total: total, cgroup: cgroup)
    }

    /// What two samples say, rounded to 0.1: usage (against the cgroup's quota when it has
    /// one, else the host's), load per core, the throttled share of the cgroup's periods.
    static func usage(from a: Sample, to b: Sample, cgroupCores: Double?, cores: Int, load: Double?)
        -> (usage: Double, loadPerCore: Double?, throttled: Double?, scope: String)
    {
        func tenth(_ v: Double) -> Double { (v * 10).rounded() / 10 }
        let dTotal = Double(b.total &- a.total)
        var usage = dTotal > 0 ? Double(b.busy &- a.busy) / dTotal * 100 : 0
        var scope = "host"
        var throttled: Double?
        if let limit = cgroupCores, let ca = a.cgroup, let cb = b.cgroup {
            let wall = a.at.duration(to: b.at).seconds
            if wall > 0 { usage = Double(cb.usage &- ca.usage) / 1_000_000 / (wall * limit) * 100 }
            let periods = Double(cb.periods &- ca.periods)
            throttled = periods > 0 ? tenth(Double(cb.throttled &- ca.throttled) / periods * 100) : 0
            scope = "cgroup"
        }
        return (tenth(min(100, max(0, usage))), load.map { tenth($0 / Double(cores)) }, throttled, scope)
    }

    /// The `cpu` line: busy and total jiffies (guest time is already in user and nice).
    static func cpuLine(_ stat: String) -> (busy: UInt64, total: UInt64)? {
        guard let line = stat.split(separator: "\n").first(where: { $0.hasPrefix("cpu ") }) else { return nil }
        let v = line.split(separator: " ").dropFirst().prefix(8).compactMap { UInt64($0) }
        guard v.count >= 5 else { return nil }
        let total = v.reduce(0, +)
        let idle = v[3] + v[4]  // idle and iowait
        return (total - idle, total)
    }

    /// `cpu.max`: "QUOTA PERIOD" as cores, nil for "max" (no limit) or no file.
    static func cgroupLimit(_ text: String?) -> Double? {
        guard let parts = text?.split(whereSeparator: \.isWhitespace), parts.count == 2, let quota = Double(parts[0]),
            let period = Double(parts[1]), period > 0
        else { return nil }
        return quota / period
    }

    static func cgroupStat(_ text: String) -> (usage: UInt64, periods: UInt64, throttled: UInt64)? {
        var fields: [Substring: UInt64] = [:]
        for line in text.split(separator: "\n") {
            let kv = line.split(separator: " ")
            if kv.count == 2, let v = UInt64(kv[1]) { fields[kv[0]] = v }
        }
        guard let usage = fields["usage_usec"] else { return nil }
        return (usage, fields["nr_periods"] ?? 0, fields["nr_throttled"] ?? 0)
    }

    static func load(_ text: String?) -> Double? {
        text?.split(separator: " ").first.flatMap { Double($0) }
    }
}

/// The previous sample, shared by the runs of one component (one at a time, but on any thread).
final class SampleBox: Sendable {
    private let sample = Mutex<CPUProbe.Sample?>(nil)
    /// Stores `new`; returns what was there.
    func swap(_ new: CPUProbe.Sample) -> CPUProbe.Sample? {
        sample.withLock { s in
            defer { s = new }
            return s
        }
    }
}
