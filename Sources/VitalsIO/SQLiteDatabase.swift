import CSQLite
import Foundation

/// What SQLite said when a call failed: its result code and its message.
package struct SQLiteError: Error, CustomStringConvertible, Equatable {
    package var code: Int32
    package var message: String
    package var description: String { "sqlite: \(message) (code \(code))" }
    /// SQLite's own text for the primary result code ("database or disk is full", "database
    /// disk image is malformed"): one name per kind of failure, whatever the message adds.
    package var kind: String { String(cString: sqlite3_errstr(code & 0xFF)) }
}

/// One SQLite database file, as the storage writer or a reader holds it.
///
/// `@unchecked Sendable` because a connection opened `SQLITE_OPEN_NOMUTEX` must not be used by
/// two threads at once: it is owned by exactly one party (the storage's writer thread, or the
/// reader that opened it), which makes every call from that one thread, one after another. Each
/// call is blocking file I/O, so an owner runs on a thread of its own, never on the cooperative
/// pool. Opened in WAL mode with `synchronous=NORMAL` (a crash loses at most the last
/// transactions, never the file) and a busy timeout, so a reader never blocks the writer.
package final class SQLiteDatabase: @unchecked Sendable {
    private let db: OpaquePointer
    package let path: String

    package init(path: String, readOnly: Bool = false, busyTimeout: Duration = .seconds(5)) throws(SQLiteError) {
        var handle: OpaquePointer?
        let flags = (readOnly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE) | SQLITE_OPEN_NOMUTEX
        let rc = sqlite3_open_v2(path, &handle, flags, nil)
        guard rc == SQLITE_OK, let handle else {
            let message = handle.map { String(cString: sqlite3_errmsg($0)) } ?? "cannot open"
            if let handle { sqlite3_close_v2(handle) }
            throw SQLiteError(code: rc, message: "\(message): \(path)")
        }
        db = handle
        self.path = path
        sqlite3_busy_timeout(db, Int32(busyTimeout.components.seconds * 1000 + busyTimeout.components.attoseconds / 1_000_000_000_000_000))
        if !readOnly {
            try execute("PRAGMA journal_mode=WAL")
            try execute("PRAGMA synchronous=NORMAL")
            // After a checkpoint the WAL file is cut back to this, so a burst of writes (or of
            // pruning) does not leave it large for good.
            try execute("PRAGMA journal_size_limit=67108864")
        }
        try execute("PRAGMA foreign_keys=ON")
    }

    deinit { sqlite3_close_v2(db) }

    /// Runs statements that return no rows the caller needs.
    package func execute(_ sql: String) throws(SQLiteError) {
        var error: UnsafeMutablePointer<CChar>?
        let rc = sqlite3_exec(db, sql, nil, nil, &error)
        if rc != SQLITE_OK {
            let message = error.map { String(cString: $0) } ?? lastMessage
            sqlite3_free(error)
            throw SQLiteError(code: rc, message: message)
        }
    }

    package func prepare(_ sql: String) throws(SQLiteError) -> SQLiteStatement {
        var statement: OpaquePointer?
        let rc = sqlite3_prepare_v3(db, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &statement, nil)
        guard rc == SQLITE_OK, let statement else { throw SQLiteError(code: rc, message: lastMessage) }
        return SQLiteStatement(statement, database: self)
    }

    /// `body` inside `BEGIN IMMEDIATE ... COMMIT`, rolled back when it throws: a batch of writes
    /// is one transaction, one fsync.
    package func transaction<T>(_ body: () throws(SQLiteError) -> T) throws(SQLiteError) -> T {
        try execute("BEGIN IMMEDIATE")
        do {
            let value = try body()
            try execute("COMMIT")
            return value
        } catch {
            try? execute("ROLLBACK")
            throw error
        }
    }

    /// Rows changed by the last statement.
    package var changes: Int { Int(sqlite3_changes(db)) }

    var lastMessage: String { String(cString: sqlite3_errmsg(db)) }
}

/// A prepared statement, reused for every row of a batch (bind, step, reset). Owned with its
/// database, by the same one thread.
package final class SQLiteStatement: @unchecked Sendable {
    private let statement: OpaquePointer
    private let database: SQLiteDatabase

    fileprivate init(_ statement: OpaquePointer, database: SQLiteDatabase) {
        self.statement = statement
        self.database = database
    }

    deinit { sqlite3_finalize(statement) }

    package enum Value: Sendable, Equatable {
        case integer(Int64)
        case real(Double)
        case text(String)
        case blob([UInt8])
        case null
    }

    /// Binds `values` to the parameters in order (1-based in SQLite), after a reset.
    package func bind(_ values: [Value]) throws(SQLiteError) {
        sqlite3_reset(statement)
        sqlite3_clear_bindings(statement)
        for (i, value) in values.enumerated() {
            let index = Int32(i + 1)
            let rc: Int32
            switch value {
            case .integer(let v): rc = sqlite3_bind_int64(statement, index, v)
            case .real(let v): rc = sqlite3_bind_double(statement, index, v)
            case .text(let v): rc = vitals_sqlite_bind_text(statement, index, v, -1)
            case .blob(let v): rc = v.withUnsafeBytes { vitals_sqlite_bind_blob(statement, index, $0.baseAddress, Int32($0.count)) }
            case .null: rc = sqlite3_bind_null(statement, index)
            }
            if rc != SQLITE_OK { throw SQLiteError(code: rc, message: database.lastMessage) }
        }
    }

    /// Runs the statement to its end (an insert, an update).
    package func run(_ values: [Value] = []) throws(SQLiteError) {
        try bind(values)
        while try step() {}
    }

    /// Every row, each as its columns' values.
    package func rows(_ values: [Value] = []) throws(SQLiteError) -> [[Value]] {
        try bind(values)
        var out: [[Value]] = []
        while try step() { out.append((0..<sqlite3_column_count(statement)).map(column)) }
        return out
    }

    /// True while a row is ready.
    private func step() throws(SQLiteError) -> Bool {
        switch sqlite3_step(statement) {
        case SQLITE_ROW: return true
        case SQLITE_DONE: return false
        case let rc: throw SQLiteError(code: rc, message: database.lastMessage)
        }
    }

    private func column(_ i: Int32) -> Value {
        switch sqlite3_column_type(statement, i) {
        case SQLITE_INTEGER: return .integer(sqlite3_column_int64(statement, i))
        case SQLITE_FLOAT: return .real(sqlite3_column_double(statement, i))
        case SQLITE_TEXT: return .text(String(cString: sqlite3_column_text(statement, i)))
        case SQLITE_BLOB:
            let n = Int(sqlite3_column_bytes(statement, i))
            guard n > 0, let p = sqlite3_column_blob(statement, i) else { return .blob([]) }
            return .blob(Array(UnsafeRawBufferPointer(start: p, count: n)))
        default: return .null
        }
    }
}
