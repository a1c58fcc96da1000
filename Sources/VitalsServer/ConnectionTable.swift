/// Who holds the server's connections, and whom to let go when a new one needs room.
///
/// The total cap protects the process (descriptors, memory); the per-client cap keeps one
/// address from pushing out everyone else's connections. A cap alone turns a flood of slow or
/// idle connections into a refusal of kubelet's probe, so a newcomer that meets a full cap takes
/// the place of the connection that has waited longest on its client (idle between requests, or
/// a request still trickling in); with the per-client cap full, only that client's own
/// connections are candidates. Connections being answered are never pushed out: if every
/// candidate is being answered, the newcomer is refused.
///
/// Stalled connections (clients that do not read their answers) are also capped all together,
/// at `stalledLimit`: each may hold up to a write high water mark plus one answer plus one
/// read's worth of decoded requests (`HealthServer.Buffers`), so the cap is what bounds the
/// memory all of them hold together. When one more stalls past the cap, the connection that
/// has been stalled longest is let go. A plain value: the server wraps it in a lock and closes
/// what `admit` and `set` name.
struct ConnectionTable<ID: Hashable & Sendable>: Sendable {
    enum Admission: Equatable, Sendable {
        case admitted
        /// Admitted in place of this connection, which the caller closes.
        case admittedEvicting(ID)
        case refused
    }

    private struct Entry: Sendable {
        var client: String
        var phase: ConnectionPhase
        /// Order in which connections began waiting on their client: lower waited longer.
        var waitingSince: UInt64
        /// Order in which connections stalled: lower stalled first.
        var stalledSince: UInt64 = 0
    }

    let limit: Int
    let perClientLimit: Int
    let stalledLimit: Int
    private var entries: [ID: Entry] = [:]
    private var perClient: [String: Int] = [:]
    private var tick: UInt64 = 0
    private(set) var stalledCount = 0

    init(limit: Int, perClientLimit: Int, stalledLimit: Int = 64) {
        self.limit = max(1, limit)
        self.perClientLimit = max(1, min(perClientLimit, limit))
        self.stalledLimit = max(1, stalledLimit)
    }

    var count: Int { entries.count }
    func count(of client: String) -> Int { perClient[client, default: 0] }
    func phase(of id: ID) -> ConnectionPhase? { entries[id]?.phase }

    /// A new connection from `client`, which owes its first request.
    mutating func admit(_ id: ID, client: String) -> Admission {
        var evicted: ID?
        if perClient[client, default: 0] >= perClientLimit {
            guard let victim = longestWaiting(from: client) else { return .refused }
            evicted = victim
        } else if entries.count >= limit {
            guard let victim = longestWaiting(from: nil) else { return .refused }
            evicted = victim
        }
        if let victim = evicted { remove(victim) }
        tick += 1
        entries[id] = Entry(client: client, phase: .receiving, waitingSince: tick)
        perClient[client, default: 0] += 1
        return evicted.map { .admittedEvicting($0) } ?? .admitted
    }

    /// The connection moved on in its cycle; unknown (already removed) ones are ignored. When
    /// it stalls with `stalledLimit` others stalled, the one stalled longest is removed and
    /// returned, for the caller to close.
    @discardableResult
    mutating func set(_ id: ID, _ phase: ConnectionPhase) -> ID? {
        guard var entry = entries[id], entry.phase != phase else { return nil }
        if phase.isWaitingOnClient, !entry.phase.isWaitingOnClient {
            tick += 1
            entry.waitingSince = tick
        }
        var evicted: ID?
        if phase == .stalled {
            if stalledCount >= stalledLimit, let victim = longestStalled() {
                remove(victim)
                evicted = victim
            }
            tick += 1
            entry.stalledSince = tick
            stalledCount += 1
        } else if entry.phase == .stalled {
            stalledCount -= 1
        }
        entry.phase = phase
        entries[id] = entry
        return evicted
    }

    /// The connection closed (or was evicted); removing twice is harmless.
    mutating func remove(_ id: ID) {
        guard let entry = entries.removeValue(forKey: id) else { return }
        if entry.phase == .stalled { stalledCount -= 1 }
        let left = perClient[entry.client, default: 1] - 1
        perClient[entry.client] = left > 0 ? left : nil
    }

    /// The connection (of `client`, or of anyone) that has waited longest on its client.
    private func longestWaiting(from client: String?) -> ID? {
        var best: (id: ID, since: UInt64)?
        for (id, e) in entries where e.phase.isWaitingOnClient && (client == nil || e.client == client) {
            if let b = best, b.since <= e.waitingSince { continue }
            best = (id, e.waitingSince)
        }
        return best?.id
    }

    /// Rare (only past the stalled cap), so a walk over the table is fine.
    private func longestStalled() -> ID? {
        var best: (id: ID, since: UInt64)?
        for (id, e) in entries where e.phase == .stalled {
            if let b = best, b.since <= e.stalledSince { continue }
            best = (id, e.stalledSince)
        }
        return best?.id
    }
}
