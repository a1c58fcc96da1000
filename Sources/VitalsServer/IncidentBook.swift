import Foundation
import VitalsCore

/// The incidents and announcements people posted, held in memory and written through to the
/// storage backend's state (namespace `incidents`, one JSON blob per incident), so they survive
/// a restart with SQLite or PostgreSQL and last the run with memory storage. An actor: posts
/// come in from any connection, and each is stored before it counts (a storage error leaves
/// nothing half-stored: the post is refused and memory is unchanged).
public actor IncidentBook {
    public static let namespace = "incidents"
    /// The most incidents kept: when full, the oldest resolved one makes room; when every kept
    /// one is open, a post is refused (a client cannot grow the state without end).
    public static let capacity = 1000
    /// Resolved incidents shown as past on the pages.
    public static let pastDays = 14.0

    let storage: (any Storage)?
    private var incidents: [Int: PostedIncident] = [:]
    private var nextID = 1
    private var loaded = false

    public init(storage: (any Storage)?) {
        self.storage = storage
    }

    /// Reads back what storage kept (a blob that does not decode is skipped, not fatal); the
    /// daemon calls it at start, beside the other state it restores. Until one read succeeds,
    /// it is tried again by each post (which must not reuse an id) and by the API's list; the
    /// pages and feeds never wait on it: they show what is in memory, so a database that stops
    /// answering costs them nothing. Returns whether what storage kept is in memory.
    @discardableResult
    public func load() async -> Bool {
        guard !loaded else { return true }
        guard let storage else {
            loaded = true
            return true
        }
        guard let blobs = try? await storage.all(namespace: Self.namespace) else { return false }
        loaded = true
        let decoder = JSONDecoder()
        for (_, data) in blobs {
            guard let incident = try? decoder.decode(PostedIncident.self, from: data) else { continue }
            incidents[incident.id] = incident
            nextID = max(nextID, incident.id + 1)
        }
        return true
    }

    public enum Refusal: Error, Equatable {
        case unknown
        case full(String)
        case storage(String)
    }

    public func create(_ draft: PostedIncident) async -> Result<PostedIncident, Refusal> {
        guard await load() else { return .failure(Self.unread) }
        var incident = draft
        incident.id = nextID
        var evicted: Int?
        if incidents.count >= Self.capacity {
            guard let oldest = incidents.values.filter(\.isResolved).min(by: { $0.updatedAt < $1.updatedAt }) else {
                return .failure(.full("\(Self.capacity) incidents are open: resolve some first"))
            }
            evicted = oldest.id
        }
        if let refused = await store(incident) { return .failure(refused) }
        nextID += 1
        incidents[incident.id] = incident
        if let evicted {
            incidents[evicted] = nil
            try? await storage?.remove(namespace: Self.namespace, key: String(evicted))
        }
        return .success(incident)
    }

    public func addUpdate(_ id: Int, _ update: PostedIncident.Update) async -> Result<PostedIncident, Refusal> {
        guard await load() else { return .failure(Self.unread) }
        guard var incident = incidents[id] else { return .failure(.unknown) }
        guard incident.updates.count < PostedIncident.maxUpdates else {
            return .failure(.full("incident \(id) has \(PostedIncident.maxUpdates) updates, the most one keeps: post a new incident"))
        }
        incident.updates.append(update)
        if let refused = await store(incident) { return .failure(refused) }
        incidents[id] = incident
        return .success(incident)
    }

    /// What a post refused while storage's incidents could not be read is told.
    static let unread = Refusal.storage("storage's incidents could not be read (see the log); nothing was stored")

    /// Newest first; the API's list tries storage first if it was not read yet.
    public func all() async -> [PostedIncident] {
        await load()
        return inMemory()
    }

    /// Newest first, from memory only: what the pages and feeds show.
    public func inMemory() -> [PostedIncident] {
        incidents.values.sorted { $0.createdAt != $1.createdAt ? $0.createdAt > $1.createdAt : $0.id > $1.id }
    }

    /// What a page shows: open incidents and announcements, and those resolved in the last 14
    /// days, newest first.
    public func forPage(_ slug: String?, now: Date) async -> (open: [PostedIncident], past: [PostedIncident]) {
        let shown = inMemory().filter { $0.shows(onPage: slug) }
        let since = now.addingTimeInterval(-Self.pastDays * 86_400)
        return (shown.filter { !$0.isResolved }, shown.filter { $0.isResolved && $0.updatedAt >= since })
    }

    private func store(_ incident: PostedIncident) async -> Refusal? {
        guard let storage else { return nil }
        do {
            try await storage.put(namespace: Self.namespace, key: String(incident.id), value: try JSONEncoder().encode(incident))
            return nil
        } catch {
            return .storage("storage did not take the incident (see the log); nothing was stored")
        }
    }
}
