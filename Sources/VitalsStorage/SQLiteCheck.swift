import Foundation
import VitalsIO

/// The check of an SQLite file before Vitals writes to it: a malformed file is refused at start
/// (exit 78, naming the file) rather than failing every write afterwards.
///
/// `PRAGMA quick_check` reads every page: about 0.7 s for 26 MB and 4 s for 100 MB on the
/// test machine (2 cores, busy), too long for every start of a large database. Up to
/// `fullCheckBytes` the whole file is checked; beyond it, the schema (read by any statement)
/// and the small tables whose loss matters most (`vitals_schema`, `state`: alert state) are,
/// and damage in the large tables shows as the first failed write, logged with SQLite's words.
enum SQLiteCheck {
    static let fullCheckBytes: Int64 = 32 << 20

    /// Nil when the file looks sound; otherwise what SQLite found, on one line.
    static func problem(_ db: SQLiteDatabase) -> String? {
        do {
            let pages = try db.prepare("PRAGMA page_count").rows().first?.first
            let pageSize = try db.prepare("PRAGMA page_size").rows().first?.first
            guard case .integer(let n)? = pages, case .integer(let size)? = pageSize else { return nil }
            var checks = ["PRAGMA quick_check(20)"]
            if n * size > fullCheckBytes {
                let tables = try db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name IN ('vitals_schema', 'state')").rows()
                checks = tables.compactMap { row in
                    guard case .text(let name)? = row.first else { return nil }
                    return "PRAGMA quick_check(\(name))"
                }
            }
            for sql in checks {
                let found = try db.prepare(sql).rows().compactMap { row -> String? in
                    guard case .text(let text)? = row.first else { return nil }
                    return text
                }
                if found != ["ok"] { return "database disk image is malformed (quick_check: " + found.joined(separator: "; ").prefix(300) + ")" }
            }
            return nil
        } catch {
            return error.message
        }
    }
}
