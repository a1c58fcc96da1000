import Testing
@testable import VitalsCore

struct PlannedStartsTests {
    @Test func popsEarliestFirst() {
        var generator = SystemRandomNumberGenerator()
        var queue = PlannedStarts<Int>()
        let instants = (0..<500).map { _ in Int.random(in: 0..<100, using: &generator) }
        for (i, at) in instants.enumerated() { queue.push(.init(at: at, name: "c\(i)", token: UInt64(i))) }
        #expect(queue.count == 500)
        #expect(queue.earliest?.at == instants.min())
        var popped: [Int] = []
        while let e = queue.popEarliest() { popped.append(e.at) }
        #expect(popped == instants.sorted())
        #expect(queue.earliest == nil)
    }
}
