import Foundation
import Testing
import VitalsTestSupport

/// The servers `make test` starts, as the integration tests read them.
enum TestEnv {
    /// A server's address from the environment. Under `make test` (`VITALS_TEST_REQUIRE_SERVERS=1`)
    /// a missing one is a recorded failure; elsewhere the test that needs it is skipped by
    /// `serversAvailable` and this says why.
    static func server(_ name: String) -> String? { TestEnvironment.server(name) }

    /// True under `make test` and wherever the test servers were started by hand; a test that
    /// needs them is `.enabled(if: TestEnv.serversAvailable, ...)`, so elsewhere it is a skip.
    static let serversAvailable = ProcessInfo.processInfo.environment["VITALS_TEST_REQUIRE_SERVERS"] == "1"
        || ProcessInfo.processInfo.environment["VITALS_TEST_HTTPS"] != nil

    static let skipReason: Comment = "test servers not configured (run `make test`)"
}
