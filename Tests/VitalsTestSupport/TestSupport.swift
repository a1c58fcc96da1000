import Foundation
import Testing

/// What more than one test target needs, written once.
public enum TestEnvironment {
    /// Set under `make test`: scripts/test-env.sh writes `VITALS_TEST_REQUIRE_SERVERS=1` into
    /// the env file scripts/run-tests.sh sources, so there every test server and tool is expected.
    public static let required = ProcessInfo.processInfo.environment["VITALS_TEST_REQUIRE_SERVERS"] == "1"

    /// A test server's address (or any other `VITALS_TEST_*` value) from the environment. When
    /// it is missing the test never passes by testing nothing: see `missing`.
    public static func require(_ name: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> String {
        if let v = ProcessInfo.processInfo.environment[name], !v.isEmpty { return v }
        try missing("\(name) is not set", sourceLocation: sourceLocation)
    }

    /// A program a test runs (promtool, the monitoring plugins), when it is installed.
    public static func requireExecutable(_ path: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> String {
        if FileManager.default.isExecutableFile(atPath: path) { return path }
        try missing("\(path) is not installed", sourceLocation: sourceLocation)
    }

    /// The one answer to "this test cannot run here": under `make test` (`required`) the test
    /// fails with the reason; elsewhere (only some servers started by hand) it is cancelled with
    /// the reason, which `swift test` reports as a skip, never as a pass.
    public static func missing(_ what: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> Never {
        if required { throw Missing(reason: "\(what), but VITALS_TEST_REQUIRE_SERVERS=1 (make test) expects every test server") }
        try Test.cancel("skipped: \(what); `make test` starts the test servers", sourceLocation: sourceLocation)
    }

    public struct Missing: Error, CustomStringConvertible {
        public var reason: String
        public var description: String { reason }
    }

    /// True under `make test` and wherever the test servers were started by hand; a test that
    /// needs them is `.enabled(if: TestEnvironment.serversAvailable, ...)`, so elsewhere it is a
    /// skip (and a test that needs a server the hand-started set lacks: `require`).
    public static let serversAvailable = required || ProcessInfo.processInfo.environment["VITALS_TEST_HTTPS"] != nil

    public static let skipReason: Comment = "test servers not configured (run `make test`)"
}

/// `promtool check metrics`, the format check Prometheus users trust (`make test` installs it).
public enum Promtool {
    public static func checkMetrics(_ text: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let promtool = try TestEnvironment.requireExecutable("/usr/bin/promtool", sourceLocation: sourceLocation)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: promtool)
        p.arguments = ["check", "metrics"]
        let input = Pipe()
        let output = Pipe()
        p.standardInput = input
        p.standardOutput = output
        p.standardError = output
        try p.run()
        input.fileHandleForWriting.write(Data(text.utf8))
        try input.fileHandleForWriting.close()
        let out = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        // promtool exits 1 for lint warnings (e.g. naming) as well as errors; report both.
        #expect(p.terminationStatus == 0, "promtool check metrics: \(out)", sourceLocation: sourceLocation)
    }
}

public enum Processes {
    /// Whether `pid` is alive: present in `/proc` and neither a zombie nor dead.
    public static func isRunning(_ pid: Int32) -> Bool {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8), let close = stat.lastIndex(of: ")") else {
            return false
        }
        let state = stat[stat.index(close, offsetBy: 2)]
        return state != "Z" && state != "X"
    }
}

public enum LoopbackSocket {
    /// A TCP socket from `source` (all of 127/8 is local on Linux, so each address is a separate
    /// client to a server) connected to `port` on 127.0.0.1, or -1. `receiveBuffer` is set
    /// before connecting, so the window the client offers stays that small from the start.
    public static func connect(port: Int, from source: String, receiveBuffer: Int32? = nil) -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return -1 }
        if var size = receiveBuffer { setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size)) }
        var local = sockaddr_in()
        local.sin_family = sa_family_t(AF_INET)
        local.sin_addr.s_addr = inet_addr(source)
        var remote = sockaddr_in()
        remote.sin_family = sa_family_t(AF_INET)
        remote.sin_addr.s_addr = inet_addr("127.0.0.1")
        remote.sin_port = UInt16(port).bigEndian
        let len = socklen_t(MemoryLayout<sockaddr_in>.size)
        let ok = withUnsafePointer(to: &local) { l in
            l.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) == 0 }
        } && withUnsafePointer(to: &remote) { r in
            r.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, len) == 0 }
        }
        guard ok else {
            close(fd)
            return -1
        }
        return fd
    }
}
