/// `--shard I/N`: this replica watches the components whose stable name hash falls in bucket I
/// of N (`StableHash`: the same on every replica and every run).
public struct Shard: Sendable, Equatable, CustomStringConvertible {
    public var index: Int
    public var count: Int

    /// `I/N` with 0 <= I < N; nil otherwise (the command line's parser).
    public init?(argument: String) {
        let parts = argument.split(separator: "/")
        guard parts.count == 2, let i = Int(parts[0]), let n = Int(parts[1]), n >= 1, i >= 0, i < n else { return nil }
        index = i
        count = n
    }

    public var description: String { "\(index)/\(count)" }

    public func owns(_ name: String) -> Bool {
        Int(StableHash.of(name) % UInt64(count)) == index
    }
}
