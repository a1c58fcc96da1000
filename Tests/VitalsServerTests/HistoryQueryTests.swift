import Foundation
import Testing
@testable import VitalsServer

/// The history and transitions query: what a client may send and what it is refused for.
struct HistoryQueryTests {
    @Test func anEmptyCursorIsTheFirstPage() throws {
        let q = try HistoryQuery.parse(Query("limit=5&cursor=")).get()
        #expect(q.until == nil)
        #expect(q.limit == 5)
    }

    @Test func aCursorThisServerGaveEndsThePageJustBeforeIt() throws {
        let last = Date(timeIntervalSince1970: 1_795_000_000.5)
        let q = try HistoryQuery.parse(Query("cursor=" + HistoryQuery.cursor(after: last))).get()
        let until = try #require(q.until)
        #expect(until < last && last.timeIntervalSince(until) < 0.000_01)
    }

    @Test func badValuesAreRefusedByName() {
        for (query, word) in [("cursor=garbage", "cursor"), ("limit=0", "limit"), ("limit=1001", "limit"), ("since=yesterday", "since")] {
            guard case .failure(let error) = HistoryQuery.parse(Query(query)) else {
                Issue.record("\(query) was accepted")
                continue
            }
            #expect(error.message.hasPrefix(word), "\(query): \(error.message)")
        }
    }
}
