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
