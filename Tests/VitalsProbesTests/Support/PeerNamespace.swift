import Foundation
import Testing

/// A network namespace joined to this one by a veth pair, for the icmp tests: the probe (here)
/// pings the peer's end, over a real interface whose far side the test shapes. Created with
/// iproute2 and deleted by `remove()`; deleting the namespace deletes both veth ends.
final class PeerNamespace: Sendable {
    let name: String
    let hostIPv4: String
    let peerIPv4: String
    let peerIPv6: String
    let peerInterface: String

    /// Why this kernel refuses network namespaces (a container without CAP_SYS_ADMIN), or nil
    /// when it allows them: the only reason an icmp namespace test is skipped.
    static let refusal: String? = {
        let probe = "vt-icmp-check-\(getpid())"
        let r = run(["ip", "netns", "add", probe])
        if r.status == 0 {
            _ = run(["ip", "netns", "del", probe])
            return nil
        }
        let permission = ["Operation not permitted", "Permission denied"].contains { r.output.contains($0) }
        return permission ? "the kernel forbids network namespaces here: \(r.output)" : nil
    }()
    static var allowed: Bool { refusal == nil }
    static var skipReason: Comment { Comment(rawValue: refusal ?? "") }

    /// Whether tc's netem qdisc is in this kernel (CONFIG_NET_SCH_NETEM): not everywhere,
    /// minimal VM kernels leave it out.
    static let hasNetem: Bool = {
        guard allowed, let ns = try? PeerNamespace() else { return false }
        defer { ns.remove() }
        return run(["tc", "-n", ns.name, "qdisc", "add", "dev", ns.peerInterface, "root", "netem", "delay", "1ms"]).status == 0
    }()

    init() throws {
        let tag = String(UInt32.random(in: 0..<0xFFFFFF), radix: 16)
        name = "vt-icmp-\(tag)"
        let host = "vtih\(tag)"
        peerInterface = "vtip\(tag)"
        // 198.18.0.0/15 is for benchmark networks (RFC 2544), fd00::/8 is local: no real route.
        let net = Int.random(in: 0...255)
        hostIPv4 = "198.18.\(net).1"
        peerIPv4 = "198.18.\(net).2"
        peerIPv6 = "fd00:7669:\(String(net, radix: 16))::2"
        let steps: [[String]] = [
            ["ip", "netns", "add", name],
            ["ip", "link", "add", host, "type", "veth", "peer", "name", peerInterface, "netns", name],
            ["ip", "addr", "add", "\(hostIPv4)/30", "dev", host],
            ["ip", "-6", "addr", "add", "fd00:7669:\(String(net, radix: 16))::1/64", "dev", host, "nodad"],
            ["ip", "link", "set", host, "up"],
            ["ip", "-n", name, "addr", "add", "\(peerIPv4)/30", "dev", peerInterface],
            ["ip", "-n", name, "-6", "addr", "add", "\(peerIPv6)/64", "dev", peerInterface, "nodad"],
            ["ip", "-n", name, "link", "set", peerInterface, "up"],
            ["ip", "-n", name, "link", "set", "lo", "up"],
        ]
        for step in steps {
            let r = Self.run(step)
            if r.status != 0 {
                _ = Self.run(["ip", "netns", "del", name])
                throw Failure(command: step.joined(separator: " "), output: r.output)
            }
        }
    }

    struct Failure: Error, CustomStringConvertible {
        var command: String
        var output: String
        var description: String { "\(command): \(output)" }
    }

    /// Stops the peer's kernel from answering pings, so only an `EchoPeer` does (or nobody).
    func silenceKernel() throws {
        // /proc/sys/net shows the namespace of the process reading it.
        try exec(["sh", "-c", "echo 1 > /proc/sys/net/ipv4/icmp_echo_ignore_all && echo 1 > /proc/sys/net/ipv6/icmp/echo_ignore_all"])
    }

    /// Runs a command inside the namespace; throws with its output when it fails.
    func exec(_ command: [String]) throws {
        let r = Self.run(["ip", "netns", "exec", name] + command)
        if r.status != 0 { throw Failure(command: command.joined(separator: " "), output: r.output) }
    }

    func remove() { _ = Self.run(["ip", "netns", "del", name]) }

    /// Runs a short command to its end (iproute2 answers at once): status and stdout+stderr.
    @discardableResult
    static func run(_ command: [String]) -> (status: Int32, output: String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = command
        var environment = ProcessInfo.processInfo.environment
        environment["PATH"] = "/usr/sbin:/usr/bin:/sbin:/bin:" + (environment["PATH"] ?? "")
        p.environment = environment
        let out = Pipe()
        p.standardOutput = out
        p.standardError = out
        do { try p.run() } catch { return (-1, "\(error)") }
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
    }
}

/// `Fixtures/icmp/echo-peer.py` running in a namespace: answers pings itself, late, partly,
/// in many copies or with junk around its replies, as the test asks.
final class EchoPeer: Sendable {
    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/icmp/echo-peer.py").path
    let process: Process
    /// Its stdin: closing it (or this process dying) ends the peer.
    let input: Pipe

    init(in ns: PeerNamespace, _ arguments: [String]) throws {
        try ns.silenceKernel()
        process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/sbin/ip")
        process.arguments = ["netns", "exec", ns.name, "/usr/bin/python3", Self.script] + arguments
        input = Pipe()
        let output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        try process.run()
        // Its first line says it listens; a peer that dies first ends the read at EOF, and one
        // that hangs is ended after 10 s.
        let started = process
        let guardTimer = DispatchWorkItem { if started.isRunning { started.terminate() } }
        DispatchQueue.global().asyncAfter(deadline: .now() + 10, execute: guardTimer)
        let line = output.fileHandleForReading.readLine()
        guardTimer.cancel()
        guard line == "ready" else {
            stop()
            throw PeerNamespace.Failure(command: "echo-peer.py", output: "did not start (\(line ?? "no output"))")
        }
    }

    func stop() {
        try? input.fileHandleForWriting.close()
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
    }
}

extension FileHandle {
    /// One line, read a byte at a time (a short line from a child that flushes it).
    func readLine() -> String? {
        var bytes: [UInt8] = []
        while let b = try? read(upToCount: 1), let byte = b.first {
            if byte == UInt8(ascii: "\n") { return String(decoding: bytes, as: UTF8.self) }
            bytes.append(byte)
        }
        return bytes.isEmpty ? nil : String(decoding: bytes, as: UTF8.self)
    }
}

/// `net.ipv4.ping_group_range` (it governs ICMPv6 ping sockets too), set for one test and put
/// back: whether this process's group may open unprivileged ICMP sockets.
enum PingGroupRange {
    static let path = "/proc/sys/net/ipv4/ping_group_range"

    static func with<T>(_ range: String, _ body: () async throws -> T) async throws -> T {
        let old = try String(contentsOfFile: path, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        try range.write(toFile: path, atomically: false, encoding: .utf8)
        defer { try? old.write(toFile: path, atomically: false, encoding: .utf8) }
        return try await body()
    }

    static let everyone = "0 2147483647"
    /// The kernel's default: nobody.
    static let nobody = "1 0"
}
