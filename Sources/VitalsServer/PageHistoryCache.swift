import Foundation
import Synchronization

/// The status page's long history (90 days of daily roll-ups, a day of hourly ones, incidents),
/// read from storage at most every `refreshAfter` seconds and shown up to `maxAge` old.
///
/// What changes by the second (statuses, since, incidents now, the last checks) comes from the
/// live snapshot on every request; the strips and uptime figures are hours and days, which a
/// read a few seconds old shows as well. A read for 1,000 components walks some 100,000
/// roll-ups (about 150 ms with SQLite here): done on every request of every open status page,
/// refreshing every 30 s, it would be most of the page's cost. Past `refreshAfter` the cached
/// history is still answered and one read runs in the background; past `maxAge`, or for other
/// components (a reload), the request waits for a fresh read. A read storage could not answer
/// is shown as such (`StatusHistory.unavailable`) but never kept: the next request reads again.
final class PageHistoryCache: Sendable {
    typealias Read = @Sendable (_ components: [String], _ now: Date) async -> StatusHistory

    let refreshAfter: TimeInterval
    let maxAge: TimeInterval

    private struct State {
        var names: [String] = []
        var history: StatusHistory?
        var readAt = Date.distantPast
        /// The background read under way, for tests to wait for.
        var refresh: Task<Void, Never>?
    }
    private let state = Mutex(State())

    init(refreshAfter: TimeInterval = 30, maxAge: TimeInterval = 120) {
        self.refreshAfter = refreshAfter
        self.maxAge = maxAge
    }

    func history(components names: [String], now: Date, read: @escaping Read) async -> StatusHistory {
        let cached: StatusHistory? = state.withLock { s in
            guard let h = s.history, s.names == names, now >= s.readAt, now.timeIntervalSince(s.readAt) < maxAge else { return nil }
            if now.timeIntervalSince(s.readAt) >= refreshAfter && s.refresh == nil {
                s.refresh = Task { [self] in
                    let fresh = await read(names, now)
                    state.withLock { s in
                        s.refresh = nil
                        if s.names == names, fresh.unavailable == nil { (s.history, s.readAt) = (fresh, now) }
                    }
                }
            }
            return h
        }
        if let cached { return cached }
        let fresh = await read(names, now)
        if fresh.unavailable == nil { state.withLock { s in (s.names, s.history, s.readAt) = (names, fresh, now) } }
        return fresh
    }

    /// Waits for the background read, if one is under way (tests).
    func settle() async { await state.withLock { $0.refresh }?.value }
}
