import Foundation
import Testing
import VitalsTestSupport

@testable import VitalsStorage

/// A fleet on the real PostgreSQL with real daemons (spec section 14): members hold leases in
/// the database; a `kill -9`'d member's components run elsewhere within `lease + interval`,
/// a SIGTERM'd one's at once; a joining member takes about a third; a member cut off from
/// PostgreSQL fences itself before its lease runs out; `/api/v1/fleet` shows each member's
/// config. Every wait is bounded; the times measured are printed.
@Suite(.serialized, .enabled(if: TestEnvironment.serversAvailable, TestEnvironment.skipReason))
struct FleetTests {
    typealias Database = PostgresStorageTests.Database

    static let interval = 1.0

    static func body(_ db: Database, lease: String, count: Int, port: String? = nil) -> String {
        var storage = db.storageSection
        if let port { storage = storage.replacingOccurrences(of: "127.0.0.1:\(db.port)/", with: "127.0.0.1:\(port)/") }
        return "defaults: { interval: 1s, timeout: 500ms }\n" + storage + "fleet: { lease: \(lease) }\ncomponents:\n"
            + names(count).map { "  - { name: \($0), type: memory }\n" }.joined()
    }

    static func names(_ n: Int) -> [String] { (0..<n).map { "c\($0)" } }

    /// The components a member probes now: its own `/health/detailed` lists only those.
    static func owned(_ m: VitalsProcess) async -> Set<String> {
        guard let r = try? await m.get("/health/detailed"), r.status == 200, let json = jsonObject(r.body),
            let list = json["components"] as? [[String: Any]]
        else { return [] }
        return Set(list.compactMap { $0["name"] as? String })
    }

    static func metric(_ m: VitalsProcess, _ name: String) async -> Double? {
        guard let text = try? await m.get("/metrics").body else { return nil }
        return text.split(separator: "\n").first { $0.hasPrefix(name + " ") }.flatMap { Double($0.split(separator: " ").last ?? "") }
    }

    static func fleet(_ m: VitalsProcess) async -> [String: Any]? {
        guard let r = try? await m.get("/api/v1/fleet"), r.status == 200 else { return nil }
        return jsonObject(r.body)
    }

    /// Waits until every component is probed by exactly one of `members`, and each has a share.
    static func settled(_ members: [VitalsProcess], count: Int, within timeout: Duration = .seconds(30)) async throws -> [Set<String>] {
        let deadline = ContinuousClock.now + timeout
        var shares: [Set<String>] = []
        while ContinuousClock.now < deadline {
            shares = []
            for m in members { shares.append(await owned(m)) }
            let all = shares.reduce(into: [String]()) { $0 += $1 }
            if all.count == count, Set(all).count == count, shares.allSatisfy({ !$0.isEmpty }) { return shares }
            try await Task.sleep(for: .milliseconds(200))
        }
        Issue.record("the fleet did not settle: shares \(shares.map(\.count))")
        return shares
    }

    /// `n` members of one config on `db`, once they have settled.
    static func members(_ n: Int, on db: Database, lease: String, count: Int) async throws -> (members: [VitalsProcess], shares: [Set<String>]) {
        let body = Self.body(db, lease: lease, count: count)
        let members = try (0..<n).map { _ in try VitalsProcess(configBody: body) }
        return (members, try await settled(members, count: count))
    }

    static func dbNow(_ db: Database) throws -> Double { try #require(Double(try db.psql("SELECT extract(epoch FROM now())"))) }

    /// For each of `names`, the time of its first stored result after `after`.
    static func firstResults(_ db: Database, _ names: Set<String>, after: Double) throws -> [String: Double] {
        let list = names.map { "'\($0)'" }.joined(separator: ",")
        let text = try db.psql("SELECT component, min(at) FROM results WHERE at > \(after) AND component IN (\(list)) GROUP BY component")
        var out: [String: Double] = [:]
        for line in text.split(separator: "\n") {
            let parts = line.split(separator: "|")
            if parts.count == 2, let at = Double(parts[1]) { out[String(parts[0])] = at }
        }
        return out
    }

    /// Waits until each of `names` has a result stored after `after`; returns the longest wait.
    static func takenOver(_ db: Database, _ names: Set<String>, after: Double, within timeout: Duration) async throws -> Double {
        let deadline = ContinuousClock.now + timeout
        var first: [String: Double] = [:]
        while ContinuousClock.now < deadline {
            first = try firstResults(db, names, after: after)
            if first.count == names.count { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(first.count == names.count, "components never probed again: \(names.subtracting(first.keys).sorted())")
        return first.values.map { $0 - after }.max() ?? .infinity
    }

    @Test func aKilledMembersComponentsRunElsewhereWithinLeasePlusInterval() async throws {
        let db = try Database()
        defer { db.drop() }
        let lease = 3.0
        let (members, shares) = try await Self.members(3, on: db, lease: "3s", count: 90)
        defer { for m in members { m.stop() } }
        let victim = try #require(shares.first)
        #expect(!victim.isEmpty)
        for s in shares { #expect(s.count > 90 / 6, "an uneven share: \(shares.map(\.count))") }
        // Its components have been probed by it before the kill.
        _ = try await Self.takenOver(db, victim, after: try Self.dbNow(db) - 0.1, within: .seconds(5))
        let killedAt = try Self.dbNow(db)
        members[0].signal(SIGKILL)
        let longest = try await Self.takenOver(db, victim, after: killedAt, within: .seconds(20))
        print("fleet kill -9: \(victim.count) components, the last one probed again \(longest)s after the kill (lease \(lease)s + interval \(Self.interval)s)")
        // Plus the write batching (250 ms) and the taking over itself.
        #expect(longest <= lease + Self.interval + 0.5)
        let rest = try await Self.settled(Array(members[1...]), count: 90)
        #expect(rest.allSatisfy { !$0.isEmpty })
        #expect(await Self.metric(members[1], "vitals_fleet_handover_total").map { $0 > 0 } == true)
    }

    @Test func aStoppedMemberHandsOverAtOnceAndLeavesTheTable() async throws {
        let db = try Database()
        defer { db.drop() }
        let lease = 6.0
        let (members, shares) = try await Self.members(2, on: db, lease: "6s", count: 40)
        defer { for m in members { m.stop() } }
        let leaving = try #require(shares.first)
        let id = try #require(await Self.fleet(members[0])?["member"] as? String)
        let stoppedAt = try Self.dbNow(db)
        members[0].signal(SIGTERM)
        let longest = try await Self.takenOver(db, leaving, after: stoppedAt, within: .seconds(15))
        print("fleet SIGTERM: \(leaving.count) components probed again within \(longest)s (lease \(lease)s)")
        // At once: well before the lease would have run out.
        #expect(longest < lease / 3 + Self.interval + 0.5)
        #expect(await members[0].waitForExit(timeout: .seconds(15)) == 0)
        #expect(try db.psql("SELECT count(*) FROM fleet_members WHERE member = '\(id)'") == "0")
        #expect(await Self.owned(members[1]).count == 40)
    }

    @Test func aJoiningMemberTakesAboutAThirdWithinALease() async throws {
        let db = try Database()
        defer { db.drop() }
        var (members, _) = try await Self.members(2, on: db, lease: "3s", count: 90)
        defer { for m in members { m.stop() } }
        let body = Self.body(db, lease: "3s", count: 90)
        let joinedAt = try Self.dbNow(db)
        let start = ContinuousClock.now
        members.append(try VitalsProcess(configBody: body))
        let shares = try await Self.settled(members, count: 90, within: .seconds(10))
        let took = ContinuousClock.now - start
        print("fleet join: the new member took \(shares.last?.count ?? 0) of 90 in \(took)")
        #expect((18...42).contains(shares.last?.count ?? 0))
        #expect(took < .seconds(3 + 2))  // a lease, plus the new process's start
        // While they moved, no component went unprobed much longer than an interval.
        try await Task.sleep(for: .seconds(2))  // results after the move, to measure the gaps across it
        let gap = try #require(Double(try db.psql("""
            SELECT coalesce(max(gap), 0) FROM (SELECT at - lag(at) OVER (PARTITION BY component ORDER BY at) AS gap
            FROM results WHERE at > \(joinedAt - 1)) g
            """)))
        print("fleet join: the longest gap between two results of one component across the move: \(gap)s")
        #expect(gap <= 2 * Self.interval + 0.3)
    }

    @Test func aMemberCutOffFromPostgresFencesItselfBeforeItsLeaseRunsOut() async throws {
        let db = try Database()
        defer { db.drop() }
        let lease = 3.0
        let proxy = try ToggleProxy(to: try #require(Int(db.port)))
        defer { proxy.stop() }
        let cut = try VitalsProcess(configBody: Self.body(db, lease: "3s", count: 40, port: "\(proxy.port)"))
        let other = try VitalsProcess(configBody: Self.body(db, lease: "3s", count: 40))
        defer { cut.stop(); other.stop() }
        let shares = try await Self.settled([cut, other], count: 40)
        #expect(!shares[0].isEmpty)
        let cutAt = ContinuousClock.now
        let cutAtDB = try Self.dbNow(db)
        proxy.isOn = false
        var fencedAfter: Duration?
        while ContinuousClock.now - cutAt < .seconds(10) {
            if await Self.metric(cut, "vitals_fleet_fenced") == 1 {
                fencedAfter = ContinuousClock.now - cutAt
                break
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        print("fleet cut: fenced \(fencedAfter.map { "\($0)" } ?? "never") after the cut (lease \(lease)s)")
        #expect(fencedAfter.map { $0 < .seconds(lease) } == true)
        #expect(await Self.owned(cut).isEmpty)
        // The other member takes its components over once its lease has run out.
        let longest = try await Self.takenOver(db, shares[0], after: cutAtDB, within: .seconds(20))
        #expect(longest <= lease + Self.interval + 0.5)
        // The network comes back: it rejoins and takes its share back.
        proxy.isOn = true
        let back = try await Self.settled([cut, other], count: 40, within: .seconds(15))
        #expect(!back[0].isEmpty)
        #expect(await Self.metric(cut, "vitals_fleet_fenced") == 0)
    }

    @Test func membersSayWhichConfigTheyRunAndAReloadDropsNothing() async throws {
        let db = try Database()
        defer { db.drop() }
        let (members, _) = try await Self.members(2, on: db, lease: "3s", count: 30)
        defer { for m in members { m.stop() } }
        func hashes(_ from: VitalsProcess) async -> [String: String] {
            let list = (await Self.fleet(from)?["members"] as? [[String: Any]]) ?? []
            return Dictionary(list.compactMap { m in (m["id"] as? String).flatMap { id in (m["config_hash"] as? String).map { (id, $0) } } },
                uniquingKeysWith: { a, _ in a })
        }
        let before = await hashes(members[1])
        #expect(before.count == 2, "\(before)")
        let id = try #require(await Self.fleet(members[0])?["member"] as? String)
        // Member 0 gets a config with one more component (its file rewritten in place), then SIGHUP.
        let file = members[0].folder.appendingPathComponent("vitals.yaml")
        let text = try String(contentsOf: file, encoding: .utf8)
        try (text + "  - { name: extra, type: memory }\n").write(to: file, atomically: true, encoding: .utf8)
        members[0].signal(SIGHUP)
        let deadline = ContinuousClock.now + .seconds(10)
        var after: [String: String] = [:]
        while ContinuousClock.now < deadline {
            after = await hashes(members[1])
            if after[id] != nil, after[id] != before[id] { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(after[id] != before[id], "member 0's config hash did not change: \(after)")
        #expect(after.count == 2)
        // The other still runs the old one, and says so.
        #expect(after.filter { $0.key != id } == before.filter { $0.key != id })
        // Every component of the old config is still probed by one member.
        var all: [String] = []
        for m in members { all += await Self.owned(m).filter { $0 != "extra" } }
        #expect(Set(all) == Set(Self.names(30)))
    }

    /// Component alerts once for the fleet: a component's alert fires once, its owner is killed
    /// while it fires, the new owner adopts the stored state (no second firing), and the
    /// resolve comes once, from the new owner, to a real receiver.
    @Test func aComponentAlertFiresAndResolvesOnceAcrossAKill() async throws {
        let db = try Database()
        defer { db.drop() }
        let receiver = try WebhookReceiver()
        let folder = ScratchFolder()
        defer { folder.remove() }
        let state = folder.url.appendingPathComponent("exit").path
        try "0\n".write(toFile: state, atomically: true, encoding: .utf8)
        let body = Self.body(db, lease: "3s", count: 20) + """
              - { name: app, type: exec, interval: 500ms, timeout: 400ms, failure_threshold: 1, command: ["/bin/sh", "-c", "exit $(cat \(state))"] }
            notifiers: [{ name: hook, type: webhook, url: "http://127.0.0.1:\(receiver.port)/" }]
            alerts: [{ name: app-down, on: app, when: unhealthy, notify: [hook] }]

            """
        let members = try (0..<2).map { _ in try VitalsProcess(configBody: body) }
        defer { for m in members { m.stop() } }
        let shares = try await Self.settled(members, count: 21)
        let owner = try #require(shares.firstIndex { $0.contains("app") })
        let survivor = members[1 - owner]
        try "2\n".write(toFile: state, atomically: true, encoding: .utf8)
        func statuses() -> [String] { receiver.bodies.compactMap { jsonObject($0)?["status"] as? String } }
        var deadline = ContinuousClock.now + .seconds(15)
        while statuses().isEmpty, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(100)) }
        #expect(statuses() == ["firing"])
        // Killed once the owner has stored that the receiver took the firing (a kill before that
        // would have the new owner send it again, as a restart does: at least once).
        deadline = ContinuousClock.now + .seconds(10)
        func stored() throws -> String {
            try db.psql("SELECT convert_from(decode(value, 'base64'), 'UTF8') FROM state WHERE namespace = 'alerts/components'")
        }
        while try !stored().contains("\"acked\":{\"hook\""), ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(50)) }
        let saved = try stored()
        #expect(saved.contains("\"acked\":{\"hook\""), "\(saved)")
        members[owner].signal(SIGKILL)
        // The survivor takes app over and continues its alert from the stored state.
        deadline = ContinuousClock.now + .seconds(15)
        while ContinuousClock.now < deadline {
            if await Self.owned(survivor).contains("app"), let alerts = try? await survivor.get("/alerts").body, alerts.contains("app-down") { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(await Self.owned(survivor).contains("app"))
        try "0\n".write(toFile: state, atomically: true, encoding: .utf8)
        deadline = ContinuousClock.now + .seconds(15)
        while statuses().count < 2, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(100)) }
        // Had the survivor started from nothing, a second firing would have come before the resolve.
        #expect(statuses() == ["firing", "resolved"])
    }
}
