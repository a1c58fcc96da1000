import Foundation
import VitalsCore

/// A push that landed on a replica which does not own its component, as the owner takes it.
public struct ForwardedPush: Sendable, Equatable {
    public var component: String
    public var at: Date
    public var result: ProbeResult
}

/// Pushes between sharded replicas (spec section 12): the replica a push lands on writes it to
/// `pushes` (after its token and rate were checked there), and the owner takes it with a
/// `DELETE ... RETURNING`, so each push is recorded once, by the one replica that judges the
/// component, whichever replica took it and however many look.
extension PostgresStorage {
    /// Pushes waiting for their owner, per component: past it (an owner long gone) a push is
    /// refused with 503 rather than grow the table.
    public static let maxWaitingPushes = 100

    /// Writes one push for its owner; nil once written, else why not.
    public func forwardPush(component: String, result: ProbeResult, at: Date) async -> String? {
        let q = PGText.literal
        let c = q(component)
        let sql = """
            INSERT INTO pushes (component, at, success, latency, message, observations)
            SELECT \(c), \(PGText.number(at.timeIntervalSince1970)), \(result.success), \(PGText.number(result.latency.seconds)),
                \(q(result.message)), \(q(StoredObservations.json(result.observations)))
            WHERE (SELECT count(*) FROM pushes WHERE component = \(c)) < \(Self.maxWaitingPushes) RETURNING 1
            """
        switch await endpointRead(sql) {
        case .unavailable(let reason): return reason
        case .value(let rows): return rows.isEmpty ? "\(Self.maxWaitingPushes) pushes already wait for the replica that owns this component" : nil
        }
    }

    /// Takes (deletes and returns) the pushes waiting for these components, oldest first.
    public func takePushes(components: Set<String>) async -> [ForwardedPush] {
        guard !components.isEmpty else { return [] }
        let sql = "DELETE FROM pushes WHERE component = ANY(\(PGText.array(components.sorted()))) RETURNING id, component, at, success, latency, message, observations"
        guard let rows = await endpointRead(sql).value else { return [] }
        return rows.compactMap { r -> (Int64, ForwardedPush)? in
            guard r.count == 7, let id = r[0].flatMap({ Int64($0) }), let c = r[1], let at = r[2].flatMap(Double.init),
                let latency = r[4].flatMap(Double.init), let message = r[5]
            else { return nil }
            let result = ProbeResult(
                success: r[3] == "t", latency: .microseconds(Int64((latency * 1_000_000).rounded())), message: message,
                observations: r[6].map(StoredObservations.parse) ?? [])
            return (id, ForwardedPush(component: c, at: Date(timeIntervalSince1970: at), result: result))
        }.sorted { $0.0 < $1.0 }.map(\.1)
    }
}
