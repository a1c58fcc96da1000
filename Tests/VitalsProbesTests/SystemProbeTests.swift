import Foundation
import Testing
import VitalsConfig
import VitalsCore
@testable import VitalsProbes

struct TCPProbeTests {
    static func probe(_ port: Int, send: String = "", expect: String? = nil, timeout: Duration = .seconds(1)) throws -> TCPProbe {
        var t = TCPSettings(address: "127.0.0.1:\(port)")
        t.send = Array(send.utf8)
        t.expect = expect
        return try TCPProbe(settings: t, timeout: timeout)
    }

    @Test func connects() async throws {
        let server = try LoopbackServer(.hang)
        let r = try await Self.probe(server.port).run(deadline: .now + .seconds(1))
        #expect(r.success)
        #expect(r.message.hasPrefix("connected in "))
        #expect(r.number("connect_time") != nil)
    }

    @Test func refused() async throws {
        let r = try await Self.probe(try LoopbackServer.closedPort()).run(deadline: .now + .seconds(1))
        #expect(!r.success)
        #expect(r.message == "connection refused")
    }

    @Test func sendAndExpect() async throws {
        let server = try LoopbackServer(.reply(Array("AMQP\u{0}\u{0}\u{9}\u{1}".utf8), after: .zero))
        let ok = try await Self.probe(server.port, send: "hello\r\n\r\n", expect: "^AMQP").run(deadline: .now + .seconds(1))
        #expect(ok.success, "\(ok.message)")
        let bad = try await Self.probe(server.port, send: "hello\r\n\r\n", expect: "^SSH-").run(deadline: .now + .seconds(1))
        #expect(!bad.success)
        #expect(bad.message == #"expect "^SSH-" did not match "AMQP\x00\x00\x09\x01" (connection closed)"#)
    }

    /// The match is in the chunk that brings the read to its 4,096-byte cap: it is found (the
    /// plain copy of the loop once stopped at the cap without testing that chunk).
    @Test func aMatchInTheChunkThatReachesTheCapIsFound() async throws {
        let padding = [UInt8](repeating: UInt8(ascii: "x"), count: 4096 - 6)
        let server = try LoopbackServer(.greetInTwo(padding, then: Array("ready\n".utf8), after: .milliseconds(50)))
        let r = try await Self.probe(server.port, expect: "ready").run(deadline: .now + .seconds(1))
        #expect(r.success, "\(r.message)")
        #expect(r.number("bytes_read") == 4096)
        // Past the cap nothing is read: a match that ends there is reported as none.
        let late = try LoopbackServer(.greetInTwo(padding + [0x78, 0x78], then: Array("ready\n".utf8), after: .milliseconds(50)))
        let missed = try await Self.probe(late.port, expect: "ready").run(deadline: .now + .seconds(1))
        #expect(!missed.success)
        #expect(missed.message.hasSuffix("(no match in the first 4096 bytes)"), "\(missed.message)")
    }

    @Test func hungServerEndsAtTheDeadline() async throws {
        let server = try LoopbackServer(.hang)
        let start = ContinuousClock.now
        let r = try await Self.probe(server.port, expect: "^220", timeout: .milliseconds(300)).run(deadline: start + .milliseconds(300))
        let took = start.duration(to: .now)
        #expect(!r.success)
        #expect(r.message == "timeout after 300ms")
        #expect(took >= .milliseconds(300) && took < .milliseconds(300) + Timing.slack, "took \(took)")
    }

    @Test func manyAtOnceDoNotWaitOnEachOther() async throws {
        let hung = try LoopbackServer(.hang)
        let greeter = try LoopbackServer(.greet(Array("SSH-2.0-test\r\n".utf8)))
        let start = ContinuousClock.now
        async let slow = Self.probe(hung.port, expect: "x", timeout: .seconds(1)).run(deadline: start + .seconds(1))
        let fast = try await Self.probe(greeter.port, expect: "^SSH-2").run(deadline: start + .seconds(1))
        let fastTook = start.duration(to: .now)
        #expect(fast.success)
        // Before the hung one's deadline: it did not wait behind it.
        #expect(fastTook < .seconds(1), "a hung probe delayed another: \(fastTook)")
        #expect(try await !slow.success)
    }

    @Test func unresolvableHost() async throws {
        var t = TCPSettings(address: "no-such-host.invalid:80")
        t.expect = nil
        let p = try TCPProbe(settings: t, timeout: .seconds(2))
        let r = await p.run(deadline: .now + .seconds(2))
        #expect(!r.success)
        #expect(r.message.hasPrefix("could not resolve host"))
    }
}

struct DiskProbeTests {
    @Test func rootAndATemporaryFolder() async throws {
        for path in ["/", FileManager.default.temporaryDirectory.path] {
            let p = DiskProbe(settings: DiskSettings(path: path))
            let r = await p.run(deadline: .now + .seconds(1))
            #expect(r.success, "\(r.message)")
            let used = try #require(r.number("used_percent"))
            #expect(used >= 0 && used <= 100)
            #expect((r.number("free_bytes") ?? -1) >= 0)
            #expect((r.number("total_bytes") ?? 0) > 0)
            guard case .text(let mount)? = r.observation("mount") else { Issue.record("no mount"); continue }
            #expect(path.hasPrefix(mount))
        }
    }

    @Test func missingPathFails() async throws {
        let p = DiskProbe(settings: DiskSettings(path: "/nonexistent/vitals"))
        let r = await p.run(deadline: .now + .seconds(1))
        #expect(!r.success)
        #expect(r.message == "statvfs /nonexistent/vitals: No such file or directory")
    }

    @Test func longestMountWins() {
        let mounts = "/dev/vda / ext4 rw 0 0\n/dev/vdb /var/lib ext4 rw 0 0\n/dev/vdc /var/lib/data\\040x ext4 rw 0 0\n"
        #expect(DiskProbe.mountPoint(of: "/var/lib/postgres", mounts: mounts) == "/var/lib")
        #expect(DiskProbe.mountPoint(of: "/var/library", mounts: mounts) == "/")
        #expect(DiskProbe.mountPoint(of: "/var/lib/data x/y", mounts: mounts) == "/var/lib/data x")
    }
}

struct MemoryProbeTests {
    static func fixture(meminfo: String, max: String?, current: String?) throws -> MemoryProbe.Paths {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("vitals-mem-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        var paths = MemoryProbe.Paths()
        paths.meminfo = dir.appendingPathComponent("meminfo").path
        paths.cgroupMax = dir.appendingPathComponent("memory.max").path
        paths.cgroupCurrent = dir.appendingPathComponent("memory.current").path
        try meminfo.write(toFile: paths.meminfo, atomically: true, encoding: .utf8)
        if let max { try max.write(toFile: paths.cgroupMax, atomically: true, encoding: .utf8) }
        if let current { try current.write(toFile: paths.cgroupCurrent, atomically: true, encoding: .utf8) }
        return paths
    }

    static let meminfo = "MemTotal:       16000000 kB\nMemFree:         1000000 kB\nMemAvailable:    8000000 kB\n"

    @Test func hostMeminfo() async throws {
        let p = MemoryProbe(paths: try Self.fixture(meminfo: Self.meminfo, max: nil, current: nil))
        let r = await p.run(deadline: .now + .seconds(1))
        #expect(r.number("available_percent") == 50)
        #expect(r.observation("scope") == .text("host"))
    }

    @Test func tighterCgroupLimitWins() async throws {
        let paths = try Self.fixture(meminfo: Self.meminfo, max: "1073741824\n", current: "966367641\n")
        let p = MemoryProbe(paths: paths)
        let r = await p.run(deadline: .now + .seconds(1))
        #expect(r.number("available_percent") == 10)
        #expect(r.number("total_bytes") == 1_073_741_824)
        #expect(r.observation("scope") == .text("cgroup"))
    }

    @Test func unlimitedCgroupIsIgnored() async throws {
        let paths = try Self.fixture(meminfo: Self.meminfo, max: "max\n", current: "966367641\n")
        let p = MemoryProbe(paths: paths)
        #expect(await p.run(deadline: .now + .seconds(1)).number("available_percent") == 50)
    }

    @Test func thisMachine() async throws {
        let p = MemoryProbe()
        let r = await p.run(deadline: .now + .seconds(1))
        #expect(r.success)
        #expect((0...100).contains(r.number("available_percent") ?? -1))
    }
}
