import Foundation
import Testing
import VitalsTestSupport

/// A PostgreSQL cluster of one test's own (initdb, trust authentication, fsync off), for tests
/// that stop or kill the server: the shared test server must not freeze under other tests
/// running meanwhile. Made with the test environment's PostgreSQL binaries, run as `postgres`.
struct PrivateCluster {
    let dir: String
    let port: Int
    let bin: String

    init() throws {
        bin = try #require(TestEnvironment.server("VITALS_TEST_PG_BIN"))
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("vitals-pg-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try FileManager.default.setAttributes([.ownerAccountName: "postgres"], ofItemAtPath: dir)
        port = try FreePort.pick()
        try Self.run(["/usr/sbin/runuser", "-u", "postgres", "--", bin + "/initdb", "-D", dir + "/data", "-A", "trust", "-U", "vitals", "--no-sync", "-E", "UTF8"])
        try pgctl([
            "-o", "-p \(port) -k \(dir) -c listen_addresses=127.0.0.1 -c fsync=off", "-l", dir + "/server.log", "-w", "-t", "30", "start",
        ])
    }

    var dsn: String { "postgres://vitals@127.0.0.1:\(port)/postgres?sslmode=disable" }

    /// `pg_ctl stop` with `mode` (`immediate` tells every client `terminating connection due to
    /// immediate shutdown command`).
    func stop(mode: String = "fast") throws { try pgctl(["-m", mode, "-w", "-t", "30", "stop"]) }

    /// Stops it if it still runs (not an expectation: a test may have stopped it) and removes it.
    func remove() {
        try? pgctl(["-m", "immediate", "-w", "-t", "30", "stop"], check: false)
        try? FileManager.default.removeItem(atPath: dir)
    }

    /// Runs SQL as `vitals`; the rows as psql prints them unaligned.
    @discardableResult
    func psql(_ sql: String) throws -> String {
        try Self.run([bin + "/psql", "-qtA", "-h", "127.0.0.1", "-p", "\(port)", "-U", "vitals", "-d", "postgres", "-c", sql], capture: true)
    }

    /// Through Python's subprocess, which closes inherited descriptors: the server must not
    /// hold Foundation's child-exit socket (the wait would never end).
    private func pgctl(_ args: [String], check: Bool = true) throws {
        try Self.run(check: check, [
            "/usr/bin/python3", "-c", "import subprocess, sys; sys.exit(subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL).returncode)",
            "/usr/sbin/runuser", "-u", "postgres", "--", bin + "/pg_ctl", "-D", dir + "/data",
        ] + args)
    }

    @discardableResult
    private static func run(check: Bool = true, _ command: [String], capture: Bool = false) throws -> String {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: command[0])
        p.arguments = Array(command.dropFirst())
        let out = Pipe()
        p.standardOutput = capture ? out : FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        let data = capture ? out.fileHandleForReading.readDataToEndOfFile() : Data()
        p.waitUntilExit()
        if check { #expect(p.terminationStatus == 0, "\(command.last ?? "") failed") }
        return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
