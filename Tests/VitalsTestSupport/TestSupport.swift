import Foundation
import Testing

/// What more than one test target needs, written once.
public enum TestEnvironment {
    /// A test server's address from the environment. Under `make test`
    /// (`VITALS_TEST_REQUIRE_SERVERS=1`) a missing one is a recorded failure; elsewhere the test
    /// that needs it is skipped and this says why.
    public static func server(_ name: String) -> String? {
        if let v = ProcessInfo.processInfo.environment[name], !v.isEmpty { return v }
        if ProcessInfo.processInfo.environment["VITALS_TEST_REQUIRE_SERVERS"] == "1" {
            Issue.record("\(name) is not set (VITALS_TEST_REQUIRE_SERVERS=1): run through `make test`")
        } else {
            print("skipping: \(name) is not set; `make test` starts the test servers")
        }
        return nil
    }

    /// True under `make test` and wherever the test servers were started by hand; a test that
    /// needs them is `.enabled(if: TestEnvironment.serversAvailable, ...)`, so elsewhere it is a skip.
    public static let serversAvailable = ProcessInfo.processInfo.environment["VITALS_TEST_REQUIRE_SERVERS"] == "1"
        || ProcessInfo.processInfo.environment["VITALS_TEST_HTTPS"] != nil

    public static let skipReason: Comment = "test servers not configured (run `make test`)"
}

public enum Processes {
    /// Whether `pid` is alive: present in `/proc` and neither a zombie nor dead.
    public static func isRunning(_ pid: Int32) -> Bool {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8), let close = stat.lastIndex(of: ")") else {
            return false
        }
        let state = stat[stat.index(close, offsetBy: 2)]
        return state != "Z" && state != "X"
    }
}

public enum LoopbackSocket {
    /// A TCP socket from `source` (all of 127/8 is local on Linux, so each address is a separate
    /// client to a server) connected to `port` on 127.0.0.1, or -1. `receiveBuffer` is set
    /// before connecting, so the window the client offers stays that small from the start.
    public static func connect(port: Int, from source: String, receiveBuffer: Int32? = nil) -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return -1 }
        if var size = receiveBuffer { setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size)) }
        var local = sockaddr_in()
        local.sin_family = sa_family_t(AF_INET)
        local.sin_addr.s_addr = inet_addr(source)
        var remote = sockaddr_in()
        remote.sin_family = sa_family_t(AF_INET)
        remote.sin_addr.s_addr = inet_addr("127.0.0.1")
        remote.sin_port = UInt16(port).bigEndian
        let len = socklen_t(MemoryLayout<sockaddr_in>.size)
        let ok = withUnsafePointer(to: &local) { l in
            l.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) == 0 }
        } && withUnsafePointer(to: &remote) { r in
            r.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, len) == 0 }
        }
        guard ok else {
            close(fd)
            return -1
        }
        return fd
    }
}
