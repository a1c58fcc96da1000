import CVitalsSystem
import NIOCore
import Synchronization

/// The server's open connections: the `ConnectionTable` behind a lock (connections are
/// accepted on every event loop), plus the channels themselves to close an evicted one and
/// all of them at shutdown.
final class Connections: Sendable {
    private struct State: Sendable {
        var table: ConnectionTable<ObjectIdentifier>
        var channels: [ObjectIdentifier: any Channel] = [:]
        /// Most connections open at once since memory was last given back.
        var highWater = 0
        /// Connections have stalled since memory was last given back.
        var stalledSinceTrim = false
        /// A trim is scheduled (at most one at a time, so at most one a `trimDelay`).
        var trimScheduled = false
    }

    /// How long after the last stalled connection goes the heap is trimmed: one trim for a
    /// whole wave of flood connections closing, and at most one a second however they cycle.
    static let trimDelay = TimeAmount.seconds(1)

    /// A crowd this large, once mostly gone, is worth handing its memory back for.
    static let crowd = 512

    private let state: Mutex<State>

    init(limits: ServingLimits) {
        state = Mutex(
            State(
                table: ConnectionTable(
                    limit: limits.maxConnections, perClientLimit: limits.maxConnectionsPerClient,
                    stalledLimit: limits.maxStalledConnections)))
    }

    /// Admits `channel` or says no; a connection pushed out to make room is closed here.
    func admit(_ channel: any Channel) -> Bool {
        let client = channel.remoteAddress?.ipAddress ?? "unknown"
        let id = ObjectIdentifier(channel)
        let (admission, evicted): (ConnectionTable<ObjectIdentifier>.Admission, (any Channel)?) = state.withLock { s in
            let admission = s.table.admit(id, client: client)
            var evicted: (any Channel)?
            if case .admittedEvicting(let victim) = admission { evicted = s.channels.removeValue(forKey: victim) }
            if admission != .refused { s.channels[id] = channel }
            s.highWater = max(s.highWater, s.table.count)
            return (admission, evicted)
        }
        evicted?.close(promise: nil)
        return admission != .refused
    }

    /// The connection's phase; one stalled past the cap of stalled connections makes the one
    /// stalled longest close.
    func set(_ channel: any Channel, _ phase: ConnectionPhase) {
        let evicted: (any Channel)? = state.withLock { s in
            if phase == .stalled { s.stalledSinceTrim = true }
            guard let victim = s.table.set(ObjectIdentifier(channel), phase) else { return nil }
            return s.channels.removeValue(forKey: victim)
        }
        evicted?.close(promise: nil)
    }

    func remove(_ channel: any Channel) {
        let id = ObjectIdentifier(channel)
        enum Trim { case none, now, later }
        let trim: Trim = state.withLock { s in
            s.table.remove(id)
            s.channels.removeValue(forKey: id)
            if s.highWater >= Self.crowd, s.table.count <= s.highWater / 8 {
                s.highWater = s.table.count
                return .now
            }
            guard s.stalledSinceTrim, s.table.stalledCount == 0, !s.trimScheduled else { return .none }
            s.trimScheduled = true
            return .later
        }
        // After a flood the allocator keeps the freed pages of thousands of connections (or the
        // answers stalled connections held); a pod with a memory limit must get them back, or
        // each flood ratchets RSS up for good. Rare (once per crowd, at most once a second after
        // stalled clients), so the walk over the heap costs nothing in steady state.
        switch trim {
        case .none: return
        case .now: _ = vitals_trim_heap()
        case .later:
            channel.eventLoop.scheduleTask(in: Self.trimDelay) { [self] in
                state.withLock { s in
                    s.trimScheduled = false
                    s.stalledSinceTrim = s.table.stalledCount > 0
                }
                _ = vitals_trim_heap()
            }
        }
    }

    var count: Int { state.withLock { $0.table.count } }
    var stalledCount: Int { state.withLock { $0.table.stalledCount } }

    func closeAll() {
        for c in state.withLock({ Array($0.channels.values) }) { c.close(promise: nil) }
    }
}
