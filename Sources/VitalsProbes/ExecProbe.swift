#if canImport(Glibc)
import Glibc
#endif
import CVitalsSystem
import Foundation
import Synchronization
import VitalsConfig
import VitalsCore
import VitalsIO

/// `exec`: runs a plugin the Nagios / monitoring-plugins way.
///
/// argv without a shell, in the config file's folder, with a clean environment plus the
/// component's own variables, in a process group of its own under a keeper process
/// (`keeper.c`) that ends the whole tree, escapees that called `setsid` included. Exit 0 is
/// healthy, 1 degraded, 2 unhealthy, 3 or anything else (or a signal) unhealthy with "unknown".
/// The first line of stdout is the message, with the values of secret `env` variables
/// (`*PASS*`, `*TOKEN*`, `*KEY*`...) redacted; perfdata becomes observations that thresholds can judge. At the deadline
/// the tree gets SIGTERM, then SIGKILL; output past 64 KiB is read and dropped.
public struct ExecProbe: Probe {
    static let outputCap = 64 * 1024
    public static let killGrace: Duration = .milliseconds(500)
    static let searchPath = ["/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin", "/usr/lib/nagios/plugins"]

    let executable: String
    let argv: [String]
    let environment: [String]
    let workingDirectory: String
    let timeout: Duration
    /// Values of `env` variables whose names say they hold a secret, hidden in the message: a
    /// plugin may echo what it was given. Other variables (`QUEUE: orders`, `WARN: 100`) are
    /// settings that a plugin's message names on purpose.
    let secrets: [String]
    /// `expect.conditions`: `status` is the exit code, `body` the output (stdout).
    let conditions: [Condition]
    /// Where this probe's running plugins are registered (a test keeps its own).
    let running: RunningPlugins
    /// Where this probe's blocking calls run, one at a time (`BlockingLane`).
    let lane = BlockingLane()

    public var blockedSince: ContinuousClock.Instant? { lane.busySince }
    static let secretNameParts = ["PASS", "TOKEN", "SECRET", "KEY", "AUTH", "CRED", "PRIVATE", "COOKIE", "SESSION", "DSN"]

    static func holdsSecret(_ name: String) -> Bool {
        let upper = name.uppercased()
        return secretNameParts.contains { upper.contains($0) }
    }

    public init(settings: ExecSettings, timeout: Duration, running: RunningPlugins = .shared) throws {
        self.running = running
        // The config refuses an empty command; a probe built from code is told too.
        guard let program = settings.command.first else { throw ProbeSetupError("command is empty", key: "command") }
        workingDirectory = settings.workingDirectory
        executable = Self.resolve(program, in: settings.workingDirectory)
        argv = settings.command
        var env = ["PATH": Self.searchPath.joined(separator: ":"), "LANG": "C.UTF-8"]
        for (k, v) in settings.environment { env[k] = v.value }
        environment = env.keys.sorted().map { "\($0)=\(env[$0]!)" }
        secrets = settings.environment.filter { Self.holdsSecret($0.key) }.values.map(\.value)
        conditions = settings.expect.checks
        self.timeout = timeout
    }

    /// A relative path resolves against the config's folder; a bare name searches a fixed PATH.
    static func resolve(_ program: String, in folder: String) -> String {
        if program.hasPrefix("/") { return program }
        if program.contains("/") { return URL(fileURLWithPath: folder).appendingPathComponent(program).standardized.path }
        for dir in searchPath where FileManager.default.isExecutableFile(atPath: "\(dir)/\(program)") {
            return "\(dir)/\(program)"
        }
        return program
    }

    public func run(deadline: ContinuousClock.Instant) async -> ProbeResult {
        let start = ContinuousClock.now
        var out: [Int32] = [-1, -1]
        var err: [Int32] = [-1, -1]
        guard vitals_pipe(&out) == 0 else { return .failure("pipe: \(String(cString: strerror(vitals_errno())))") }
        guard vitals_pipe(&err) == 0 else {
            close(out[0]); close(out[1])
            return .failure("pipe: \(String(cString: strerror(vitals_errno())))")
        }
        let (outRead, outWrite, errRead, errWrite) = (out[0], out[1], err[0], err[1])
        let graceMilliseconds = Int32(Self.killGrace.components.attoseconds / 1_000_000_000_000_000)
        let ran = await lane.run { [executable, argv, environment, workingDirectory] () -> (Int32, pid_t) in
            var pid: pid_t = 0
            let rc = withCStrings(argv) { cArgv in
                withCStrings(environment) { cEnv in
                    vitals_spawn(executable, cArgv, cEnv, workingDirectory, outWrite, errWrite, graceMilliseconds, &pid)
                }
            }
            return (rc, pid)
        }
        close(outWrite)
        close(errWrite)
        let spawned: (Int32, pid_t)
        switch ran {
        case .success(let s): spawned = s
        case .failure(let busy):
            close(outRead)
            close(errRead)
            return .stillHung(startedAt: busy.since, latency: start.duration(to: .now))
        }
        guard spawned.0 == 0 else {
            close(outRead)
            close(errRead)
            return .failure("cannot run \(executable): \(String(cString: strerror(spawned.0)))", latency: start.duration(to: .now))
        }
        let keeper = spawned.1
        running.started(keeper)
        let stdout = PipeReader(fd: outRead, cap: Self.outputCap)
        let stderr = PipeReader(fd: errRead, cap: Self.outputCap)
        let readers = [Task { await stdout.drain(until: deadline + Self.killGrace) }, Task { await stderr.drain(until: deadline + Self.killGrace) }]

        // The ending runs in a task of its own: if this probe's task is cancelled (shutdown,
        // or the scheduler's own timeout), the plugin is still ended and its keeper reaped,
        // never left behind as a zombie.
        let (exit, latency, timedOut) = await Task.detached { [running] () -> (ProcessExit?, Duration, Bool) in
            var exit = await ProcessExit.wait(pid: keeper, until: deadline)
            let timedOut = exit == nil
            if timedOut {
                // The keeper TERMs the plugin's tree, waits the grace, then KILLs all of it.
                kill(keeper, SIGTERM)
                exit = await ProcessExit.wait(pid: keeper, until: .now + Self.killGrace + .seconds(2))
                if exit == nil {
                    kill(keeper, SIGKILL)
                    exit = await ProcessExit.wait(pid: keeper, until: .now + .seconds(5))
                }
            }
            let latency = start.duration(to: .now)
            // The keeper exits once the whole tree is gone, so the pipes are at their end;
            // give the readers a moment to read the rest, then stop them.
            let settle = ContinuousClock.now + .milliseconds(100)
            while !(stdout.finished && stderr.finished), ContinuousClock.now < settle {
                try? await Task.sleep(for: .milliseconds(2))
            }
            ProcessExit.reap(keeper)
            running.ended(keeper)
            for r in readers { r.cancel() }
            for r in readers { await r.value }
            return (exit, latency, timedOut)
        }.value
        close(outRead)
        close(errRead)

        if timedOut { return .timeout(after: timeout) }
        let ended = exit ?? .signal(SIGKILL)
        var result = Self.result(exit: ended, stdout: stdout.text, stderr: stderr.text, latency: latency)
        if !conditions.isEmpty {
            var status: ConditionValue?
            if case .code(let code) = ended { status = .number(Double(code), text: nil) }
            var evaluator = ConditionEvaluator(
                ConditionSubject(latency: latency, status: status, body: Array(stdout.text.utf8), observations: result.observations))
            result.apply(evaluator.evaluate(conditions))
            for i in result.conditions.indices { result.conditions[i].observed = Redactor.scrub(result.conditions[i].observed, secrets) }
        }
        result.message = Redactor.scrub(result.message, secrets)
        return result
    }

    static func result(exit: ProcessExit, stdout: String, stderr: String, latency: Duration) -> ProbeResult {
        let parsed = Perfdata.parse(stdout)
        // `exit_code` is the plugin's real exit status: a perfdata label of that name gives way.
        var observations = parsed.observations.filter { $0.name != "exit_code" }
        let fallback = stderr.split(separator: "\n").first.map { $0.trimmingSpaces() } ?? ""
        let line = parsed.message.isEmpty ? fallback : parsed.message
        switch exit {
        case .code(let code):
            observations.append(Observation("exit_code", Double(code)))
            let message = line.isEmpty ? "exit \(code)" : line
            switch code {
            case 0: return ProbeResult(success: true, latency: latency, message: message, observations: observations)
            case 1: return ProbeResult(success: true, latency: latency, message: message, observations: observations, reportedStatus: .degraded)
            case 2: return ProbeResult(success: false, latency: latency, message: message, observations: observations)
            default:
                let unknown = message.uppercased().hasPrefix("UNKNOWN") ? message : "unknown (exit \(code)): \(message)"
                return ProbeResult(success: false, latency: latency, message: unknown, observations: observations)
            }
        case .signal(let sig):
            return ProbeResult(success: false, latency: latency, message: "unknown: killed by signal \(sig)", observations: observations)
        }
    }
}

/// The keepers of plugins now running, so that shutdown can end them all rather than leave
/// them behind (a keeper whose daemon has gone also ends its plugin, within a tenth of a second).
public final class RunningPlugins: Sendable {
    public static let shared = RunningPlugins()
    private let state = Mutex<(keepers: Set<pid_t>, ending: Bool)>(([], false))

    /// A keeper registered once shutdown has begun (its spawn was under way) is ended at once.
    func started(_ keeper: pid_t) {
        let ending = state.withLock { s in
            s.keepers.insert(keeper)
            return s.ending
        }
        if ending { kill(keeper, SIGTERM) }
    }

    func ended(_ keeper: pid_t) { state.withLock { _ = $0.keepers.remove(keeper) } }

    /// Asks every keeper to end its plugin's tree (TERM, the grace, KILL) and waits until each
    /// has exited, or `limit` has passed. Keepers registered from now on are ended as they come.
    public func endAll(within limit: Duration) async {
        let running = state.withLock { s in
            s.ending = true
            return s.keepers
        }
        for keeper in running { kill(keeper, SIGTERM) }
        let deadline = ContinuousClock.now + limit
        for keeper in running { _ = await ProcessExit.wait(pid: keeper, until: deadline) }
    }
}

/// How a process ended.
enum ProcessExit: Equatable {
    case code(Int32)
    case signal(Int32)

    /// Waits for `pid` to exit (a pidfd on the poller; polling where the kernel has none)
    /// without reaping it; nil if it is still running at `deadline`.
    static func wait(pid: pid_t, until deadline: ContinuousClock.Instant) async -> ProcessExit? {
        let pidfd = vitals_pidfd_open(pid)
        defer { if pidfd >= 0 { close(pidfd) } }
        while true {
            var code: Int32 = -1
            var sig: Int32 = 0
            let r = vitals_exited(pid, &code, &sig)
            if r == 1 { return sig != 0 ? .signal(sig) : .code(code) }
            if r < 0 { return .code(-1) }  // not our child any more: nothing to wait for
            if ContinuousClock.now >= deadline { return nil }
            if pidfd >= 0 {
                guard await SocketPoller.shared.wait(fd: pidfd, for: .readable, deadline: deadline) == .ready else { return nil }
            } else {
                try? await Task.sleep(for: .milliseconds(5))
            }
        }
    }

    /// Collects an exited child (non-blocking; a no-op if it is still running).
    static func reap(_ pid: pid_t) {
        var code: Int32 = -1
        var sig: Int32 = 0
        _ = vitals_waitpid(pid, 1, &code, &sig)
    }
}

/// Reads a non-blocking pipe to its end, keeping the first `cap` bytes and dropping the rest
/// (a plugin must never block on a full pipe).
final class PipeReader: Sendable {
    private let fd: Int32
    private let cap: Int
    private let state = Mutex<(bytes: [UInt8], truncated: Bool, finished: Bool)>(([], false, false))

    init(fd: Int32, cap: Int) {
        self.fd = fd
        self.cap = cap
    }

    var finished: Bool { state.withLock { $0.finished } }
    var text: String {
        state.withLock { s in String(decoding: s.bytes, as: UTF8.self) + (s.truncated ? "\n[output cut at 64 KiB]" : "") }
    }

    func drain(until deadline: ContinuousClock.Instant) async {
        var buffer = [UInt8](repeating: 0, count: 16 * 1024)
        var sinceYield = 0
        while !Task.isCancelled, ContinuousClock.now < deadline {
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n > 0 {
                // A plugin writing without pause must not hold a thread of the pool.
                sinceYield += n
                if sinceYield >= 256 * 1024 {
                    sinceYield = 0
                    await Task.yield()
                }
                state.withLock { s in
                    let room = cap - s.bytes.count
                    if room > 0 { s.bytes += buffer.prefix(min(room, n)) }
                    if n > room { s.truncated = true }
                }
                continue
            }
            if n == 0 { break }
            let e = vitals_errno()
            if e == EINTR { continue }
            guard e == EAGAIN else { break }
            guard await SocketPoller.shared.wait(fd: fd, for: .readable, deadline: deadline) == .ready else { break }
        }
        state.withLock { $0.finished = true }
    }
}

/// A NULL-terminated C array of strings for the duration of `body`.
func withCStrings<R>(_ strings: [String], _ body: (UnsafePointer<UnsafeMutablePointer<CChar>?>) -> R) -> R {
    var pointers: [UnsafeMutablePointer<CChar>?] = strings.map { strdup($0) }
    pointers.append(nil)
    defer { for p in pointers { free(p) } }
    return pointers.withUnsafeBufferPointer { body($0.baseAddress!) }
}
