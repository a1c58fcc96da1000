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
    }

    /// A crowd this large, once mostly gone, is worth handing its memory back for.
    static let crowd = 512

    private let state: Mutex<State>

    init(limits: ServingLimits) {
        state = Mutex(State(table: ConnectionTable(limit: limits.maxConnections, perClientLimit: limits.maxConnectionsPerClient)))
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

    func set(_ channel: any Channel, _ phase: ConnectionPhase) {
        state.withLock { $0.table.set(ObjectIdentifier(channel), phase) }
    }

    func remove(_ channel: any Channel) {
        let id = ObjectIdentifier(channel)
        let crowdLeft = state.withLock { s in
            s.table.remove(id)
            s.channels.removeValue(forKey: id)
            guard s.highWater >= Self.crowd, s.table.count <= s.highWater / 8 else { return false }
            s.highWater = s.table.count
            return true
        }
        // After a flood the allocator keeps the freed pages of thousands of connections; a pod
        // with a memory limit must get them back, or each flood ratchets RSS up for good.
        // Rare (once per crowd), so the walk over the heap costs nothing in steady state.
        if crowdLeft { _ = vitals_trim_heap() }
    }

    var count: Int { state.withLock { $0.table.count } }

    func closeAll() {
        for c in state.withLock({ Array($0.channels.values) }) { c.close(promise: nil) }
    }
}
