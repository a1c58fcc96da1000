import CLibPQ

/// A PostgreSQL connection string as libpq reads it, checked without any I/O: the same check
/// for the postgres probe's `dsn` and `storage.dsn`, so `vitals validate` refuses what a
/// connection would refuse later (libpq checks `sslmode` only when it connects).
package enum PostgresConninfo {
    /// The options a DSN (URI or `key=value`) sets, or libpq's complaint (one line).
    package static func parse(_ dsn: String) -> Result<[String: String], ParseFailure> {
        var error: UnsafeMutablePointer<CChar>?
        guard let options = PQconninfoParse(dsn, &error) else {
            defer { if let error { PQfreemem(error) } }
            return .failure(ParseFailure(text: error.map { MessageText.oneLine(String(cString: $0)) } ?? "out of memory"))
        }
        defer { PQconninfoFree(options) }
        var out: [String: String] = [:]
        var p = options
        while let keyword = p.pointee.keyword {
            if let value = p.pointee.val { out[String(cString: keyword)] = String(cString: value) }
            p += 1
        }
        return .success(out)
    }

    package struct ParseFailure: Error, CustomStringConvertible {
        package var text: String
        package var description: String { text }
    }

    /// The values libpq 15 takes for the options that have a fixed set.
    static let choices: [(option: String, values: [String])] = [
        ("sslmode", ["disable", "allow", "prefer", "require", "verify-ca", "verify-full"]),
        ("gssencmode", ["disable", "prefer", "require"]),
        ("target_session_attrs", ["any", "read-write", "read-only", "primary", "standby", "prefer-standby"]),
    ]

    /// Why libpq would refuse `options` when connecting, or nil. The message names the option
    /// and its value (never a password).
    package static func problem(in options: [String: String]) -> String? {
        for (option, values) in choices {
            guard let value = options[option], !value.isEmpty, !values.contains(value) else { continue }
            return "\(option) \"\(MessageText.oneLine(value))\" is not one of \(values.joined(separator: ", "))"
        }
        return nil
    }
}
