import Foundation
import VitalsConfig

/// Finds the config a command runs on: `--config FILE`, else `config/vitals.yaml` in the
/// working directory, else the copy embedded in the binary (written to a private temporary
/// folder with the files it includes, so includes resolve exactly as in the repository, and
/// removed once read: nothing of it is left behind in /tmp). A reload goes through here too, so
/// the embedded default is written and read again rather than looked for in a removed folder.
enum ConfigSource {
    static let defaultPath = "config/vitals.yaml"

    static func load(_ path: String?) throws(ConfigErrors) -> Config {
        if let path { return try ConfigLoader.load(file: path) }
        if FileManager.default.fileExists(atPath: defaultPath) { return try ConfigLoader.load(file: defaultPath) }
        let root = materializeEmbedded()
        defer { try? FileManager.default.removeItem(at: root) }
        return try ConfigLoader.load(file: root.appendingPathComponent(defaultPath).path)
    }

    private static func materializeEmbedded() -> URL {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("vitals-default-\(getpid())")
        for (relative, contents) in DefaultConfig.files {
            let url = root.appendingPathComponent(relative)
            try? FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try? contents.write(to: url, atomically: true, encoding: .utf8)
        }
        return root
    }
}

/// Writes to standard error (diagnostics never go to stdout, which `check` uses for results).
func printError(_ message: String) {
    FileHandle.standardError.write(Data((message + "\n").utf8))
}
