#if canImport(Glibc)
import Glibc
#endif
import CVitalsSystem
import Foundation
import VitalsConfig
import VitalsCore
import VitalsIO

/// `disk`: `statvfs` of the mount that holds `path` (found in `/proc/self/mounts`), reporting
/// used and inode-used percent like `df`. The call runs on the blocking executor: a hung NFS
/// mount costs this probe its timeout and nothing else.
public struct DiskProbe: Probe {
    let path: String
    let mountsFile: String
    /// Where this probe's blocking calls run, one at a time (`BlockingLane`).
    let lane = BlockingLane()

    public var blockedSince: ContinuousClock.Instant? { lane.busySince }

    public init(settings: DiskSettings, mountsFile: String = "/proc/self/mounts") {
        path = settings.path
        self.mountsFile = mountsFile
    }

    public func run(deadline: ContinuousClock.Instant) async -> ProbeResult {
        let start = ContinuousClock.now
        let path = self.path
        let mountsFile = self.mountsFile
        let ran = await lane.run { () -> Result<(String, statvfs), ProbeSetupError> in
            let resolved = URL(fileURLWithPath: path).resolvingSymlinksInPath().path
            let mount = Self.mountPoint(of: resolved, mounts: (try? String(contentsOfFile: mountsFile, encoding: .utf8)) ?? "")
            var st = statvfs()
            guard statvfs(resolved, &st) == 0 else {
                return .failure(ProbeSetupError("statvfs \(path): \(String(cString: strerror(vitals_errno())))"))
            }
            return .success((mount ?? "/", st))
        }
        let latency = start.duration(to: .now)
        let outcome: Result<(String, statvfs), ProbeSetupError>
        switch ran {
        case .success(let o): outcome = o
        case .failure(let busy): return .stillHung(startedAt: busy.since, latency: latency)
        }
        switch outcome {
        case .failure(let e): return .failure(e.description, latency: latency)
        case .success(let (mount, st)):
            let frsize = Double(st.f_frsize)
            let total = Double(st.f_blocks) * frsize
            let free = Double(st.f_bavail) * frsize
            let used = (Double(st.f_blocks) - Double(st.f_bfree)) * frsize
            // Like df: used over what users can have (used + available to non-root).
            let usedPercent = used + free > 0 ? used / (used + free) * 100 : 0
            let inodesUsed = Double(st.f_files) - Double(st.f_ffree)
            let inodesPercent = st.f_files > 0 ? inodesUsed / Double(st.f_files) * 100 : 0
            return ProbeResult(
                success: true, latency: latency,
                message: "\(mount) \(Self.round1(usedPercent))% used, \(Self.bytes(free)) free",
                observations: [
                    Observation("used_percent", Self.round1(usedPercent), unit: "percent"),
                    Observation("inodes_used_percent", Self.round1(inodesPercent), unit: "percent"),
                    Observation("free_bytes", free, unit: "bytes"),
                    Observation("total_bytes", total, unit: "bytes"),
                    Observation("mount", text: mount),
                ])
        }
    }

    /// The longest mount point that is a path prefix of `path`.
    static func mountPoint(of path: String, mounts: String) -> String? {
        var best: String?
        for line in mounts.split(separator: "\n") {
            let fields = line.split(separator: " ")
            guard fields.count >= 2 else { continue }
            // /proc/mounts escapes spaces and friends as octal (\040).
            let mount = unescapeOctal(String(fields[1]))
            let matches = mount == "/" || path == mount || path.hasPrefix(mount + "/")
            if matches, mount.count > (best?.count ?? -1) { best = mount }
        }
        return best
    }

    static func unescapeOctal(_ s: String) -> String {
        guard s.contains("\\") else { return s }
        var out = [UInt8]()
        var it = Array(s.utf8)[...]
        while let b = it.popFirst() {
            if b == UInt8(ascii: "\\"), it.count >= 3, let v = UInt8(String(decoding: it.prefix(3), as: UTF8.self), radix: 8) {
                out.append(v)
                it = it.dropFirst(3)
            } else {
                out.append(b)
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    static func round1(_ v: Double) -> Double { (v * 10).rounded() / 10 }

    static func bytes(_ v: Double) -> String {
        let units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"]
        var value = v
        var i = 0
        while value >= 1024 && i < units.count - 1 {
            value /= 1024
            i += 1
        }
        return i == 0 ? "\(Int(value)) B" : "\(round1(value)) \(units[i])"
    }
}
