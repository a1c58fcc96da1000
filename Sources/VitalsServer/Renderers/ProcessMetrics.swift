#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// The usual `process_*` metrics, read from `/proc/self` at scrape time.
struct ProcessMetrics {
    var cpuSeconds: Double = 0
    var residentBytes: Double = 0
    var virtualBytes: Double = 0
    var startTimeSeconds: Double = 0
    var openFDs: Double = 0
    var maxFDs: Double = 0

    static func read() -> ProcessMetrics {
        var m = ProcessMetrics()
        let ticks = Double(sysconf(Int32(_SC_CLK_TCK)))
        let page = Double(sysconf(Int32(_SC_PAGESIZE)))
        if let stat = try? String(contentsOfFile: "/proc/self/stat", encoding: .utf8),
            let close = stat.lastIndex(of: ")")
        {
            // Fields after the command name, which may itself hold spaces and parentheses.
            let f = stat[stat.index(after: close)...].split(separator: " ")
            // f[0] is field 3 (state): utime=14, stime=15, starttime=22, vsize=23, rss=24.
            if f.count > 22 {
                m.cpuSeconds = ((Double(f[11]) ?? 0) + (Double(f[12]) ?? 0)) / ticks
                let startTicks = Double(f[19]) ?? 0
                m.virtualBytes = Double(f[20]) ?? 0
                m.residentBytes = (Double(f[21]) ?? 0) * page
                m.startTimeSeconds = bootTime() + startTicks / ticks
            }
        }
        m.openFDs = Double((try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd").count) ?? 0)
        var limit = rlimit()
        if getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 { m.maxFDs = Double(limit.rlim_cur) }
        return m
    }

    private static func bootTime() -> Double {
        guard let stat = try? String(contentsOfFile: "/proc/stat", encoding: .utf8) else { return 0 }
        for line in stat.split(separator: "\n") where line.hasPrefix("btime ") {
            return Double(line.dropFirst(6).trimmingCharacters(in: .whitespaces)) ?? 0
        }
        return 0
    }
}
