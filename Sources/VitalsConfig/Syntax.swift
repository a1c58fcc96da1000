import Foundation

/// The small grammars of config values: names, addresses, JSON paths, header names, DSNs,
/// maintenance start times. Pure functions, so they are tested directly.
enum Syntax {
    /// Component, group, alert and notifier names: `[a-z0-9][a-z0-9_.-]*`, safe in URLs
    /// (`/health/group/NAME`) and as Prometheus label values.
    static func isName(_ s: String) -> Bool { isName(s, letter: isLowerAlnum) }

    static let nameRule = "use [a-z0-9][a-z0-9_.-]*"

    /// Alert names also take Prometheus' style (`OrdersDown`, `orders_db_down`), what an
    /// Alertmanager user writes first: `[A-Za-z0-9][A-Za-z0-9_.-]*`, still safe in URLs and as
    /// the `alertname` label, sent as written.
    static func isAlertName(_ s: String) -> Bool { isName(s) { isLowerAlnum($0) || ("A"..."Z").contains($0) } }

    static let alertNameRule = "use [A-Za-z0-9][A-Za-z0-9_.-]*"

    private static func isName(_ s: String, letter: (Unicode.Scalar) -> Bool) -> Bool {
        guard let first = s.unicodeScalars.first, letter(first) else { return false }
        return s.unicodeScalars.allSatisfy { letter($0) || $0 == "_" || $0 == "." || $0 == "-" }
    }

    /// Whether an unknown key may be quoted in an error: up to 64 of `[A-Za-z0-9_. -]`, as any
    /// key a person meant to write is. A file that is not a config at all (`include:
    /// /etc/shadow`) yields "keys" such as `root:$6$...`: those are never printed.
    static func isPrintableKey(_ s: String) -> Bool {
        guard !s.isEmpty, s.unicodeScalars.count <= 64 else { return false }
        return s.unicodeScalars.allSatisfy { ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0) || "_. -".unicodeScalars.contains($0) }
    }

    private static func isLowerAlnum(_ c: Unicode.Scalar) -> Bool { ("a"..."z").contains(c) || ("0"..."9").contains(c) }

    /// `host:port` or `[v6]:port` with a host and a port from 1 to 65535.
    static func isHostPort(_ s: String) -> Bool {
        guard !s.hasPrefix(":"), let addr = ListenAddress(parsing: s), addr.port > 0 else { return false }
        return !addr.host.contains { $0.isWhitespace || $0 == "/" }
    }

    /// A host name, an IPv4 address or an IPv6 address (a `%zone` allowed), without a port
    /// or brackets: what `getaddrinfo` is given.
    static func isHost(_ s: String) -> Bool {
        guard !s.isEmpty, s.utf8.count <= 253, !s.hasPrefix("-"), !s.hasPrefix(".") else { return false }
        let scalars = s.unicodeScalars
        func isHex(_ c: Unicode.Scalar) -> Bool { ("0"..."9").contains(c) || ("a"..."f").contains(c) || ("A"..."F").contains(c) }
        if s.contains(":") {
            let parts = s.split(separator: "%", maxSplits: 1, omittingEmptySubsequences: false)
            let groups = parts[0].split(separator: ":", omittingEmptySubsequences: false)
            return (3...9).contains(groups.count) && parts.last?.isEmpty == false
                && parts[0].unicodeScalars.allSatisfy { isHex($0) || $0 == ":" || $0 == "." }
        }
        return scalars.allSatisfy { isLowerAlnum($0) || ("A"..."Z").contains($0) || $0 == "-" || $0 == "." || $0 == "_" }
    }

    /// An HTTP header name (RFC 9110 token).
    static func isHeaderName(_ s: String) -> Bool {
        !s.isEmpty && s.unicodeScalars.allSatisfy { $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || "!#$%&'*+-.^_`|~".unicodeScalars.contains($0)) }
    }

    /// A libpq connection string: a `postgres://` or `postgresql://` URI, or `key=value` pairs.
    static func isDSN(_ s: String) -> Bool {
        let t = s.trimmingCharacters(in: .whitespaces)
        return t.hasPrefix("postgres://") || t.hasPrefix("postgresql://") || (t.contains("=") && !t.hasPrefix("="))
    }

    /// An http:// or https:// URL with a host.
    static func isHTTPURL(_ s: String) -> Bool {
        guard let u = URL(string: s), let scheme = u.scheme?.lowercased(), scheme == "http" || scheme == "https" else { return false }
        return !(u.host ?? "").isEmpty
    }

    /// An smtp:// or smtps:// URL with a host and no credentials (those go in `username` and
    /// `password`, where they are treated as secrets).
    static func isSMTPURL(_ s: String) -> Bool {
        guard let u = URL(string: s), let scheme = u.scheme?.lowercased(), scheme == "smtp" || scheme == "smtps" else { return false }
        return !(u.host ?? "").isEmpty && u.user == nil && u.password == nil
    }

    /// A mail address as the envelope and the `From:`/`To:` headers carry it: `local@domain`,
    /// nothing that could end a header or an SMTP command (spaces, control characters, `<>`,
    /// commas...). Display names (`Ops <ops@example.com>`) are not taken.
    static func isMailAddress(_ s: String) -> Bool {
        let parts = s.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty, s.utf8.count <= 254 else { return false }
        return s.unicodeScalars.allSatisfy { $0.value > 0x20 && $0.value != 0x7f && !"<>()[],;:\"\\".unicodeScalars.contains($0) }
    }

    /// Whether the pattern compiles as the probes compile it (`RegexProgram`: the linear-time subset).
    static func isRegex(_ s: String) -> Bool { (try? RegexProgram(s)) != nil }

    static let weekdays = [
        "sun": 1, "mon": 2, "tue": 3, "wed": 4, "thu": 5, "fri": 6, "sat": 7,
        "sunday": 1, "monday": 2, "tuesday": 3, "wednesday": 4, "thursday": 5, "friday": 6, "saturday": 7,
    ]

    /// `"Sun 02:00"` (weekly) or `"02:00"` (daily): weekday (1 = Sunday, nil = daily), hour, minute.
    static func maintenanceStart(_ s: String) -> (weekday: Int?, date: CivilDate?, hour: Int, minute: Int)? {
        let parts = s.split(separator: " ")
        var weekday: Int?
        var date: CivilDate?
        let time: Substring
        switch parts.count {
        case 1: time = parts[0]
        case 2:
            if let d = civilDate(parts[0]) {
                date = d
            } else {
                guard let w = weekdays[parts[0].lowercased()] else { return nil }
                weekday = w
            }
            time = parts[1]
        default: return nil
        }
        let hm = time.split(separator: ":", omittingEmptySubsequences: false)
        guard hm.count == 2, hm[0].count <= 2, hm[1].count == 2, let h = Int(hm[0]), let m = Int(hm[1]),
            (0..<24).contains(h), (0..<60).contains(m)
        else { return nil }
        return (weekday, date, h, m)
    }

    /// `2026-12-24`: a real day of a year from 2000 to 9999 (the 30th of February is not one).
    static func civilDate(_ s: Substring) -> CivilDate? {
        let p = s.split(separator: "-", omittingEmptySubsequences: false)
        guard p.count == 3, p[0].count == 4, p[1].count == 2, p[2].count == 2, let y = Int(p[0]), let m = Int(p[1]), let d = Int(p[2]),
            (2000...9999).contains(y), (1...12).contains(m), d >= 1
        else { return nil }
        let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
        let days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1]
        return d <= days ? CivilDate(year: y, month: m, day: d) : nil
    }
}
