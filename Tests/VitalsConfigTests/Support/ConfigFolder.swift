import Foundation
import Testing
@testable import VitalsConfig

/// A temporary folder with config files in it, removed when the test ends.
final class ConfigFolder: Sendable {
    let url: URL
    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("vitals-config-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }
    var path: String { url.path }

    @discardableResult
    func write(_ name: String, _ text: String) throws -> String {
        let file = url.appendingPathComponent(name)
        try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
        try text.write(to: file, atomically: true, encoding: .utf8)
        return file.path
    }
    deinit { try? FileManager.default.removeItem(at: url) }
}

/// Every error of parsing `yaml` as `c.yaml`, as `FILE:LINE:COLUMN: path: message` lines
/// (empty when it parses).
func errors(_ yaml: String, env: [String: String] = [:], file: String = "c.yaml") -> [String] {
    do {
        _ = try ConfigLoader.parse(yaml: yaml, file: file, environment: env)
        return []
    } catch {
        return error.errors.map(\.description)
    }
}

/// Every error of loading `file`.
func loadErrors(_ file: String, env: [String: String] = [:]) -> [ConfigError] {
    do {
        _ = try ConfigLoader.load(file: file, environment: env)
        return []
    } catch {
        return error.errors
    }
}

/// Parses a config that must be valid; records the errors otherwise.
func parsed(_ yaml: String, env: [String: String] = [:], file: String = "c.yaml") throws -> Config {
    do {
        return try ConfigLoader.parse(yaml: yaml, file: file, environment: env)
    } catch {
        Issue.record("unexpected errors:\n\(error)")
        throw error
    }
}

/// Runs `body` on a thread of its own, for a test that does seconds of file work: the
/// cooperative pool has as many threads as cores, and the tests beside it need them.
func offThePool<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        Thread { continuation.resume(with: Result { try body() }) }.start()
    }
}
