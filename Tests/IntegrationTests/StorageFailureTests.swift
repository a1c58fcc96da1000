import Foundation
import Testing
import VitalsIO

/// Storage failures are told in the database's own words (issue 26): a malformed SQLite file
/// refuses the start, naming the file; a full disk is logged at once, once per kind, with
/// SQLite's reason, not only counted.
struct StorageFailureTests {
    @Test func aMalformedFileRefusesTheStart() async throws {
        let dir = ScratchFolder()
        defer { dir.remove() }
        let path = dir.url.appendingPathComponent("state.db").path
        do {
            let db = try SQLiteDatabase(path: path)
            try db.execute("PRAGMA journal_mode=DELETE; CREATE TABLE filler (a TEXT)")
            let insert = try db.prepare("INSERT INTO filler VALUES (?)")
            try db.transaction { () throws(SQLiteError) in
                for i in 0..<2_000 { try insert.run([.text("row \(i) " + String(repeating: "x", count: 100))]) }
            }
        }
        // Pages 3 to 5 (table pages) overwritten with garbage, as a bad disk or a torn copy leaves them.
        let file = try FileHandle(forUpdating: URL(fileURLWithPath: path))
        try file.seek(toOffset: 2 * 4096)
        try file.write(contentsOf: Data(repeating: 0xA5, count: 3 * 4096))
        try file.close()

        let vitals = try VitalsProcess(configBody: "storage: { type: sqlite, path: \"\(path)\" }\ncomponents:\n  - { name: m, type: memory }\n")
        #expect(await vitals.waitForExit(timeout: .seconds(20)) == 78)
        let err = vitals.stderrAfterExit
        #expect(err.contains(path) && err.contains("malformed"), "\(err)")
        #expect(!err.contains("vitals started"))
    }

    /// A tmpfs of 1 MiB, filled up under a running daemon: the next batch fails with SQLite's
    /// "database or disk is full", which is logged within seconds, once (not once per batch);
    /// once there is room again, writes go on.
    @Test(.enabled(if: getuid() == 0, "mounting a tmpfs needs root"))
    func aFullDiskIsLoggedAtOnceWithSQLitesReason() async throws {
        let dir = ScratchFolder()
        defer { dir.remove() }
        let mount = dir.url.appendingPathComponent("small").path
        try FileManager.default.createDirectory(atPath: mount, withIntermediateDirectories: true)
        try Tool.run("/bin/mount", ["-t", "tmpfs", "-o", "size=1m", "tmpfs", mount], capture: false)
        defer { _ = try? Tool.run("/bin/umount", ["-l", mount], capture: false, check: false) }
        let body = """
            storage: { type: sqlite, path: "\(mount)/state.db" }
            defaults: { interval: 100ms, timeout: 80ms }
            components:
              - { name: a, type: memory }
              - { name: b, type: memory }

            """
        let vitals = try VitalsProcess(configBody: body)
        defer { vitals.stop() }
        try await vitals.waitFor("/metrics") { _, b in (MetricSamples(b).value("vitals_storage_writes_total", ["result": "written"]) ?? 0) >= 4 }
        // Fill what is left of the file system.
        let filler = URL(fileURLWithPath: mount + "/filler")
        FileManager.default.createFile(atPath: filler.path, contents: nil)
        let handle = try FileHandle(forWritingTo: filler)
        for chunk in [64 * 1024, 4096, 512] { while (try? handle.write(contentsOf: Data(count: chunk))) != nil {} }
        try? handle.close()
        let filled = ContinuousClock.now

        var log = ""
        while ContinuousClock.now - filled < .seconds(10), !log.contains("storage write failed") {
            try await Task.sleep(for: .milliseconds(100))
            log += vitals.stderr
        }
        let took = filled.duration(to: .now)
        let line = log.split(separator: "\n").first { $0.contains("storage write failed") }.map(String.init) ?? ""
        #expect(line.contains("database or disk is full"), "\(log.suffix(2000))")
        #expect(took < .seconds(5), "logged after \(took)")
        // Batches go on failing (counted once their retries are spent, about 4 s), and the
        // reason is not said again while it lasts.
        try await vitals.waitFor("/metrics", timeout: .seconds(15)) { _, b in
            (MetricSamples(b).value("vitals_storage_writes_total", ["result": "failed"]) ?? 0) > 0
        }
        log += vitals.stderr
        #expect(log.components(separatedBy: "storage write failed").count - 1 == 1, "\(log.suffix(2000))")

        // Room again: writes resume.
        try FileManager.default.removeItem(at: filler)
        let written = MetricSamples(try await vitals.get("/metrics").body).value("vitals_storage_writes_total", ["result": "written"]) ?? 0
        try await vitals.waitFor("/metrics", timeout: .seconds(15)) { _, b in
            (MetricSamples(b).value("vitals_storage_writes_total", ["result": "written"]) ?? 0) > written
        }
    }

    /// `storage: postgres` whose server cannot be reached at start (nothing listens on the
    /// port): the start fails with exit 78 (README: a database that cannot be reached at start
    /// fails the start), naming what it could not reach and never the password, before serving.
    @Test func anUnreachablePostgresRefusesTheStart() async throws {
        let closed = try FreePort.pick()
        let password = "s3cr3t-\(UInt32.random(in: 0...UInt32.max))"
        let vitals = try VitalsProcess(configBody: """
            storage: { type: postgres, dsn: "postgres://vitals@127.0.0.1:\(closed)/vitals?sslmode=disable&connect_timeout=2", password: "\(password)" }
            components:
              - { name: m, type: memory }

            """)
        defer { vitals.stop() }
        let status = await vitals.waitForExit(timeout: .seconds(20))
        #expect(status == 78)
        // Still running (the start did not fail): what it logged so far, without waiting for an end.
        let err = status == nil ? vitals.stderr : vitals.stderrAfterExit
        #expect(err.contains("127.0.0.1") && err.contains("\(closed)"), "\(err)")
        #expect(!err.contains(password), "the password leaked: \(err)")
        #expect(!err.contains("vitals started"), "\(err)")
    }
}
