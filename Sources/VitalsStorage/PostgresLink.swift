import Foundation
import Synchronization
import VitalsConfig
import VitalsCore
import VitalsIO

/// One PostgreSQL connection kept open for storage through the shared libpq session, made again
/// after it breaks: a database restart costs the queries in flight, never the process.
///
/// Queries take turns (a libpq connection runs one at a time); each has its own deadline,
/// enforced on the socket poller and by the server's `statement_timeout`, so a hung database
/// costs the caller its timeout, never a thread.
final class PostgresLink: Sendable {
    private let keywords: [String]
    private let values: [String]
    private let secrets: [String]
    private let session = Mutex<PostgresSession?>(nil)
    private let turn = AsyncSemaphore(permits: 1)
    /// A connect left running past its deadline holds it: the next query fails at once
    /// instead of taking a second blocking thread beside it.
    private let lane = BlockingLane()
    /// What storage reads may carry at most (a restore of thousands of components is the largest).
    static let maxResultBytes = 512 << 20

    /// The server's notices on this connection, scrubbed of the DSN's secrets.
    private let notices: PostgresNotices

    init(dsn: String, password: String?, notice: (@Sendable (String) -> Void)? = nil) {
        var secrets = Redactor.dsnPasswords(of: dsn)
        // Later keywords win: the DSN may set its own timeout and name; the password given apart
        // wins over one in the DSN; quoting rules are fixed, since storage writes quoted literals.
        var keywords = ["connect_timeout", "application_name", "dbname", "client_encoding", "options"]
        var values = ["5", "vitals-storage", dsn, "UTF8", "-c standard_conforming_strings=on -c client_min_messages=warning"]
        if let password, !password.isEmpty {
            keywords.append("password")
            values.append(password)
            secrets.append(password)
        }
        self.keywords = keywords
        self.values = values
        self.secrets = secrets
        notices = notice.map { notice in PostgresNotices { [secrets] text in notice(Redactor.scrub(text, secrets)) } } ?? .dropped
    }

    /// Runs `sql` (one or more statements, one implicit transaction) and returns the rows of
    /// its first result that has any, as text.
    func query(_ sql: String, timeout: Duration) async -> Result<[[String?]], StorageFailure> {
        await query(sql, until: .now + timeout)
    }

    /// The kind of a failure past the deadline.
    static let timedOut = "timed out"

    /// `query` by a deadline that includes the wait for its turn: a query behind one that hangs
    /// fails at its own deadline too, without starting.
    func query(_ sql: String, until deadline: ContinuousClock.Instant) async -> Result<[[String?]], StorageFailure> {
        guard await turn.acquire() else { return .failure(StorageFailure(message: "cancelled")) }
        defer { turn.release() }
        guard ContinuousClock.now < deadline else { return .failure(StorageFailure(message: "timed out waiting for an earlier query", kind: Self.timedOut)) }
        var current: PostgresSession
        if let kept = session.withLock({ s in defer { s = nil }; return s }) {
            current = kept
            current.deadline = deadline
        } else {
            switch await PostgresSession.open(
                keywords: keywords, values: values, deadline: deadline, multiHost: true, maxResultBytes: Self.maxResultBytes,
                keptRows: Int(Int32.max), lane: lane, notices: notices)
            {
            case .success(let s): current = s
            case .failure(let f): return .failure(failure(f))
            }
            if let f = await current.connect() {
                current.finish()
                return .failure(failure(f))
            }
        }
        switch await current.execute(sql) {
        case .success(let rows):
            let back = current
            session.withLock { $0 = back }
            return .success(rows)
        case .failure(let f):
            // The connection may be mid-query or broken: the next query makes a new one.
            current.finish()
            return .failure(failure(f))
        }
    }

    /// `query` from a thread of its own (the writer's), which waits; the query itself runs on
    /// the cooperative pool and the socket poller, never blocking a pool thread.
    func queryWaiting(_ sql: String, timeout: Duration) -> Result<[[String?]], StorageFailure> {
        let done = DispatchSemaphore(value: 0)
        let result = Locked<Result<[[String?]], StorageFailure>?>(nil)
        Task {
            let r = await query(sql, timeout: timeout)
            result.withLock { $0 = r }
            done.signal()
        }
        done.wait()
        return result.withLock { $0 } ?? .failure(StorageFailure(message: "no answer"))
    }

    func close() {
        session.withLock { s in
            s?.finish()
            s = nil
        }
    }

    private func failure(_ f: PostgresSession.Failure) -> StorageFailure {
        let text: String
        let kind: String?
        switch f {
        case .timedOut: (text, kind) = ("timed out", Self.timedOut)
        case .cancelled: (text, kind) = ("cancelled", nil)
        // The connection's own failures (refused, reset, closed by the server) are one kind.
        case .libpq(let s): (text, kind) = (MessageText.oneLine(s), "connection")
        case .other(let s): (text, kind) = (s, nil)
        // A connect left hung on the link's lane: every read meanwhile fails the same way.
        case .busy(let busy): (text, kind) = (ProbeResult.stillHung(startedAt: busy.since).message, "busy")
        }
        let message = Redactor.scrub(text, secrets)
        return StorageFailure(message: message, kind: kind ?? message)
    }
}

/// Values written into SQL text for PostgreSQL (storage sends one multi-statement query per
/// batch). Safe with `standard_conforming_strings` on, which the link sets: a quote is doubled,
/// a backslash is an ordinary character, and NUL, which no text column can hold, is dropped.
enum PGText {
    static func literal(_ s: String) -> String {
        "'" + s.replacingOccurrences(of: "\u{0}", with: "").replacingOccurrences(of: "'", with: "''") + "'"
    }

    /// A finite number as a literal; NULL otherwise.
    static func number(_ d: Double?) -> String {
        guard let d, d.isFinite else { return "NULL" }
        return "\(d)"
    }

    static func array(_ names: [String]) -> String {
        "ARRAY[" + names.map(literal).joined(separator: ",") + "]::text[]"
    }
}
