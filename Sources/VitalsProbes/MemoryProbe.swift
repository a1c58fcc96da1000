import Foundation
import VitalsConfig
import VitalsCore
import VitalsIO

/// `memory`: available memory from `/proc/meminfo` (MemAvailable over MemTotal), or inside a
/// cgroup v2 limit from `memory.current` over `memory.max` when that is tighter: a container
/// is killed at its cgroup limit long before the host runs out.
public struct MemoryProbe: Probe {
    public struct Paths: Sendable {
        public var meminfo = "/proc/meminfo"
        public var cgroupMax = "/sys/fs/cgroup/memory.max"
        public var cgroupCurrent = "/sys/fs/cgroup/memory.current"
        public init() {}
    }
    let paths: Paths

    public init(paths: Paths = Paths()) {
        self.paths = paths
    }

    public func run(deadline: ContinuousClock.Instant) async -> ProbeResult {
        let start = ContinuousClock.now
        guard let meminfo = try? String(contentsOfFile: paths.meminfo, encoding: .utf8),
            let total = Self.kib("MemTotal", in: meminfo), let available = Self.kib("MemAvailable", in: meminfo), total > 0
        else {
            return .failure("cannot read MemTotal/MemAvailable from \(paths.meminfo)", latency: start.duration(to: .now))
        }
        var totalBytes = total * 1024
        var availableBytes = available * 1024
        var scope = "host"
        if let maxText = try? String(contentsOfFile: paths.cgroupMax, encoding: .utf8),
            let limit = Double(maxText.trimmingCharacters(in: .whitespacesAndNewlines)),
            let currentText = try? String(contentsOfFile: paths.cgroupCurrent, encoding: .utf8),
            let current = Double(currentText.trimmingCharacters(in: .whitespacesAndNewlines)), limit > 0
        {
            let cgroupAvailable = max(0, limit - current)
            if cgroupAvailable / limit < availableBytes / totalBytes {
                totalBytes = limit
                availableBytes = cgroupAvailable
                scope = "cgroup"
            }
        }
        let percent = (availableBytes / totalBytes * 1000).rounded() / 10
        return ProbeResult(
            success: true, latency: start.duration(to: .now),
            message: "\(percent)% available (\(DiskProbe.bytes(availableBytes)) of \(DiskProbe.bytes(totalBytes)), \(scope))",
            observations: [
                Observation("available_percent", percent, unit: "percent"),
                Observation("available_bytes", availableBytes, unit: "bytes"),
                Observation("total_bytes", totalBytes, unit: "bytes"),
                Observation("scope", text: scope),
            ])
    }

    static func kib(_ key: String, in meminfo: String) -> Double? {
        for line in meminfo.split(separator: "\n") where line.hasPrefix(key + ":") {
            return Double(line.dropFirst(key.count + 1).split(separator: " ").first ?? "")
        }
        return nil
    }
}
