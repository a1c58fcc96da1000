import Foundation
import Yams

/// `cpu`: usage over the last interval from `/proc/stat`, load per core, and inside a cgroup v2
/// limit the usage against `cpu.max` and the throttled share (the probe is `VitalsProbes/CPUProbe.swift`).
public struct CPUSettings: Sendable, Equatable {
    public init() {}
}

extension CPUSettings: ProbeConfig {
    static let type = ProbeType.cpu
    static let keys: [String] = []
    static let thresholds: Set<String> = ["usage_percent", "load_per_core", "throttled_percent"]
    var probeSettings: ProbeSettings { .cpu(self) }
    static func parse(_ f: Fields, _ parser: ConfigParser) -> Self? { CPUSettings() }
}
