import Foundation
import Yams

/// `memory`: MemAvailable, or the cgroup v2 limit when tighter (the probe is `VitalsProbes/MemoryProbe.swift`).
public struct MemorySettings: Sendable, Equatable {
    public init() {}
}

extension MemorySettings: ProbeConfig {
    static let type = ProbeType.memory
    static let keys: [String] = []
    static let thresholds: Set<String> = ["available_percent"]
    var probeSettings: ProbeSettings { .memory(self) }
    static func parse(_ f: Fields, _ parser: ConfigParser) -> Self? { parser.parseMemory(f) }
}

extension ConfigParser {
    func parseMemory(_ f: Fields) -> MemorySettings? { MemorySettings() }
}
