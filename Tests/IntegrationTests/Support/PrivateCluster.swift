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
        bin = try TestEnvironment.require("VITALS_TEST_PG_BIN")
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("vitals-pg-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try FileManager.default.setAttributes([.ownerAccountName: "postgres"], ofItemAtPath: dir)
        port = try FreePort.pick()
        try Tool.run("/usr/sbin/runuser", ["-u", "postgres", "--", bin + "/initdb", "-D", dir + "/data", "-A", "trust", "-U", "vitals", "--no-sync", "-E", "UTF8"], capture: false)
        try start()
    }

    /// Starts the server (again, after `stop`), on the same port.
    func start() throws {
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

    /// Through Python's subprocess, which closes inherited descriptors: the server must not
    /// hold Foundation's child-exit socket (the wait would never end).
    private func pgctl(_ args: [String], check: Bool = true) throws {
        try Tool.run(
            "/usr/bin/python3",
            ["-c", "import subprocess, sys; sys.exit(subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL).returncode)",
             "/usr/sbin/runuser", "-u", "postgres", "--", bin + "/pg_ctl", "-D", dir + "/data"] + args,
            capture: false, check: check)
    }
}
