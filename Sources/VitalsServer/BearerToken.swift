import VitalsConfig

/// Checks `Authorization: Bearer <token>` in constant time, so response timing does not tell
/// an attacker how many leading bytes of a guess were right.
struct BearerToken: Sendable {
    private let expected: [UInt8]

    init(_ secret: Secret) { expected = Array(secret.value.utf8) }

    func accepts(authorization header: String?) -> Bool {
        guard let header else { return false }
        let prefix = "bearer "
        guard header.count > prefix.count, header.prefix(prefix.count).lowercased() == prefix else { return false }
        let given = Array(header.dropFirst(prefix.count).trimmingCharacters(in: " ").utf8)
        var diff = UInt8(given.count == expected.count ? 0 : 1)
        // Compare over the expected length whatever the given length is.
        for i in 0..<expected.count {
            diff |= expected[i] ^ (i < given.count ? given[i] : 0)
        }
        return diff == 0
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
