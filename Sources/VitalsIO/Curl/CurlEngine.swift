import CCurl
import Foundation
import Synchronization

/// Runs every HTTP transfer of the process on one libcurl multi handle, driven by one thread.
///
/// Thousands of probes at once cost a socket each, not a thread each: the engine thread sleeps
/// in `curl_multi_poll` over all transfers' sockets and libcurl's own timers. Callers never touch
/// libcurl; they queue a command (add, cancel, send, receive, close) under a lock and wake the
/// thread with `curl_multi_wakeup`, the one multi function libcurl allows from other threads.
/// Every easy handle is created, driven and cleaned up on the engine thread.
///
/// Each transfer carries libcurl's own `TIMEOUT_MS`/`CONNECTTIMEOUT_MS`, so a hung server ends
/// the transfer at its deadline without help; a cancelled Swift task aborts its transfer.
public final class CurlEngine: Sendable {
    /// The process-wide engine. Its thread lives as long as the process.
    public static let shared = CurlEngine()

    package struct Completion: Sendable {
        package var response: CurlResponse
        /// For a connect-only transfer that succeeded: its socket; the handle stays open.
        package var socket: Int32?
    }

    /// The result of a `curl_easy_send`/`curl_easy_recv` on a connect-only handle.
    package struct IOResult: Sendable {
        package var code: CURLcode
        package var count: Int
        package var bytes: [UInt8]
    }

    private enum Command: Sendable {
        case add(UInt64, CurlRequest, CheckedContinuation<Completion, Never>)
        case cancel(UInt64)
        case send(UInt64, [UInt8], CheckedContinuation<IOResult, Never>)
        case receive(UInt64, Int, CheckedContinuation<IOResult, Never>)
        case close(UInt64)
    }

    private struct State {
        var nextID: UInt64 = 0
        var commands: [Command] = []
    }

    /// The multi handle. The engine thread owns it and is the only caller of every `curl_multi_*`
    /// function on it except `curl_multi_wakeup`, which libcurl documents as thread-safe; that is
    /// the only reason this box crosses threads.
    private struct MultiHandle: @unchecked Sendable {
        let raw: UnsafeMutableRawPointer
    }

    private let multi: MultiHandle
    private let state = Mutex(State())

    private static let globalInit: Bool = curl_global_init(Int(CURL_GLOBAL_DEFAULT)) == CURLE_OK

    /// Starts an engine and its thread. Prefer `shared`: an engine is never torn down.
    public init() {
        _ = Self.globalInit
        multi = MultiHandle(raw: curl_multi_init())
        let thread = Thread { [self] in run() }
        thread.name = "vitals-curl"
        thread.start()
    }

    /// Performs one request and returns what happened. Never throws: a transport failure is in
    /// `response.failure`. Cancelling the calling task aborts the transfer.
    public func perform(_ request: CurlRequest) async -> CurlResponse {
        await submit(request).response
    }

    /// Connects (TCP and, for `https://`, the TLS handshake) and keeps the connection for
    /// `CurlConnection.send`/`receive`. The connection is nil when the connect failed.
    package func connect(_ request: CurlRequest) async -> (CurlResponse, CurlConnection?) {
        var request = request
        request.connectOnly = true
        let (id, completion) = await submit(request, returningID: true)
        guard let socket = completion.socket else { return (completion.response, nil) }
        return (completion.response, CurlConnection(engine: self, id: id, socket: socket))
    }

    private func submit(_ request: CurlRequest) async -> Completion {
        await submit(request, returningID: false).1
    }

    private func submit(_ request: CurlRequest, returningID: Bool) async -> (UInt64, Completion) {
        let id = state.withLock { s -> UInt64 in
            s.nextID += 1
            return s.nextID
        }
        let completion = await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Completion, Never>) in
                // Checked under the lock the cancel handler also takes: either the add is queued
                // before the cancel (the engine aborts it) or the task is seen cancelled here.
                let cancelled = state.withLock { s -> Bool in
                    if Task.isCancelled { return true }
                    s.commands.append(.add(id, request, continuation))
                    return false
                }
                if cancelled {
                    var response = CurlResponse()
                    response.cancelled = true
                    response.curlCode = Int32(CURLE_ABORTED_BY_CALLBACK.rawValue)
                    response.errorMessage = "cancelled"
                    continuation.resume(returning: Completion(response: response, socket: nil))
                } else {
                    wake()
                }
            }
        } onCancel: {
            enqueue(.cancel(id))
        }
        return (id, completion)
    }

    package func send(_ id: UInt64, _ bytes: [UInt8]) async -> IOResult {
        await withCheckedContinuation { enqueue(.send(id, bytes, $0)) }
    }

    package func receive(_ id: UInt64, max: Int) async -> IOResult {
        await withCheckedContinuation { enqueue(.receive(id, max, $0)) }
    }

    package func close(_ id: UInt64) {
        enqueue(.close(id))
    }

    private func enqueue(_ command: Command) {
        state.withLock { $0.commands.append(command) }
        wake()
    }

    private func wake() {
        _ = curl_multi_wakeup(multi.raw)
    }

    // MARK: - Engine thread

    private func run() {
        let m = multi.raw
        // Live transfers by id and by easy handle; sessions are connect-only handles handed out.
        var transfers: [UInt64: CurlTransfer] = [:]
        var byHandle: [UnsafeMutableRawPointer: UInt64] = [:]
        var sessions: [UInt64: CurlTransfer] = [:]

        func finish(_ t: CurlTransfer, _ completion: Completion) {
            t.continuation?.resume(returning: completion)
            t.continuation = nil
        }
        func remove(_ t: CurlTransfer) {
            curl_multi_remove_handle(m, t.handle)
            transfers[t.id] = nil
            byHandle[t.handle] = nil
        }

        while true {
            let commands = state.withLock { s -> [Command] in
                let c = s.commands
                s.commands.removeAll(keepingCapacity: true)
                return c
            }
            for command in commands {
                switch command {
                case .add(let id, let request, let continuation):
                    let left = ContinuousClock.now.duration(to: request.effectiveDeadline)
                    guard left > .zero else {
                        continuation.resume(returning: Completion(response: Self.failed(CURLE_OPERATION_TIMEDOUT, "deadline already passed"), socket: nil))
                        continue
                    }
                    guard let t = CurlTransfer(id: id, request: request, continuation: continuation) else {
                        continuation.resume(returning: Completion(response: Self.failed(CURLE_OUT_OF_MEMORY, "could not create a curl handle"), socket: nil))
                        continue
                    }
                    // 0 means "no timeout" to libcurl: never pass it.
                    let ms = max(1, Int((left.seconds * 1000).rounded(.up)))
                    let code = t.configure(timeoutMS: ms)
                    guard code == CURLE_OK else {
                        finish(t, Completion(response: t.response(code: code), socket: nil))
                        continue
                    }
                    transfers[id] = t
                    byHandle[t.handle] = id
                    curl_multi_add_handle(m, t.handle)
                case .cancel(let id):
                    if let t = transfers[id] {
                        remove(t)
                        var response = t.response(code: CURLE_ABORTED_BY_CALLBACK)
                        response.cancelled = true
                        response.errorMessage = "cancelled"
                        finish(t, Completion(response: response, socket: nil))
                    }
                case .send(let id, let bytes, let continuation):
                    guard let t = sessions[id] else {
                        continuation.resume(returning: IOResult(code: CURLE_SEND_ERROR, count: 0, bytes: []))
                        continue
                    }
                    var sent = 0
                    let code = bytes.withUnsafeBytes { curl_easy_send(t.handle, $0.baseAddress, $0.count, &sent) }
                    continuation.resume(returning: IOResult(code: code, count: sent, bytes: []))
                case .receive(let id, let max, let continuation):
                    guard let t = sessions[id] else {
                        continuation.resume(returning: IOResult(code: CURLE_RECV_ERROR, count: 0, bytes: []))
                        continue
                    }
                    var buffer = [UInt8](repeating: 0, count: max)
                    var got = 0
                    let code = buffer.withUnsafeMutableBytes { curl_easy_recv(t.handle, $0.baseAddress, $0.count, &got) }
                    continuation.resume(returning: IOResult(code: code, count: got, bytes: Array(buffer.prefix(got))))
                case .close(let id):
                    if let t = sessions.removeValue(forKey: id) {
                        curl_multi_remove_handle(m, t.handle)
                    }
                }
            }

            var running: Int32 = 0
            curl_multi_perform(m, &running)
            var queued: Int32 = 0
            while let message = curl_multi_info_read(m, &queued) {
                guard message.pointee.msg == CURLMSG_DONE, let easy = message.pointee.easy_handle,
                    let id = byHandle[easy], let t = transfers[id]
                else { continue }
                let code = message.pointee.data.result
                let response = t.response(code: code)
                if t.request.connectOnly && code == CURLE_OK {
                    // Stays in the multi handle (removing it would close the connection) until
                    // the owner closes it; libcurl does not drive a completed handle.
                    var socket = curl_socket_t(-1)
                    _ = vitals_curl_getinfo_socket(t.handle, CURLINFO_ACTIVESOCKET, &socket)
                    transfers[id] = nil
                    byHandle[t.handle] = nil
                    sessions[id] = t
                    finish(t, Completion(response: response, socket: socket))
                } else {
                    remove(t)
                    finish(t, Completion(response: response, socket: nil))
                }
            }
            curl_multi_poll(m, nil, 0, 1000, nil)
        }
    }

    private static func failed(_ code: CURLcode, _ message: String) -> CurlResponse {
        var response = CurlResponse()
        response.curlCode = Int32(code.rawValue)
        response.errorMessage = message
        return response
    }
}

/// An open connection from `CurlEngine.connect` (connect-only, possibly TLS). Reads and writes
/// run on the engine thread (the handle's owner) and never block: they return `CURLE_AGAIN` and
/// the caller waits for the socket with `SocketPoller`.
package final class CurlConnection: Sendable {
    package let engine: CurlEngine
    package let id: UInt64
    package let socket: Int32
    private let closed = Atomic<Bool>(false)

    package init(engine: CurlEngine, id: UInt64, socket: Int32) {
        self.engine = engine
        self.id = id
        self.socket = socket
    }

    deinit { close() }

    package func close() {
        if !closed.exchange(true, ordering: .relaxed) { engine.close(id) }
    }

    package enum IOError: Error, Equatable {
        case timeout
        case cancelled
        case closed
        case failed(String)
    }

    /// Sends all of `bytes` by `deadline`.
    package func send(_ bytes: [UInt8], deadline: ContinuousClock.Instant) async throws(IOError) {
        var offset = 0
        while offset < bytes.count {
            let result = await engine.send(id, Array(bytes[offset...]))
            if result.code == CURLE_OK {
                offset += result.count
            } else if result.code == CURLE_AGAIN {
                try await wait(.writable, deadline: deadline)
            } else {
                throw .failed(String(cString: curl_easy_strerror(result.code)).lowercased())
            }
        }
    }

    /// Returns the next bytes received (empty at end of stream).
    package func receive(max: Int, deadline: ContinuousClock.Instant) async throws(IOError) -> [UInt8] {
        while true {
            // Try first: TLS may hold decrypted bytes while the socket itself has nothing new.
            let result = await engine.receive(id, max: max)
            if result.code == CURLE_OK { return result.bytes }
            if result.code != CURLE_AGAIN {
                throw .failed(String(cString: curl_easy_strerror(result.code)).lowercased())
            }
            try await wait(.readable, deadline: deadline)
        }
    }

    private func wait(_ interest: SocketPoller.Interest, deadline: ContinuousClock.Instant) async throws(IOError) {
        switch await SocketPoller.shared.wait(fd: socket, for: interest, deadline: deadline) {
        case .ready: return
        case .timedOut: throw .timeout
        case .cancelled: throw .cancelled
        case .failed(let err): throw .failed(String(cString: strerror(err)))
        }
    }
}
