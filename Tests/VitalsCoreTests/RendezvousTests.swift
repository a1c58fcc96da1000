import Testing
@testable import VitalsCore

/// Rendezvous assignment (spec section 14): agreement, spread, and minimal movement.
struct RendezvousTests {
    static let components = (0..<30_000).map { "component-\($0)" }

    func owners(_ r: Rendezvous) -> [String: String] {
        Dictionary(uniqueKeysWithValues: Self.components.map { ($0, r.owner(of: $0)!) })
    }

    @Test func everyMemberAgreesWhateverTheOrder() {
        let a = Rendezvous(members: ["m-1", "m-2", "m-3"])
        let b = Rendezvous(members: ["m-3", "m-1", "m-2", "m-1"])
        #expect(a == b)
        #expect(a.members == ["m-1", "m-2", "m-3"])
        for c in Self.components.prefix(1000) { #expect(a.owner(of: c) == b.owner(of: c)) }
        #expect(Rendezvous(members: []).owner(of: "x") == nil)
        #expect(Rendezvous(members: ["only"]).share(of: "only", in: ["a", "b"]) == ["a", "b"])
    }

    @Test func theSpreadIsEvenWithinFivePercent() {
        for n in [2, 3, 5, 8] {
            let r = Rendezvous(members: (0..<n).map { "member-\($0)-\(n * 7919)" })
            var counts: [String: Int] = [:]
            for owner in owners(r).values { counts[owner, default: 0] += 1 }
            let fair = Double(Self.components.count) / Double(n)
            #expect(counts.count == n)
            for (member, count) in counts {
                #expect(abs(Double(count) - fair) < fair * 0.05, "\(member) has \(count) of \(Self.components.count), fair is \(fair)")
            }
        }
    }

    @Test func aMemberLeavingMovesOnlyItsOwn() {
        let before = owners(Rendezvous(members: ["a", "b", "c"]))
        let after = owners(Rendezvous(members: ["a", "c"]))
        for c in Self.components where before[c] != after[c] {
            #expect(before[c] == "b", "\(c) moved from \(before[c]!) though b left")
        }
        // And b's all went somewhere, about evenly.
        let moved = Self.components.filter { before[$0] == "b" }
        let toA = moved.filter { after[$0] == "a" }.count
        #expect(abs(Double(toA) / Double(moved.count) - 0.5) < 0.05)
    }

    @Test func aMemberJoiningTakesAFairShareFromEveryone() {
        let before = owners(Rendezvous(members: ["a", "b", "c"]))
        let after = owners(Rendezvous(members: ["a", "b", "c", "d"]))
        let moved = Self.components.filter { before[$0] != after[$0] }
        for c in moved { #expect(after[c] == "d", "\(c) moved from \(before[c]!) to \(after[c]!), not to the new member") }
        #expect(abs(Double(moved.count) / Double(Self.components.count) - 0.25) < 0.02)
        for old in ["a", "b", "c"] {
            let lost = moved.filter { before[$0] == old }.count
            #expect(abs(Double(lost) / Double(moved.count) - 1.0 / 3) < 0.05, "\(old) gave \(lost) of \(moved.count)")
        }
    }
}
