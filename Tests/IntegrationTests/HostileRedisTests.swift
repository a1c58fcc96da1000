import Foundation
import Testing

/// A "Redis" target that declares aggregates just below INT_MAX (Benchmarks/attacks/
/// hostile_redis.py): hiredis 0.14 would allocate 16 GB per reply and spend minutes freeing it on
/// an executor thread, a new thread each run, until the pool is full and other components'
/// exec and disk checks are skipped. Against the real daemon, beside exec and disk components
/// that run every second.
@Suite(.serialized)
struct HostileRedisTests {
    /// One hostile peer, by kind (flat, nested, map...), on a port of its own.
    final class Peer {
        let process = Process()
        let port: Int

        init(kind: String) throws {
            process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
            let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
                .deletingLastPathComponent().appendingPathComponent("Benchmarks/attacks/hostile_redis.py")
            process.arguments = [script.path, "0", kind]
            let portPipe = Pipe()
            process.standardOutput = portPipe
            // Not the test's own output: `swift test` would wait for a pipe it holds.
            process.standardError = FileHandle.nullDevice
            try process.run()
            let line = String(decoding: portPipe.fileHandleForReading.availableData, as: UTF8.self)
                .trimmingCharacters(in: .whitespacesAndNewlines)
            guard let port = Int(line) else {
                kill(process.processIdentifier, SIGKILL)
                process.waitUntilExit()
                throw POSIXError(.EIO)
            }
            self.port = port
        }

        func stop() {
            // SIGKILL: a child of Foundation's Process starts with SIGTERM blocked.
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }

    /// `Threads` and `VmPTE` (kB) of a process, from /proc/PID/status.
    static func threadsAndPageTables(_ pid: Int32) throws -> (threads: Int, pteKB: Int) {
        let status = try String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)
        func field(_ name: String) -> Int? {
            status.split(separator: "\n").first { $0.hasPrefix(name + ":") }
                .flatMap { Int($0.dropFirst(name.count + 1).trimmingCharacters(in: .whitespaces).split(separator: " ")[0]) }
        }
        return (try #require(field("Threads")), try #require(field("VmPTE")))
    }

    static let kinds: [(name: String, kind: String, message: String)] = [
        ("flat", "flat", "reply declares an array of 2147483646 elements, over the 1 MiB reply budget"),
        ("nested", "nested", "reply declares an array of 2147483000 elements, over the 1 MiB reply budget"),
        ("deep", "deep", "reply declares an array of 2147483000 elements, over the 1 MiB reply budget"),
        // hiredis 0.14 parses RESP2 only: a RESP3 map is a protocol error before any allocation.
        ("map", "map", #"protocol error, got "%" as reply type byte (not a Redis server?)"#),
    ]

    @Test func hugeAggregatesFailAtOnceAndStarveNobody() async throws {
        let peers = try Self.kinds.map { try Peer(kind: $0.kind) }
        defer { for p in peers { p.stop() } }
        let scratch = ScratchFolder()
        defer { scratch.remove() }
        var config = """
            defaults:
              interval: 1s
              timeout: 900ms
            components:
              - name: plugin
                type: exec
                command: ["/bin/true"]
              - name: disk
                type: disk
                path: "\(scratch.path)"

            """
        for (kind, peer) in zip(Self.kinds, peers) {
            config += """
                  - name: redis-\(kind.name)
                    type: redis
                    critical: false
                    address: "127.0.0.1:\(peer.port)"

                """
        }
        let vitals = try VitalsProcess(configBody: config)
        defer { vitals.stop() }
        let pid = vitals.process.processIdentifier

        // Each hostile target fails with what it did, at once: far inside its 900 ms timeout.
        let detailed = try await vitals.waitFor("/health/detailed") { _, body in
            Self.kinds.allSatisfy { k in body.contains("\"redis-\(k.name)\"") } && !body.contains("no result yet")
                && !body.contains("\"unknown\"")
        }
        let components = try #require(jsonObject(detailed.body)?["components"] as? [[String: Any]])
        for kind in Self.kinds {
            let c = try #require(components.first { $0["name"] as? String == "redis-\(kind.name)" })
            #expect(c["status"] as? String == "unhealthy")
            #expect(c["message"] as? String == kind.message, "redis-\(kind.name): \(c["message"] ?? "")")
            let latency = try #require(c["latency_ms"] as? Double)
            #expect(latency < 500, "redis-\(kind.name) took \(latency) ms to fail")
        }

        // Warm-up over (every component has run), then a minute of attacks: the daemon's threads
        // and page tables stay flat, and the exec and disk components keep their schedule.
        let start = try Self.threadsAndPageTables(pid)
        var peak = start
        let end = ContinuousClock.now + .seconds(60)
        while ContinuousClock.now < end {
            try await Task.sleep(for: .seconds(2))
            let now = try Self.threadsAndPageTables(pid)
            peak = (max(peak.threads, now.threads), max(peak.pteKB, now.pteKB))
        }
        let last = try Self.threadsAndPageTables(pid)
        print("hostile redis: threads \(start.threads) -> \(last.threads) (peak \(peak.threads)), VmPTE \(start.pteKB) -> \(last.pteKB) kB (peak \(peak.pteKB))")
        #expect(peak.threads - start.threads < 2, "threads grew from \(start.threads) to \(peak.threads)")
        #expect(peak.pteKB - start.pteKB < 1024, "VmPTE grew from \(start.pteKB) kB to \(peak.pteKB) kB")

        let metrics = try await vitals.get("/metrics").body
        for (name, type) in [("plugin", "exec"), ("disk", "disk")] {
            #expect(metrics.contains(#"vitals_probe_runs_skipped_total{component="\#(name)",type="\#(type)"} 0"#), "\(name) skipped runs")
            #expect(metrics.contains(#"vitals_component_status{component="\#(name)",type="\#(type)",status="healthy"} 1"#), "\(name) not healthy")
        }
        let after = try #require(jsonObject(try await vitals.get("/health/detailed").body)?["components"] as? [[String: Any]])
        for name in ["plugin", "disk"] {
            let c = try #require(after.first { $0["name"] as? String == name })
            #expect(c["status"] as? String == "healthy", "\(name): \(c["message"] ?? "")")
        }
        for kind in Self.kinds {
            let c = try #require(after.first { $0["name"] as? String == "redis-\(kind.name)" })
            #expect(c["message"] as? String == kind.message, "redis-\(kind.name): \(c["message"] ?? "")")
        }
    }
}
