import Foundation

/// One member of a fleet as the database holds it (spec section 14).
public struct FleetMember: Sendable, Equatable {
    public var id: String
    public var location: String
    /// Which config the member runs (`/api/v1/fleet`: members running different configs show it).
    public var configHash: String
    public var started: Date
    /// The database's time of its last renewal: leases never depend on a member's own clock.
    public var renewedAt: Date
    public var lease: Duration
    /// How many components it said it probes at its last renewal.
    public var components: Int

    public init(id: String, location: String, configHash: String, started: Date, renewedAt: Date, lease: Duration, components: Int) {
        self.id = id
        self.location = location
        self.configHash = configHash
        self.started = started
        self.renewedAt = renewedAt
        self.lease = lease
        self.components = components
    }

    /// When its lease runs out, in the database's time.
    public var expires: Date { renewedAt.addingTimeInterval(lease.seconds) }
}

/// The live members after a renewal, and the database's time then.
public struct FleetRoster: Sendable, Equatable {
    public var members: [FleetMember]
    public var databaseNow: Date
}

extension PostgresStorage {
    /// Renews `member`'s lease (or joins it) and returns every live member: those whose
    /// `renewed_at + lease` is after the database's `now()`. One statement: the upsert, the
    /// read, and the removal of members gone for an hour. The read sees the table as it was
    /// before this statement's own upsert, so the member itself is put in with the database's
    /// time. Nil when the database did not answer within `timeout`.
    public func renewMembership(_ me: FleetMember, timeout: Duration) async -> FleetRoster? {
        let q = PGText.literal
        let sql = """
            WITH gone AS (DELETE FROM fleet_members WHERE renewed_at < now() - interval '1 hour'),
            up AS (INSERT INTO fleet_members (member, location, config_hash, started_at, renewed_at, lease_seconds, components)
                VALUES (\(q(me.id)), \(q(me.location)), \(q(me.configHash)), now(), now(), \(PGText.number(me.lease.seconds)), \(me.components))
                ON CONFLICT (member) DO UPDATE SET renewed_at = now(), location = EXCLUDED.location, config_hash = EXCLUDED.config_hash,
                    lease_seconds = EXCLUDED.lease_seconds, components = EXCLUDED.components)
            SELECT member, location, config_hash, extract(epoch FROM started_at), extract(epoch FROM renewed_at), lease_seconds, components,
                extract(epoch FROM now())
            FROM fleet_members WHERE renewed_at + lease_seconds * interval '1 second' > now() AND member <> \(q(me.id))
            UNION ALL SELECT NULL, NULL, NULL, NULL, NULL, NULL, NULL, extract(epoch FROM now())
            """
        guard case .success(let rows) = await fleetLink.query(sql, timeout: timeout) else { return nil }
        var members: [FleetMember] = []
        var now: Date?
        for row in rows where row.count == 8 {
            guard let n = row[7].flatMap(Double.init) else { continue }
            now = Date(timeIntervalSince1970: n)
            guard let id = row[0], let location = row[1], let hash = row[2], let started = row[3].flatMap(Double.init),
                let renewed = row[4].flatMap(Double.init), let lease = row[5].flatMap(Double.init), let count = row[6].flatMap({ Int($0) })
            else { continue }
            members.append(FleetMember(
                id: id, location: location, configHash: hash, started: Date(timeIntervalSince1970: started),
                renewedAt: Date(timeIntervalSince1970: renewed), lease: .milliseconds(Int64(lease * 1000)), components: count))
        }
        guard let now else { return nil }
        var mine = me
        mine.renewedAt = now
        if mine.started == .distantPast { mine.started = now }
        members.append(mine)
        return FleetRoster(members: members.sorted { $0.id < $1.id }, databaseNow: now)
    }

    /// Leaves the fleet at once (SIGTERM): the others take its components over at their next look.
    public func leaveFleet(member: String, timeout: Duration) async -> Bool {
        if case .success = await fleetLink.query("DELETE FROM fleet_members WHERE member = \(PGText.literal(member))", timeout: timeout) {
            return true
        }
        return false
    }
}
