import Foundation

/// Hides secrets in text bound for a person or a peer: probe messages, alert delivery errors
/// (and so `/alerts` and alert payloads), logs, `check` output and validation errors.
///
/// One rule everywhere: each secret is replaced by `<redacted>` wherever it appears, longest
/// first so that a secret containing another goes whole. A secret under four characters is
/// replaced only where it stands alone (not inside a word or a number): a password `x` must not
/// turn `expected` into `e<redacted>pected`, and that short a value cannot hide inside a word
/// anyway. Empty values are not secrets.
public struct Redactor: Sendable {
    /// Distinct, non-empty, longest first.
    public let secrets: [String]

    public init(_ secrets: some Sequence<String>) {
        self.secrets = Set(secrets.filter { !$0.isEmpty }).sorted { $0.count != $1.count ? $0.count > $1.count : $0 < $1 }
    }

    public func scrub(_ text: String) -> String {
        var out = text
        for s in secrets {
            if s.count >= 4 {
                out = out.replacingOccurrences(of: s, with: "<redacted>")
            } else {
                let pattern = "(?<![A-Za-z0-9])" + NSRegularExpression.escapedPattern(for: s) + "(?![A-Za-z0-9])"
                out = out.replacingOccurrences(of: pattern, with: "<redacted>", options: .regularExpression)
            }
        }
        return out
    }

    /// `Redactor(secrets).scrub(text)`, for a text scrubbed once.
    public static func scrub(_ text: String, _ secrets: [String]) -> String { Redactor(secrets).scrub(text) }

    /// The password of a URL's userinfo (`https://user:password@host/`), raw and
    /// percent-decoded; none when the URL has no password.
    public static func userinfoPassword(of url: String) -> [String] {
        guard let scheme = url.range(of: "://") else { return [] }
        let rest = url[scheme.upperBound...]
        let authority = rest.prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        guard let at = authority.lastIndex(of: "@") else { return [] }
        let userinfo = authority[..<at]
        guard let colon = userinfo.firstIndex(of: ":") else { return [] }
        let raw = String(userinfo[userinfo.index(after: colon)...])
        guard !raw.isEmpty else { return [] }
        if let decoded = raw.removingPercentEncoding, decoded != raw { return [raw, decoded] }
        return [raw]
    }

    /// What a DSN carries that is secret, even when libpq cannot parse it: the URI userinfo's
    /// password (raw and percent-decoded) and a `password=` keyword's value.
    public static func dsnPasswords(of dsn: String) -> [String] {
        var found = userinfoPassword(of: dsn)
        if let r = dsn.range(of: #"password\s*=\s*('([^'\\]|\\.)*'|[^\s&]+)"#, options: .regularExpression) {
            var value = String(dsn[r].drop(while: { $0 != "=" }).dropFirst()).trimmingCharacters(in: .whitespaces)
            if value.hasPrefix("'") && value.hasSuffix("'") && value.count >= 2 { value = String(value.dropFirst().dropLast()) }
            found.append(value)
        }
        return found.filter { !$0.isEmpty }
    }
}
