import Foundation
import Yams

/// `disk`: statvfs of a mount (the probe is `VitalsProbes/DiskProbe.swift`).
public struct DiskSettings: Sendable, Equatable {
    public var path: String
    public init(path: String) { self.path = path }
}

extension DiskSettings: ProbeConfig {
    static let type = ProbeType.disk
    static let keys = ["path"]
    static let thresholds: Set<String> = ["used_percent", "inodes_used_percent"]
    var probeSettings: ProbeSettings { .disk(self) }
    static func parse(_ f: Fields, _ parser: ConfigParser) -> Self? { parser.parseDisk(f) }
}

extension ConfigParser {
    func parseDisk(_ f: Fields) -> DiskSettings? {
        guard f.require("path") != nil, let p = f.string("path") else { return nil }
        if p.isEmpty {
            f.error("path", "the path is empty")
            return nil
        }
        return DiskSettings(path: p)
    }
}
