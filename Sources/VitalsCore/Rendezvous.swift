/// Who probes what in a fleet (spec section 14): rendezvous (highest-random-weight) hashing.
/// Each component goes to the member with the highest weight for the pair (member, component),
/// a `StableHash` mix that is the same on every member and every run. So every member that sees
/// the same live members agrees on every owner without talking, and a change of members moves
/// only the components that must move: those of a member that left, and a fair share to one
/// that joined, never one between two members that both stay.
public struct Rendezvous: Sendable, Equatable {
    /// The members, sorted and without repeats.
    public let members: [String]
    private let seeds: [UInt64]

    public init(members: some Sequence<String>) {
        self.members = Array(Set(members)).sorted()
        seeds = self.members.map(StableHash.of)
    }

    /// The member that probes `component`; nil when there is no member.
    public func owner(of component: String) -> String? {
        let h = StableHash.of(component)
        var best: (weight: UInt64, index: Int)?
        for (i, seed) in seeds.enumerated() {
            let w = StableHash.mix(seed, h)
            // Ties (one in 2^64) go to the member sorting first, on every member alike.
            if best.map({ w > $0.weight }) ?? true { best = (w, i) }
        }
        return best.map { members[$0.index] }
    }

    /// Whether `member` probes `component`.
    public func owns(_ member: String, _ component: String) -> Bool { owner(of: component) == member }

    /// The components of `names` that `member` probes.
    public func share(of member: String, in names: some Sequence<String>) -> [String] {
        names.filter { owns(member, $0) }
    }
}
