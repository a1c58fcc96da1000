import CLibPQ
import Foundation

/// A libpq session under a deadline, for the PostgreSQL probe and the PostgreSQL storage
/// backend: `open` starts the connection on the blocking executor (it may resolve a name),
/// `connect` drives `PQconnectPoll` on the socket poller, `execute` sends a query without
/// blocking and reads its rows one at a time under a byte cap, `finish` closes it.
///
/// A query that outlives the deadline is cut by the server (`statement_timeout`, set per
/// query) and the connection is closed; there is no separate `PQcancel`, which would open a
/// second, blocking connection.
///
/// One user of the connection at a time: its steps happen one after another, never overlapping.
package struct PostgresSession {
    package enum Failure: Error {
        case timedOut
        case cancelled
        /// libpq's error text, raw: cleaned and scrubbed when reported.
        case libpq(String)
        case other(String)
        /// The lane's earlier connect has not returned (`BlockingLane`).
        case busy(BlockingLane.Busy)
    }

    package let connection: PGConnection
    /// Every step gives up at it; a long-lived session (storage) moves it on before each query.
    package var deadline: ContinuousClock.Instant
    package let multiHost: Bool
    /// The most a query's rows may carry in all (values plus a byte per field); past it a
    /// query fails with `result too large` rather than hold the result.
    package let maxResultBytes: Int
    /// Rows kept of the first result that has any.
    package let keptRows: Int
    /// False once the connection was handed to the executor thread that frees it.
    package var owned = true
    /// Where the session's blocking steps run: the owner's (a probe's, a storage link's).
    package let lane: BlockingLane

    /// Starts a connection (`PQconnectStartParams` with `expand_dbname`, on the executor since
    /// it may resolve a name), given up at the deadline. A start left running holds `lane`
    /// until it returns. `notices` receives the server's notices and warnings; without it they
    /// are dropped (never printed to stderr, libpq's default).
    package static func open(
        keywords: [String], values: [String], deadline: ContinuousClock.Instant, multiHost: Bool, maxResultBytes: Int, keptRows: Int,
        lane: BlockingLane, notices: PostgresNotices? = nil
    ) async -> Result<PostgresSession, Failure> {
        let started: PGConnection?
        switch await lane.run(
            abandoningAt: deadline, onAbandon: { $0?.finish() },
            { PGConnection.start(keywords: keywords, values: values, notices: notices ?? .dropped) })
        {
        case .value(let value): started = value
        case .gaveUp: return .failure(Task.isCancelled ? .cancelled : .timedOut)
        case .busy(let busy): return .failure(.busy(busy))
        }
        guard let connection = started else { return .failure(.other("out of memory starting a libpq connection")) }
        return .success(
            PostgresSession(
                connection: connection, deadline: deadline, multiHost: multiHost, maxResultBytes: maxResultBytes, keptRows: keptRows,
                lane: lane))
    }

    /// `PQserverVersion`: `150018` for 15.18; 0 before the connection is made.
    package var serverVersion: Int32 { PQserverVersion(connection.conn) }

    package mutating func finish() {
        if owned { connection.finish() }
        owned = false
    }

    /// `PQconnectPoll` until `PGRES_POLLING_OK`, waiting on the socket in between.
    package mutating func connect() async -> Failure? {
        let conn = connection.conn
        if PQstatus(conn) == CONNECTION_BAD { return .libpq(String(cString: PQerrorMessage(conn))) }
        var status = PGRES_POLLING_WRITING
        while true {
            switch status {
            case PGRES_POLLING_OK:
                // From here libpq never waits inside a call: PQfinish's Terminate message
                // and every send are written as far as the socket takes them.
                if PQsetnonblocking(conn, 1) != 0 { return .libpq(String(cString: PQerrorMessage(conn))) }
                return nil
            case PGRES_POLLING_READING, PGRES_POLLING_WRITING:
                // The socket can change between steps (a new address, a retry without SSL).
                if let failure = await wait(for: status == PGRES_POLLING_READING ? .readable : .writable) { return failure }
                if multiHost {
                    let connection = self.connection
                    switch await lane.run(
                        abandoningAt: deadline, onAbandon: { _ in connection.finish() }, { PQconnectPoll(connection.conn).rawValue })
                    {
                    case .value(let next): status = PostgresPollingStatusType(rawValue: next)
                    case .gaveUp:
                        owned = false
                        return Task.isCancelled ? .cancelled : .timedOut
                    case .busy(let busy): return .busy(busy)
                    }
                } else {
                    status = PQconnectPoll(conn)
                }
            default:  // PGRES_POLLING_FAILED
                return .libpq(String(cString: PQerrorMessage(conn)))
            }
        }
    }

    /// Sends `sql` under a server-side statement timeout and drains every result. Rows of the
    /// first result that has any, as text (at most `keptRows`).
    ///
    /// Rows come one at a time (libpq's single-row mode) and their bytes are counted, so a
    /// query or a server that returns millions of rows fails with `result too large` once
    /// `maxResultBytes` have arrived, instead of libpq holding the whole result. One row is
    /// still held whole: libpq 15 has no way to take a row in pieces.
    package func execute(_ sql: String) async -> Result<[[String?]], Failure> {
        let conn = connection.conn
        let left = ContinuousClock.now.duration(to: deadline)
        guard left > .zero else { return .failure(.timedOut) }
        let serverTimeout = Int((left.seconds * 1000).rounded(.up)) + 100
        guard PQsendQuery(conn, "SET LOCAL statement_timeout = \(serverTimeout); \(sql)") == 1 else {
            return .failure(.libpq(String(cString: PQerrorMessage(conn))))
        }
        _ = PQsetSingleRowMode(conn)  // refused only when a result is pending, never here
        // Flush what libpq could not write at once (large queries, a full socket buffer).
        while true {
            let flushed = PQflush(conn)
            if flushed == 0 { break }
            if flushed < 0 { return .failure(.libpq(String(cString: PQerrorMessage(conn)))) }
            if let failure = await wait(for: .writable) { return .failure(failure) }
        }
        var rows: [[String?]] = []
        var firstRowsEnded = false
        var received = 0
        var error: Failure?
        while true {
            while PQisBusy(conn) == 1 {
                if let failure = await wait(for: .readable) { return .failure(failure) }
                if PQconsumeInput(conn) == 0 { return .failure(.libpq(String(cString: PQerrorMessage(conn)))) }
            }
            guard let res = PQgetResult(conn) else { break }
            defer { PQclear(res) }
            switch PQresultStatus(res) {
            case let status where status == PGRES_SINGLE_TUPLE || status == PGRES_TUPLES_OK:
                received += Self.byteCount(res)
                if received > maxResultBytes {
                    return .failure(.other("result too large (over \(maxResultBytes / 1024) KiB)"))
                }
                if !firstRowsEnded { rows += Self.rows(res, limit: keptRows - rows.count) }
                // TUPLES_OK ends a result set (in single-row mode with no rows of its own).
                if status == PGRES_TUPLES_OK, !rows.isEmpty { firstRowsEnded = true }
            case PGRES_COMMAND_OK, PGRES_EMPTY_QUERY, PGRES_NONFATAL_ERROR:
                break
            case PGRES_COPY_IN, PGRES_COPY_OUT, PGRES_COPY_BOTH:
                // The connection is mid-COPY and is about to be closed: stop here.
                return .failure(.other("the query started a COPY, which a probe cannot complete"))
            default:
                // 57014 past the deadline: cancelled by the statement timeout set above
                // (before it, someone cancelled the query: that is worth saying as it is).
                if let state = PQresultErrorField(res, Int32(UInt8(ascii: "C"))), String(cString: state) == "57014",
                    ContinuousClock.now >= deadline
                {
                    error = error ?? .timedOut
                }
                if error == nil {
                    if let primary = PQresultErrorField(res, Int32(UInt8(ascii: "M"))) {
                        error = .other("query failed: \(MessageText.oneLine(String(cString: primary)))")
                    } else {
                        error = .libpq(String(cString: PQresultErrorMessage(res)))
                    }
                }
            }
        }
        if let error { return .failure(error) }
        return .success(rows)
    }

    private func wait(for interest: SocketPoller.Interest) async -> Failure? {
        let fd = PQsocket(connection.conn)
        guard fd >= 0 else { return .libpq(String(cString: PQerrorMessage(connection.conn))) }
        if ContinuousClock.now >= deadline { return .timedOut }
        switch await SocketPoller.shared.wait(fd: fd, for: interest, deadline: deadline) {
        case .ready: return nil
        case .timedOut: return .timedOut
        case .cancelled: return .cancelled
        case .failed(let err): return .other("poll failed: \(String(cString: strerror(err)))")
        }
    }

    /// The bytes of every value in `res`, as they came off the wire.
    private static func byteCount(_ res: OpaquePointer) -> Int {
        let (n, m) = (PQntuples(res), PQnfields(res))
        var total = 0
        for r in 0..<n { for c in 0..<m { total += Int(PQgetlength(res, r, c)) } }
        return total + Int(n) * Int(m)
    }

    private static func rows(_ res: OpaquePointer, limit: Int) -> [[String?]] {
        let (n, m) = (min(PQntuples(res), Int32(limit)), PQnfields(res))
        return (0..<n).map { r in
            (0..<m).map { c in PQgetisnull(res, r, c) == 1 ? nil : String(cString: PQgetvalue(res, r, c)) }
        }
    }
}

/// A libpq connection. `@unchecked Sendable` because a `PGconn` is not thread-safe: it is owned
/// by exactly one party at a time, either the probe run that awaits its steps one after another
/// (libpq allows a connection to move between threads as long as calls never overlap), or, when
/// that run stopped waiting for a step on the executor, the executor thread that finishes it.
package final class PGConnection: @unchecked Sendable {
    package let conn: OpaquePointer
    /// Held as long as the connection: libpq calls its processor with it until `PQfinish`.
    private let notices: PostgresNotices

    private init(_ conn: OpaquePointer, notices: PostgresNotices) {
        self.conn = conn
        self.notices = notices
        vitals_pq_set_notice_processor(conn, PostgresNotices.processor, Unmanaged.passUnretained(notices).toOpaque())
    }

    /// `PQconnectStartParams` with `expand_dbname`: the DSN in `dbname` is expanded in place.
    /// Blocking (name resolution): call it on the executor. Its notices go to `notices`.
    package static func start(keywords: [String], values: [String], notices: PostgresNotices = .dropped) -> PGConnection? {
        var k: [UnsafeMutablePointer<CChar>?] = keywords.map { strdup($0) } + [nil]
        var v: [UnsafeMutablePointer<CChar>?] = values.map { strdup($0) } + [nil]
        defer {
            for p in k { free(p) }
            for p in v {
                if let p { memset(p, 0, strlen(p)) }  // the password: do not leave it in freed memory
                free(p)
            }
        }
        let conn = k.withUnsafeMutableBufferPointer { kp in
            v.withUnsafeMutableBufferPointer { vp in
                kp.baseAddress!.withMemoryRebound(to: UnsafePointer<CChar>?.self, capacity: kp.count) { keys in
                    vp.baseAddress!.withMemoryRebound(to: UnsafePointer<CChar>?.self, capacity: vp.count) { vals in
                        PQconnectStartParams(keys, vals, 1)
                    }
                }
            }
        }
        return conn.map { PGConnection($0, notices: notices) }
    }

    /// `PQfinish`: closes the socket (after a Terminate message once connected); non-blocking.
    package func finish() { PQfinish(conn) }
}

/// Where a libpq connection's notices and warnings go (`PQsetNoticeProcessor`) instead of
/// stderr, where libpq writes them by default (`WARNING:  terminating connection due to
/// immediate shutdown command` in the middle of JSON log lines). Storage logs them; the
/// PostgreSQL probe drops them (`dropped`).
package final class PostgresNotices: Sendable {
    private let handle: @Sendable (String) -> Void

    /// `handle` gets each notice as one line (libpq's text, its trailing newline removed); it
    /// is called on whatever thread is driving the connection, so it must not block.
    package init(_ handle: @escaping @Sendable (String) -> Void) { self.handle = handle }

    package static let dropped = PostgresNotices { _ in }

    /// The C processor: `context` is the `PostgresNotices` its connection holds (unretained:
    /// the `PGConnection` keeps it alive until after `PQfinish`).
    static let processor: vitals_pq_notice_fn = { context, message in
        guard let context else { return }
        let notices = Unmanaged<PostgresNotices>.fromOpaque(context).takeUnretainedValue()
        notices.handle(MessageText.oneLine(String(cString: message)))
    }
}

/// Text from C libraries made fit for a one-line message (secrets are the `Redactor`'s job).
package enum MessageText {
    /// Collapses line breaks and runs of spaces; trims a final period; at most 300 characters.
    package static func oneLine(_ text: String) -> String {
        var out = text.split(whereSeparator: { $0.isNewline || $0 == "\t" }).map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty }.joined(separator: " ")
        while out.contains("  ") { out = out.replacingOccurrences(of: "  ", with: " ") }
        if out.count > 300 { out = String(out.prefix(297)) + "..." }
        return out
    }

    /// `Connection refused` → `connection refused`, but `SSL error` stays as it is.
    package static func lowerFirstWord(_ text: String) -> String {
        guard let first = text.first, first.isUppercase else { return text }
        let second = text.dropFirst().first
        guard second == nil || second!.isLowercase else { return text }
        return first.lowercased() + text.dropFirst()
    }
}
