import Foundation
import Synchronization
import VitalsConfig
import VitalsCore

/// This member's standing in a fleet (spec section 14): the live members it last saw, who
/// probes what among those of its location (`Rendezvous`), and whether it is fenced.
///
/// A member starts fenced (it owns nothing until its first renewal) and fences itself again when
/// it has not renewed for two thirds of the lease by its own monotonic clock, counted from
/// when the last good renewal was *sent*, which is before the database stamped it: so it stops
/// probing and alerting before the others can see its lease run out and take over.
public final class Fleet: Sendable {
    public let member: String
    public let location: String
    public let lease: Duration

    struct State {
        var roster: [FleetMember] = []
        var assignment = Rendezvous(members: [])
        var fenced = true
        var started: Date = .distantPast
        var configHash = ""
        var owned = 0
        var handovers = 0
        var queries = 0
    }
    private let state = Mutex(State())

    public init(member: String, spec: FleetSpec) {
        self.member = member
        location = spec.location
        lease = spec.lease
    }

    /// A member id: the host name (a pod's name) and a random part, new on every start.
    public static func newMemberID() -> String {
        let host = ProcessInfo.processInfo.hostName.split(separator: ".").first.map(String.init) ?? "vitals"
        return "\(host)-\(String(UInt32.random(in: .min ... .max), radix: 16))"
    }

    /// How often the lease is renewed.
    public var renewEvery: Duration { lease / 3 }
    /// How long after the last good renewal was sent this member fences itself.
    public var fenceAfter: Duration { lease * 2 / 3 }

    /// Whether this member probes (and evaluates the rules of) `component` now.
    public func owns(_ component: ComponentSpec) -> Bool {
        guard FleetSpec.probes(component, from: location) else { return false }
        return state.withLock { !$0.fenced && $0.assignment.owns(member, component.name) }
    }

    public var isFenced: Bool { state.withLock { $0.fenced } }

    /// What this member says of itself at its next renewal.
    func me() -> FleetMember {
        state.withLock { s in
            FleetMember(id: member, location: location, configHash: s.configHash, started: s.started, renewedAt: s.started, lease: lease, components: s.owned)
        }
    }

    public func setConfigHash(_ hash: String) { state.withLock { $0.configHash = hash } }
    public func setOwned(_ count: Int) { state.withLock { $0.owned = count } }
    func countQuery() { state.withLock { $0.queries += 1 } }

    /// A renewal went through: the live members as the database saw them. Returns whether who
    /// probes what may have changed.
    func renewed(_ roster: FleetRoster) -> Bool {
        state.withLock { s in
            let here = roster.members.filter { $0.location == location }.map(\.id)
            let assignment = Rendezvous(members: here)
            let changed = s.fenced || assignment != s.assignment
            s.roster = roster.members
            s.assignment = assignment
            s.fenced = false
            if s.started == .distantPast { s.started = roster.members.first { $0.id == member }?.started ?? roster.databaseNow }
            return changed
        }
    }

    /// Stops probing and alerting: returns whether it was not fenced before.
    func fence() -> Bool {
        state.withLock { s in
            defer { s.fenced = true }
            return !s.fenced
        }
    }

    /// Counts components that came to this member from another (a failover or a rebalance).
    public func countHandovers(_ n: Int) { state.withLock { $0.handovers += n } }

    /// The members this member last saw (its own entry with its own count), for `/api/v1/fleet`.
    public var roster: [FleetMember] { state.withLock { $0.roster } }

    /// `/api/v1/fleet`.
    public func json() -> String {
        let (roster, fenced) = state.withLock { ($0.roster, $0.fenced) }
        var out = "{\"member\":\(JSONString.quoted(member)),\"location\":\(JSONString.quoted(location)),\"fenced\":\(fenced),"
        out += "\"lease_seconds\":\(lease.seconds),\"members\":["
        out += roster.map { m in
            "{\"id\":\(JSONString.quoted(m.id)),\"location\":\(JSONString.quoted(m.location)),\"config_hash\":\(JSONString.quoted(m.configHash)),"
                + "\"started\":\(JSONString.quoted(RFC3339.milliseconds(m.started))),\"renewed_at\":\(JSONString.quoted(RFC3339.milliseconds(m.renewedAt))),"
                + "\"lease_seconds\":\(m.lease.seconds),\"components\":\(m.components)}"
        }.joined(separator: ",")
        return out + "]}"
    }

    /// `vitals_fleet_members{location}`, `vitals_fleet_owned_components`, `vitals_fleet_handover_total`,
    /// `vitals_fleet_fenced`, `vitals_fleet_membership_queries_total`.
    public func metricsText() -> String {
        let s = state.withLock { $0 }
        var byLocation: [String: Int] = [location: 0]
        for m in s.roster { byLocation[m.location, default: 0] += 1 }
        var m = PrometheusText()
        m.family("vitals_fleet_members", "gauge", "Live fleet members this member sees, by location.")
        for (loc, n) in byLocation.sorted(by: { $0.key < $1.key }) { m.sample("vitals_fleet_members", [("location", loc)], Double(n)) }
        m.family("vitals_fleet_owned_components", "gauge", "Components this member probes now.")
        m.sample("vitals_fleet_owned_components", [], Double(s.fenced ? 0 : s.owned))
        m.family("vitals_fleet_handover_total", "counter", "Components this member took over from another member.")
        m.sample("vitals_fleet_handover_total", [], Double(s.handovers))
        m.family("vitals_fleet_fenced", "gauge", "1 while this member could not renew its lease and probes nothing.")
        m.sample("vitals_fleet_fenced", [], s.fenced ? 1 : 0)
        m.family("vitals_fleet_membership_queries_total", "counter", "Membership statements this member sent to PostgreSQL.")
        m.sample("vitals_fleet_membership_queries_total", [], Double(s.queries))
        return m.out
    }
}
