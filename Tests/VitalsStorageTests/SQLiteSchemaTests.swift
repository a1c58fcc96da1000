import Foundation
import Testing
@testable import VitalsIO
@testable import VitalsStorage

/// The schema against a real SQLite file (Debian's libsqlite3): created, kept, refused when
/// newer, and the connection's WAL mode, transactions and prepared statements.
struct SQLiteSchemaTests {
    static func file() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("vitals-\(UUID().uuidString).db").path
    }

    /// A file as an older Vitals left it: the schema of `version`, for a migration to take up.
    static func older(_ path: String, version: Int) throws -> SQLiteDatabase {
        let db = try SQLiteDatabase(path: path)
        try db.execute("CREATE TABLE vitals_schema (version INTEGER NOT NULL, migrated_at REAL NOT NULL)")
        for m in SQLiteSchema.migrations.prefix(version) { try db.execute(m) }
        try db.execute("INSERT INTO vitals_schema VALUES (\(version), 0)")
        return db
    }

    static func remove(_ path: String) {
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
    }

    @Test func aNewFileGetsTheSchemaAndAnOpenedOneKeepsIt() throws {
        let path = Self.file()
        defer { Self.remove(path) }
        let db = try SQLiteDatabase(path: path)
        #expect(try SQLiteSchema.migrate(db) == 0)
        let tables = try db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").rows()
        #expect(tables == [["results"], ["rollups"], ["state"], ["transitions"], ["vitals_schema"]].map { $0.map { .text($0) } })
        #expect(try db.prepare("PRAGMA journal_mode").rows() == [[.text("wal")]])
        // Every query the endpoints make has its index.
        let indexes = try db.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND name NOT LIKE 'sqlite_%' ORDER BY name").rows()
        #expect(indexes.count == 3)
        let plan = try db.prepare("EXPLAIN QUERY PLAN SELECT * FROM results WHERE component = ? ORDER BY at DESC LIMIT 100")
            .rows([.text("x")])
        #expect(plan.contains { row in row.contains(.text("SEARCH results USING INDEX results_by_component (component=?)")) }, "\(plan)")
        // Opened again: nothing to migrate.
        let again = try SQLiteDatabase(path: path)
        #expect(try SQLiteSchema.migrate(again) == SQLiteSchema.version)
        #expect(try again.prepare("SELECT count(*) FROM vitals_schema").rows() == [[.integer(Int64(SQLiteSchema.version))]])
    }

    @Test func aNewerSchemaIsRefusedWithAClearError() throws {
        let path = Self.file()
        defer { Self.remove(path) }
        let db = try SQLiteDatabase(path: path)
        try SQLiteSchema.migrate(db)
        try db.prepare("INSERT INTO vitals_schema (version, migrated_at) VALUES (99, 0)").run()
        #expect(throws: StorageError.newerSchema(path: path, found: 99, known: SQLiteSchema.version)) { try SQLiteSchema.migrate(db) }
        let text = StorageError.newerSchema(path: path, found: 99, known: 1).description
        #expect(text.contains("schema version 99, newer than this vitals knows (1)"))
    }

    /// A database written by this version, opened by a build with one migration more: taken up
    /// one version with every row kept; a migration that fails leaves the old version whole.
    @Test func anOlderDatabaseIsMigratedUpWithItsRows() throws {
        let path = Self.file()
        defer { Self.remove(path) }
        let db = try SQLiteDatabase(path: path)
        try SQLiteSchema.migrate(db)
        try db.prepare("INSERT INTO results (component, at, status, latency, message) VALUES ('db', 1, 'healthy', 0.002, 'ok')").run()

        let broken = SQLiteSchema.migrations + ["ALTER TABLE results ADD COLUMN region TEXT; CREATE INDEX nonsense ON missing_table (x)"]
        #expect(throws: StorageError.self) { try SQLiteSchema.migrate(db, migrations: broken) }
        #expect(try db.prepare("SELECT max(version) FROM vitals_schema").rows() == [[.integer(Int64(SQLiteSchema.version))]])
        #expect(try db.prepare("SELECT count(*) FROM pragma_table_info('results') WHERE name = 'region'").rows() == [[.integer(0)]])

        let next = SQLiteSchema.migrations + ["ALTER TABLE results ADD COLUMN region TEXT NOT NULL DEFAULT 'local'"]
        #expect(try SQLiteSchema.migrate(db, migrations: next) == SQLiteSchema.version)
        #expect(try db.prepare("SELECT max(version) FROM vitals_schema").rows() == [[.integer(Int64(next.count))]])
        #expect(try db.prepare("SELECT component, message, region FROM results").rows() == [[.text("db"), .text("ok"), .text("local")]])
        // And this build, opening the newer file, refuses it.
        #expect(throws: StorageError.newerSchema(path: path, found: next.count, known: SQLiteSchema.version)) { try SQLiteSchema.migrate(db) }
    }

    @Test func aFileThatIsNotADatabaseSaysSo() throws {
        let path = Self.file()
        defer { Self.remove(path) }
        try Data("not a database, just text\n".utf8 + [UInt8](repeating: 0x41, count: 4096)).write(to: URL(fileURLWithPath: path))
        #expect {
            let db = try SQLiteDatabase(path: path)
            try SQLiteSchema.migrate(db)
        } throws: { error in
            "\(error)".contains("not a database")
        }
    }

    @Test func aTransactionThatThrowsLeavesNothing() throws {
        let path = Self.file()
        defer { Self.remove(path) }
        let db = try SQLiteDatabase(path: path)
        try SQLiteSchema.migrate(db)
        let insert = try db.prepare("INSERT INTO state (namespace, key, value) VALUES (?, ?, ?)")
        #expect(throws: SQLiteError.self) {
            try db.transaction { () throws(SQLiteError) in
                try insert.run([.text("alerts"), .text("a"), .blob([1, 2, 3])])
                try insert.run([.text("alerts"), .text("a"), .blob([4])])  // the same key: a constraint error
            }
        }
        #expect(try db.prepare("SELECT count(*) FROM state").rows() == [[.integer(0)]])
        // A batch through one prepared statement, every kind of value back as written.
        try db.transaction { () throws(SQLiteError) in
            for i in 0..<100 { try insert.run([.text("alerts"), .text("k\(i)"), .blob([UInt8(i), 0, 255])]) }
        }
        #expect(try db.prepare("SELECT count(*) FROM state").rows() == [[.integer(100)]])
        #expect(try db.prepare("SELECT value FROM state WHERE key = ?").rows([.text("k7")]) == [[.blob([7, 0, 255])]])
        let typed = try db.prepare("SELECT ?, ?, ?, ?").rows([.integer(-5), .real(1.5), .text("héllo \"x\""), .null])
        #expect(typed == [[.integer(-5), .real(1.5), .text("héllo \"x\""), .null]])
    }
}
