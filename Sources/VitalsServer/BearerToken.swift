import VitalsConfig

/// Checks `Authorization: Bearer <token>` in constant time, so response timing does not tell
/// an attacker how many leading bytes of a guess were right.
struct BearerToken: Sendable {
    private let expected: [UInt8]

    init(_ secret: Secret) { expected = Array(secret.value.utf8) }

    func accepts(authorization header: String?) -> Bool {
        guard let given = Self.token(of: header) else { return false }
        return Self.same(Array(given.utf8), expected)
    }

    /// A token as given (a push's `?token=`), compared the same way.
    func accepts(token: String) -> Bool { Self.same(Array(token.utf8), expected) }

    /// In time that depends on the expected length only, not on where the first difference is.
    static func same(_ given: [UInt8], _ expected: [UInt8]) -> Bool {
        var diff = UInt8(given.count == expected.count ? 0 : 1)
        // Compare over the expected length whatever the given length is.
        for i in 0..<expected.count {
            diff |= expected[i] ^ (i < given.count ? given[i] : 0)
        }
        return diff == 0
    }

    /// The token of `Authorization: Bearer TOKEN`, or nil for another scheme.
    static func token(of header: String?) -> String? {
        guard let header else { return nil }
        let prefix = "bearer "
        guard header.count > prefix.count, header.prefix(prefix.count).lowercased() == prefix else { return nil }
        return String(header.dropFirst(prefix.count).trimmingCharacters(in: " "))
    }
}

private extension Substring {
    func trimmingCharacters(in set: Character) -> Substring {
        var s = self
        while s.first == set { s.removeFirst() }
        while s.last == set { s.removeLast() }
        return s
    }
}
