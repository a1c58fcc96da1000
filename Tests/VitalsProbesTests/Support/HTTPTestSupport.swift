import Foundation
import Testing
import VitalsTestSupport
import VitalsConfig
import VitalsCore
@testable import VitalsProbes

/// The servers `make test` starts, from the environment (`TestEnvironment.require` reads each
/// one): a test that needs nginx is reported as skipped, with the reason, where it is not set
/// (`nginxAvailable` in its `.enabled(if:)` trait).
enum TestServers {
    static let nginxAvailable = TestEnvironment.required || ProcessInfo.processInfo.environment["VITALS_TEST_HTTP"] != nil
    static let skipNginx: Comment = "nginx test server not configured (set VITALS_TEST_HTTP and the rest, or run `make test`)"

    /// An extra not every environment provides: never a failure.
    static func optional(_ name: String) -> String? {
        ProcessInfo.processInfo.environment[name].flatMap { $0.isEmpty ? nil : $0 }
    }

    /// `host:port` of a URL like `https://127.0.0.1:8443`.
    static func address(of url: String) -> String {
        String(url.split(separator: "/", omittingEmptySubsequences: true)[1])
    }
}

/// A canned HTTP answer for `LoopbackServer(.reply(...))`.
func httpReply(_ body: String = "ok", status: String = "200 OK") -> [UInt8] {
    Array("HTTP/1.1 \(status)\r\nContent-Length: \(body.utf8.count)\r\nConnection: close\r\n\r\n\(body)".utf8)
}

func httpProbe(
    _ url: String, timeout: Duration = .seconds(2), _ configure: (inout HTTPSettings) -> Void = { _ in }
) throws -> HTTPProbe {
    var settings = HTTPSettings(url: url)
    configure(&settings)
    return try HTTPProbe(settings: settings, timeout: timeout)
}

extension HTTPProbe {
    /// One run with the deadline `timeout` from now, as the scheduler would call it.
    func runOnce() async -> ProbeResult {
        await run(deadline: .now.advanced(by: timeout))
    }
}

/// What a loaded two-core CI machine may add to a deadline before a test calls it late. Bounds
/// built on it still catch what they are for: a probe that ignores its deadline waits for its
/// peer (a hung server waits for ever, `pg_sleep(5)` five seconds), not a few hundred ms.
enum Timing {
    static let slack: Duration = .seconds(1)
}
