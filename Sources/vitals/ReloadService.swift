import Foundation
import ServiceLifecycle
import Synchronization
import UnixSignals
import VitalsCore

/// Reloads the config on SIGHUP.
struct ReloadService: Service {
    let daemon: Daemon
    func run() async throws {
        let signals = await UnixSignalsSequence(trapping: .sighup)
        try await cancelWhenGracefulShutdown {
            for await _ in signals { daemon.reload() }
        }
    }
}

/// The outcome of the last config reload, for `/metrics`; a rejected reload keeps the time of
/// the last good one.
final class ReloadStatus: Sendable {
    private let state = Mutex<(ok: Bool, at: Date)>((true, Date()))

    func record(ok: Bool) {
        state.withLock { $0 = ok ? (true, Date()) : (false, $0.at) }
    }

    func metrics() -> String {
        let (ok, at) = state.withLock { $0 }
        var m = PrometheusText()
        m.family("vitals_config_last_reload_successful", "gauge", "Whether the last config reload succeeded.")
        m.sample("vitals_config_last_reload_successful", [], ok ? 1 : 0)
        m.family("vitals_config_last_reload_success_timestamp_seconds", "gauge", "When the config was last loaded successfully.")
        m.sample("vitals_config_last_reload_success_timestamp_seconds", [], at.timeIntervalSince1970.rounded(.down))
        return m.out
    }
}
