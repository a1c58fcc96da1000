#if canImport(Glibc)
import Glibc
#endif
import CMariaDB
import Foundation
import VitalsIO

/// A libmariadb connection driven through its non-blocking API, for the mysql probe: every
/// `_start`/`_cont` pair returns at once with the socket event it waits for, and the run parks
/// on the `SocketPoller` for it under the deadline. No call here waits inside libmariadb, but
/// the connect's steps may: `mysql_real_connect_start` resolves a host name with a blocking
/// `getaddrinfo`, and a TLS setup takes a process-wide lock and loads CA files; so for a name
/// (not an IP address), and with TLS, the connect's steps run on the probe's `BlockingLane`.
///
/// Rows are read one at a time (`mysql_use_result` + `mysql_fetch_row_start`), never stored
/// whole, and counted against `maxResultBytes`; libmariadb itself refuses any one packet (a
/// row) over `MYSQL_OPT_MAX_ALLOWED_PACKET`, set just above that cap, so no result grows the
/// process past about twice the cap. (Column definitions are read by libmariadb whole, before
/// the first row: a real server sends at most 4096.)
struct MySQLSession {
    enum Failure: Error {
        case timedOut
        case cancelled
        /// libmariadb's or the server's error: its number and text, raw (scrubbed when reported).
        case mysql(code: UInt32, text: String)
        case other(String)
        case tooLarge(limit: Int)
        /// The lane's earlier connect has not returned (`BlockingLane`).
        case busy(BlockingLane.Busy)
    }

    /// One result set of a statement: its column names and its first rows, as text.
    struct ResultSet: Sendable {
        var columns: [String]
        var rows: [[String?]]

        /// The first row's value of the first column among `names` that exists.
        func value(_ names: String...) -> String? {
            guard let row = rows.first else { return nil }
            for name in names { if let i = columns.firstIndex(of: name), i < row.count { return row[i] } }
            return nil
        }
    }

    let connection: MySQLConnection
    let deadline: ContinuousClock.Instant
    let maxResultBytes: Int
    let keptRows: Int

    /// Where and how to connect; strings are copied for libmariadb and kept until `close`.
    struct Target: Sendable {
        var host: String
        var port: Int
        var user: String
        var password: String?
        var database: String?
        var sslMode: MySQLTLS.Mode
        var caFile: String?
        var certFile: String?
        var keyFile: String?
    }

    /// Sets the connection up and drives the connect to its end (handshake, TLS, auth).
    static func connect(
        _ target: Target, deadline: ContinuousClock.Instant, maxResultBytes: Int, keptRows: Int, lane: BlockingLane
    ) async -> Result<MySQLSession, Failure> {
        guard let connection = MySQLConnection(target, maxPacket: maxResultBytes + 64 * 1024) else {
            return .failure(.other("out of memory starting a libmariadb connection"))
        }
        let session = MySQLSession(connection: connection, deadline: deadline, maxResultBytes: maxResultBytes, keptRows: keptRows)
        // A host name is resolved inside the start (getaddrinfo, no timeout of its own). And
        // with TLS, one step sets up an SSL_CTX: libmariadb 3.3 builds a new one per connection
        // under a process-wide lock, loading the system CA bundle when no ca_file is given
        // (milliseconds of CPU each, and the lock is waited for). Such steps run on the
        // executor, given up at the deadline; a step left running frees the connection on its
        // own thread when it returns. Without either, every step returns at once, here.
        let offPool = target.sslMode != .disabled || IPAddressText.parse(target.host) == nil
        func step(_ body: @escaping @Sendable () -> Int32) async -> Result<Int32, Failure> {
            guard offPool else { return .success(body()) }
            switch await lane.run(abandoningAt: deadline, onAbandon: { _ in connection.abort() }, body) {
            case .value(let s): return .success(s)
            case .gaveUp: return .failure(Task.isCancelled ? .cancelled : .timedOut)
            case .busy(let busy):
                connection.abort()
                return .failure(.busy(busy))
            }
        }
        var next = await step { connection.connectStart() }
        while case .success(let status) = next, status != 0 {
            switch await session.wait(status) {
            case .success(let ready): next = await step { connection.connectCont(ready) }
            case .failure(let f):
                connection.abort()
                return .failure(f)
            }
        }
        if case .failure(let f) = next { return .failure(f) }
        if !connection.connected {
            let failure = session.lastError
            connection.abort()
            return .failure(failure)
        }
        return .success(session)
    }

    /// The server's version as it says it (`10.11.19-MariaDB-0+deb12u1`), and as a number (101119).
    var serverInfo: String { mysql_get_server_info(connection.mysql).map { String(cString: $0) } ?? "" }
    var serverVersion: UInt { UInt(mysql_get_server_version(connection.mysql)) }
    /// The TLS cipher, nil over plain text.
    var cipher: String? { mysql_get_ssl_cipher(connection.mysql).map { String(cString: $0) } }

    var lastError: Failure {
        let m = connection.mysql
        let text = mysql_error(m).map { String(cString: $0) } ?? ""
        return .mysql(code: mysql_errno(m), text: text.isEmpty ? "connection failed" : text)
    }

    /// Sends `sql` (one or more statements) and reads every result, row by row. The result sets
    /// that came before a failing statement are returned beside its failure.
    func execute(_ sql: String) async -> (sets: [ResultSet], failure: Failure?) {
        let m = connection.mysql
        var err: Int32 = 0
        let text = connection.keep(sql)
        if let f = await drive({ mysql_real_query_start(&err, m, text, UInt(strlen(text))) }, { mysql_real_query_cont(&err, m, $0) }) {
            return ([], f)
        }
        if err != 0 { return ([], queryFailure()) }
        var sets: [ResultSet] = []
        var received = 0
        while true {
            if let res = mysql_use_result(m) {
                connection.result = res
                let n = Int(mysql_num_fields(res))
                let fields = mysql_fetch_fields(res)
                var set = ResultSet(columns: (0..<n).map { i in fields.map { String(cString: $0[i].name) } ?? "" }, rows: [])
                while true {
                    var row: MYSQL_ROW? = nil
                    if let f = await drive({ mysql_fetch_row_start(&row, res) }, { mysql_fetch_row_cont(&row, res, $0) }) {
                        return (sets, f)
                    }
                    guard let row else {
                        if mysql_errno(m) != 0 { return (sets, queryFailure()) }
                        break
                    }
                    guard let lengths = mysql_fetch_lengths(res) else { break }
                    received += n + (0..<n).reduce(0) { $0 + Int(lengths[$1]) }
                    if received > maxResultBytes { return (sets, .tooLarge(limit: maxResultBytes)) }
                    if set.rows.count < keptRows {
                        set.rows.append(
                            (0..<n).map { i in row[i].map { String(decoding: UnsafeRawBufferPointer(start: $0, count: Int(lengths[i])), as: UTF8.self) } })
                    }
                }
                mysql_free_result(res)  // every row was read: nothing left to drain, no I/O
                connection.result = nil
                sets.append(set)
            } else if mysql_field_count(m) > 0 {
                return (sets, queryFailure())
            }
            if mysql_more_results(m) == 0 { break }
            var next: Int32 = 0
            if let f = await drive({ mysql_next_result_start(&next, m) }, { mysql_next_result_cont(&next, m, $0) }) { return (sets, f) }
            if next > 0 { return (sets, queryFailure()) }
            if next < 0 { break }
        }
        return (sets, nil)
    }

    /// A failed statement, or a read cut off, said as what it was.
    ///
    /// A packet over the client's cap is a result too large: libmariadb 3.3 reports it as
    /// `CR_SERVER_LOST` (it compares its own `CR_NET_PACKET_TOO_LARGE` with the server's code),
    /// with `net.error` 1, where a connection really lost has 2. The server's own time limit
    /// (MariaDB 1969, MySQL 3024) arriving after the deadline is the probe's timeout: the server
    /// kills the statement 100 ms after the probe gives up, and a busy poller may see both at once.
    private func queryFailure() -> Failure {
        let m = connection.mysql
        switch mysql_errno(m) {
        case 2020: return .tooLarge(limit: maxResultBytes)  // CR_NET_PACKET_TOO_LARGE
        case 2013 where m.pointee.net.error == 1: return .tooLarge(limit: maxResultBytes)  // CR_SERVER_LOST
        case 1969 where ContinuousClock.now >= deadline, 3024 where ContinuousClock.now >= deadline: return .timedOut
        default: return lastError
        }
    }

    /// Runs a `_start`/`_cont` pair to its end, waiting on the socket for what each step asks.
    private func drive(_ start: () -> Int32, _ cont: (Int32) -> Int32) async -> Failure? {
        var status = start()
        while status != 0 {
            switch await wait(status) {
            case .success(let ready): status = cont(ready)
            case .failure(let f): return f
            }
        }
        return nil
    }

    /// Waits for what a step asked (`MYSQL_WAIT_*` bits) no later than the deadline; answers the
    /// bits that happened, for its `_cont`.
    private func wait(_ status: Int32) async -> Result<Int32, Failure> {
        let now = ContinuousClock.now
        if now >= deadline { return .failure(.timedOut) }
        var until = deadline
        let wantsTimeout = status & vitals_mysql_wait_timeout != 0
        if wantsTimeout { until = min(deadline, now + .milliseconds(Int(mysql_get_timeout_value_ms(connection.mysql)))) }
        let io = status & (vitals_mysql_wait_read | vitals_mysql_wait_write)
        if io == 0 {
            guard wantsTimeout else { return .failure(.other("libmariadb asked to wait for nothing")) }
            try? await Task.sleep(until: until, clock: .continuous)
            if Task.isCancelled { return .failure(.cancelled) }
            return ContinuousClock.now >= deadline ? .failure(.timedOut) : .success(vitals_mysql_wait_timeout)
        }
        let fd = mysql_get_socket(connection.mysql)
        guard fd >= 0 else { return .failure(lastError) }
        let writable = io & vitals_mysql_wait_write != 0
        switch await SocketPoller.shared.wait(fd: fd, for: writable ? .writable : .readable, deadline: until) {
        case .ready: return .success(writable ? vitals_mysql_wait_write : vitals_mysql_wait_read)
        case .timedOut:
            return ContinuousClock.now >= deadline || !wantsTimeout ? .failure(.timedOut) : .success(vitals_mysql_wait_timeout)
        case .cancelled: return .failure(.cancelled)
        case .failed(let err): return .failure(.other("poll failed: \(String(cString: strerror(err)))"))
        }
    }

    /// Ends the connection: a polite `COM_QUIT` when it goes out at once, else the socket is shut.
    func close() { connection.close() }
}

/// How `ssl_mode` is set on a connection (libmariadb 3.3: `MYSQL_OPT_SSL_ENFORCE` asks for
/// TLS when the server offers it; only certificate verification makes it a must).
enum MySQLTLS {
    enum Mode: Sendable { case disabled, preferred, required, verifyIdentity }
}

/// A `MYSQL` handle and the C strings handed to it. `@unchecked Sendable` because a `MYSQL` is
/// not thread-safe: it is owned by one party at a time, the probe run that awaits its steps one
/// after another (a non-blocking step may resume on another thread; libmariadb's coroutine
/// keeps its own stack), or, when that run stopped waiting for the connect start on the
/// executor, the executor thread that frees it.
final class MySQLConnection: @unchecked Sendable {
    let mysql: UnsafeMutablePointer<MYSQL>
    /// A result being read row by row; freed before the connection is.
    var result: UnsafeMutablePointer<MYSQL_RES>?
    /// Strings libmariadb reads while a step is suspended (host, user, password, the query):
    /// kept until the connection is gone, the password's bytes zeroed then.
    private var strings: [UnsafeMutablePointer<CChar>] = []
    private let target: MySQLSession.Target
    private var closed = false
    private(set) var connected = false

    /// libmariadb's process-wide packet cap, which bounds what it reads before a connection's
    /// own cap applies (the server's greeting: a peer that answers `HTTP/1.1 400` announces a
    /// 5 MB packet with it, and would be waited for until the deadline). Set once, before the
    /// first connection; libmariadb is this probe's alone in the process.
    private static let processPacketCap: Void = {
        var size = MySQLProbe.maxResultBytes + 64 * 1024
        _ = mysql_options(nil, MYSQL_OPT_MAX_ALLOWED_PACKET, &size)
    }()

    init?(_ target: MySQLSession.Target, maxPacket: Int) {
        Self.processPacketCap
        guard let m = mysql_init(nil) else { return nil }
        mysql = m
        self.target = target
        _ = mysql_options(m, MYSQL_OPT_NONBLOCK, nil)
        _ = vitals_mysql_option_uint(m, MYSQL_OPT_PROTOCOL, UInt32(MYSQL_PROTOCOL_TCP.rawValue))
        // A hostile server could otherwise ask for any local file (LOAD DATA LOCAL INFILE).
        _ = vitals_mysql_option_uint(m, MYSQL_OPT_LOCAL_INFILE, 0)
        _ = vitals_mysql_option_ulong(m, MYSQL_OPT_MAX_ALLOWED_PACKET, UInt(maxPacket))
        if target.sslMode != .disabled {
            _ = vitals_mysql_option_bool(m, MYSQL_OPT_SSL_ENFORCE, 1)
            _ = vitals_mysql_option_bool(m, MYSQL_OPT_SSL_VERIFY_SERVER_CERT, target.sslMode == .verifyIdentity ? 1 : 0)
            if let ca = target.caFile { _ = mysql_options(m, MYSQL_OPT_SSL_CA, ca) }
            if let cert = target.certFile { _ = mysql_options(m, MYSQL_OPT_SSL_CERT, cert) }
            if let key = target.keyFile { _ = mysql_options(m, MYSQL_OPT_SSL_KEY, key) }
        }
    }

    deinit { abort() }

    /// A copy of `text` that lives as long as the connection.
    func keep(_ text: String) -> UnsafeMutablePointer<CChar> {
        let p = strdup(text)!
        strings.append(p)
        return p
    }

    private var connectResult: UnsafeMutablePointer<MYSQL>?

    func connectStart() -> Int32 {
        let host = keep(target.host)
        let user = keep(target.user)
        let password = target.password.map { keep($0) }
        let db = target.database.map { keep($0) }
        let flags = UInt(CLIENT_MULTI_STATEMENTS) | UInt(CLIENT_MULTI_RESULTS)
        let status = mysql_real_connect_start(&connectResult, mysql, host, user, password, db, UInt32(target.port), nil, flags)
        if status == 0 { connected = connectResult != nil }
        return status
    }

    func connectCont(_ ready: Int32) -> Int32 {
        let status = mysql_real_connect_cont(&connectResult, mysql, ready)
        if status == 0 { connected = connectResult != nil }
        return status
    }

    /// `COM_QUIT` if it can be written without waiting (it always can on a healthy connection:
    /// five bytes into an empty socket buffer), then freed; else `abort`.
    func close() {
        guard !closed else { return }
        if result == nil, connected, mysql_close_start(mysql) == 0 {
            closed = true  // mysql_close_start freed the handle
            release()
            return
        }
        abort()
    }

    /// Shuts the socket first (`mariadb_cancel`), so nothing that follows can wait on it:
    /// freeing an unfinished result drains nothing, `COM_QUIT` fails at once.
    func abort() {
        guard !closed else { return }
        closed = true
        _ = mariadb_cancel(mysql)
        if let result { mysql_free_result(result) }
        result = nil
        mysql_close(mysql)
        release()
    }

    private func release() {
        for p in strings {
            memset(p, 0, strlen(p))  // the password among them: not left in freed memory
            free(p)
        }
        strings = []
    }
}
