import Foundation

/// Turns YAML files into a validated `Config`, or into every problem found, each with file,
/// line, column and key path (`FILE:LINE:COLUMN: path: message`).
public enum ConfigLoader {
    /// Reads `file` and everything it includes.
    public static func load(
        file: String, environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(ConfigErrors) -> Config {
        switch ConfigFile.read(file) {
        case .success(let text): return try parse(yaml: text, file: file, environment: environment)
        case .failure(let why): throw ConfigErrors([ConfigError(location: SourceLocation(file: file, line: 1, column: 1), path: "", message: "\(why)")])
        }
    }

    /// Parses `yaml` as if read from `file`: includes, `K_file` values and TLS files resolve
    /// relative to `file`'s folder, and errors name `file`.
    public static func parse(yaml: String, file: String, environment: [String: String]) throws(ConfigErrors) -> Config {
        let reader = YAMLReader(environment: environment)
        var config = Config(file: file)
        if let root = reader.compose(yaml, file: file) {
            ConfigParser(reader: reader, file: file).parseRoot(root, into: &config)
        }
        if !reader.errors.isEmpty { throw ConfigErrors(inReadingOrder(reader.errors)) }
        return config
    }

    /// Errors as a reader meets them: files in the order they were first mentioned, then by
    /// line and column (the walk checks keys before values, which is not reading order).
    static func inReadingOrder(_ errors: [ConfigError]) -> [ConfigError] {
        var fileRank: [String: Int] = [:]
        for e in errors where fileRank[e.location.file] == nil { fileRank[e.location.file] = fileRank.count }
        return errors.enumerated().sorted { a, b in
            let ka = (fileRank[a.element.location.file]!, a.element.location.line, a.element.location.column, a.offset)
            let kb = (fileRank[b.element.location.file]!, b.element.location.line, b.element.location.column, b.offset)
            return ka < kb
        }.map(\.element)
    }
}
