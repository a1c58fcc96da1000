import Foundation
import VitalsConfig
import VitalsIO

extension Preflight {
    /// What opening `storage:` would refuse, found without opening it (`validate` must not
    /// create a database): a DSN libpq cannot use, an SQLite path whose folder cannot be made
    /// or written. The database server's answers (a wrong password, an unknown host) are left
    /// to `run`, which fails its start with them (exit 78).
    static func storage(of config: Config) -> [ConfigError] {
        let st = config.storage
        func error(_ key: String, _ message: String) -> ConfigError {
            ConfigError(location: st.keyLocations[key] ?? SourceLocation(file: config.file, line: 0, column: 0), path: "storage.\(key)", message: message)
        }
        switch st.kind {
        case .memory:
            return []
        case .postgres:
            guard let dsn = st.dsn?.value else { return [] }
            var secrets = Redactor.dsnPasswords(of: dsn)
            if let p = st.password?.value, !p.isEmpty { secrets.append(p) }
            switch PostgresConninfo.parse(dsn) {
            case .failure(let failure): return [error("dsn", "invalid dsn: \(Redactor.scrub(failure.text, secrets))")]
            case .success(let options):
                return PostgresConninfo.problem(in: options).map { [error("dsn", "invalid dsn: \(Redactor.scrub($0, secrets))")] } ?? []
            }
        case .sqlite:
            guard let path = st.path else { return [] }
            return sqliteProblem(path).map { [error("path", $0)] } ?? []
        }
    }

    /// Why SQLite could not open or create `path` (relative to the working directory), or nil:
    /// an existing path must be a file Vitals may write; otherwise the nearest existing folder
    /// above it must be writable (the missing ones are created at start).
    static func sqliteProblem(_ path: String) -> String? {
        let fm = FileManager.default
        var isFolder: ObjCBool = false
        if fm.fileExists(atPath: path, isDirectory: &isFolder) {
            if isFolder.boolValue { return "\(path) is a folder, not a database file" }
            return access(path, R_OK | W_OK) == 0 ? nil : "\(path) cannot be written by this user"
        }
        var folder = (path as NSString).deletingLastPathComponent
        if folder.isEmpty { folder = "." }
        while !fm.fileExists(atPath: folder, isDirectory: &isFolder) {
            let up = (folder as NSString).deletingLastPathComponent
            if up.isEmpty || up == folder { folder = "."; break }
            folder = up
        }
        if fm.fileExists(atPath: folder, isDirectory: &isFolder), !isFolder.boolValue {
            return "\(folder) is a file, so \(path) cannot be made below it"
        }
        return access(folder, W_OK | X_OK) == 0 ? nil : "\(folder) cannot be written by this user, so \(path) cannot be made"
    }
}
