import ArgumentParser

/// `--shard I/N`: this replica watches the components whose stable name hash falls in bucket I
/// of N. The hash is FNV-1a over the name's bytes: the same on every replica and every run,
/// unlike Swift's per-process seeded `hashValue`.
struct Shard: ExpressibleByArgument, Equatable, CustomStringConvertible {
    var index: Int
    var count: Int

    init?(argument: String) {
        let parts = argument.split(separator: "/")
        guard parts.count == 2, let i = Int(parts[0]), let n = Int(parts[1]), n >= 1, i >= 0, i < n else { return nil }
        index = i
        count = n
    }

    var description: String { "\(index)/\(count)" }

    func owns(_ name: String) -> Bool {
        Int(Self.fnv1a(name) % UInt64(count)) == index
    }

    static func fnv1a(_ s: String) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in s.utf8 {
            h ^= UInt64(b)
            h = h &* 0x100_0000_01b3
        }
        return h
    }
}
