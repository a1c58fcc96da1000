import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// A `vitals` process started from the binary `swift test` built, with a config written to a
/// temporary folder, on a free loopback port.
final class VitalsProcess: @unchecked Sendable {
    // Owned by the test that started it; only that test touches it.
    let process = Process()
    let port: Int
    let folder: URL
    private let stderrPipe = Pipe()
    private let stdoutPipe = Pipe()

    static var binary: URL {
        if let explicit = ProcessInfo.processInfo.environment["VITALS_BINARY"] { return URL(fileURLWithPath: explicit) }
        // The test bundle lives in .build/<config>/; the executable sits beside it.
        var dir = Bundle.main.bundleURL
        for _ in 0..<4 {
            let candidate = dir.appendingPathComponent("vitals")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
            dir = dir.deletingLastPathComponent()
        }
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
        return root.appendingPathComponent(".build/debug/vitals")
    }

    /// `configBody` is YAML without the `server:` block; `%PORT%` is replaced by the listen port.
    init(configBody: String, arguments: [String] = ["run"], extraServer: String = "") throws {
        port = try FreePort.pick()
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("vitals-it-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let yaml = "server:\n  listen: \"127.0.0.1:\(port)\"\n\(extraServer)" + configBody.replacingOccurrences(of: "%PORT%", with: "\(port)")
        let file = folder.appendingPathComponent("vitals.yaml")
        try yaml.write(to: file, atomically: true, encoding: .utf8)
        process.executableURL = Self.binary
        process.arguments = arguments + ["--config", file.path]
        process.standardError = stderrPipe
        process.standardOutput = stdoutPipe
        try process.run()
    }

    /// Runs in `folder` (its working directory, removed by `stop`) with `arguments` as they
    /// are: for a config written out whole, such as the repository's default, listening on `port`.
    init(folder: URL, port: Int, arguments: [String]) throws {
        self.port = port
        self.folder = folder
        process.executableURL = Self.binary
        process.arguments = arguments
        process.currentDirectoryURL = folder
        process.standardError = stderrPipe
        process.standardOutput = stdoutPipe
        try process.run()
    }

    /// What the process has logged on stderr so far, without waiting: `availableData` would
    /// block on an empty pipe for as long as the process lives (a hang instead of a failure).
    var stderr: String {
        let fd = stderrPipe.fileHandleForReading.fileDescriptor
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
        var out: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let n = read(fd, &buffer, buffer.count)
            if n <= 0 { break }
            out += buffer[0..<n]
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Everything the process printed on stdout; call once it has exited (reads to EOF).
    var stdoutAfterExit: String { String(decoding: stdoutPipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self) }

    /// Everything the process logged on stderr; call once it has exited (reads to EOF).
    var stderrAfterExit: String { String(decoding: stderrPipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self) }

    func signal(_ sig: Int32) { kill(process.processIdentifier, sig) }

    /// Waits for the process to exit, at most `timeout`; returns its status or nil.
    func waitForExit(timeout: Duration) async -> Int32? {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if !process.isRunning { return process.terminationStatus }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return nil
    }

    func stop() {
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
        }
        try? FileManager.default.removeItem(at: folder)
    }

    deinit { stop() }

    func get(_ path: String, headers: [String: String] = [:]) async throws -> (status: Int, body: String, contentType: String) {
        var request = URLRequest(url: URL(string: "http://127.0.0.1:\(port)\(path)")!)
        request.timeoutInterval = 5
        for (k, v) in headers { request.setValue(v, forHTTPHeaderField: k) }
        let (data, response) = try await URLSession.shared.data(for: request)
        let http = response as! HTTPURLResponse
        return (http.statusCode, String(decoding: data, as: UTF8.self), http.value(forHTTPHeaderField: "Content-Type") ?? "")
    }

    /// Polls `path` until `predicate` holds, within `timeout` (bounded wait, never a fixed sleep).
    @discardableResult
    func waitFor(
        _ path: String, timeout: Duration = .seconds(10), headers: [String: String] = [:],
        _ predicate: (Int, String) -> Bool
    ) async throws -> (status: Int, body: String) {
        let deadline = ContinuousClock.now + timeout
        var last: (Int, String) = (0, "")
        while ContinuousClock.now < deadline {
            if let r = try? await get(path, headers: headers) {
                last = (r.status, r.body)
                if predicate(r.status, r.body) { return last }
            }
            try await Task.sleep(for: .milliseconds(25))
        }
        throw WaitTimeout(path: path, lastStatus: last.0, lastBody: last.1, stderr: stderr)
    }
}

struct WaitTimeout: Error, CustomStringConvertible {
    var path: String
    var lastStatus: Int
    var lastBody: String
    var stderr: String
    var description: String { "timed out waiting on \(path): last \(lastStatus) \(lastBody.prefix(500))\nstderr: \(stderr.prefix(2000))" }
}

/// Picks a free loopback port by binding port 0.
enum FreePort {
    static func pick() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { Glibc.close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        addr.sin_port = 0
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) } }
        guard bound == 0 else { throw POSIXError(.EADDRINUSE) }
        _ = withUnsafeMutablePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) } }
        return Int(UInt16(bigEndian: addr.sin_port))
    }
}

/// A TCP listener on loopback that a test opens and closes to make a `tcp` component healthy
/// or unhealthy. Accepts and closes connections on a thread of its own.
final class TCPTarget: @unchecked Sendable {
    // The fd is written by open/close on the test's task and read by the accept thread;
    // close() shuts it down first so the thread's accept() returns and the thread ends.
    private(set) var fd: Int32 = -1
    let port: Int

    init() throws { port = try FreePort.pick() }

    func open() throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        addr.sin_port = UInt16(port).bigEndian
        let len = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) } }
        guard bound == 0, listen(fd, 128) == 0 else { throw POSIXError(.EADDRINUSE) }
        let listening = fd
        Thread.detachNewThread {
            while true {
                let c = accept(listening, nil, nil)
                if c < 0 { return }
                Glibc.close(c)
            }
        }
    }

    func close() {
        guard fd >= 0 else { return }
        shutdown(fd, Int32(SHUT_RDWR))
        Glibc.close(fd)
        fd = -1
    }

    deinit { close() }
}

/// A JSON object from text (an endpoint's body, a line of output); nil when it is not one.
func jsonObject(_ text: String) -> [String: Any]? {
    (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any]
}

/// A folder of the test's own under the temporary directory; the test removes it with `remove`
/// (a `defer`: a class removing it in `deinit` could go before the daemon using it is done).
struct ScratchFolder {
    let url: URL
    var path: String { url.path }

    init() {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("vitals-test-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    func remove() { try? FileManager.default.removeItem(at: url) }
}
