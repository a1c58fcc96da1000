import ArgumentParser
import VitalsCore

/// `--shard I/N`: this replica watches the components whose stable name hash falls in bucket I
/// of N (`StableHash`: the same on every replica and every run).
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
        Int(StableHash.of(name) % UInt64(count)) == index
    }
}
