import Foundation
import Logging
import ServiceLifecycle

/// Keeps this member's lease (spec section 14): renews it every `lease / 3`, fences the member
/// when renewals fail for `2/3 lease`, looks again the moment another member's lease runs out
/// (a `kill -9`'d member's components move then, not at the next renewal), and on graceful
/// shutdown deletes its row so the others take over at once.
///
/// `apply` is called after every renewal or fence that may have changed who probes what; it
/// starts and stops components accordingly (the daemon's `applyOwnership`).
public struct FleetService: Service {
    let fleet: Fleet
    let storage: PostgresStorage
    let apply: @Sendable () async -> Void
    let logger: Logger

    public init(fleet: Fleet, storage: PostgresStorage, apply: @escaping @Sendable () async -> Void, logger: Logger) {
        self.fleet = fleet
        self.storage = storage
        self.apply = apply
        self.logger = logger
    }

    public func run() async throws {
        let clock = ContinuousClock()
        try? await cancelWhenGracefulShutdown {
            var lastGood: ContinuousClock.Instant?
            var failing = false
            while !Task.isCancelled {
                let sent = clock.now
                fleet.countQuery()
                // Never past the fencing deadline: a hung database must not hold the check back.
                let roster = await storage.renewMembership(fleet.me(), timeout: fleet.renewEvery)
                var next = sent.advanced(by: fleet.renewEvery)
                if let roster {
                    lastGood = sent
                    if failing { logger.info("fleet lease renewed again", metadata: ["member": "\(fleet.member)"]) }
                    failing = false
                    if fleet.renewed(roster) { await apply() }
                    // Look again right when the next other member's lease runs out.
                    let received = clock.now
                    for m in roster.members where m.id != fleet.member {
                        let left = Duration.seconds(m.expires.timeIntervalSince(roster.databaseNow)) + .milliseconds(20)
                        next = min(next, received.advanced(by: max(left, .milliseconds(50))))
                    }
                } else if !failing {
                    failing = true
                    logger.warning("fleet lease renewal failed", metadata: ["member": "\(fleet.member)"])
                }
                if let lastGood, lastGood.duration(to: clock.now) >= fleet.fenceAfter || roster == nil && lastGood.advanced(by: fleet.fenceAfter) <= next {
                    if lastGood.advanced(by: fleet.fenceAfter) > clock.now {
                        // The fence is due before the next attempt: wait for its moment, no later.
                        try? await clock.sleep(until: lastGood.advanced(by: fleet.fenceAfter))
                    }
                    if fleet.fence() {
                        logger.error("fleet lease not renewed: fenced, probing and alerting nothing until it is",
                            metadata: ["member": "\(fleet.member)", "lease": "\(fleet.lease)"])
                        await apply()
                    }
                    next = max(next, clock.now)
                }
                try? await clock.sleep(until: next)
            }
        }
        // Leaving: the others need not wait for the lease to run out.
        if fleet.fence() { await apply() }
        fleet.countQuery()
        let left = await storage.leaveFleet(member: fleet.member, timeout: .seconds(2))
        logger.info(left ? "left the fleet" : "could not leave the fleet: the others take over when the lease runs out",
            metadata: ["member": "\(fleet.member)"])
    }
}
