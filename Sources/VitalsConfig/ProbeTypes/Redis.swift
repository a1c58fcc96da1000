import Foundation
import Yams

/// `redis`: AUTH, PING and INFO (the probe is `VitalsProbes/RedisProbe.swift`).
public struct RedisSettings: Sendable, Equatable {
    /// `host:port` or `unix:///path`.
    public var address: String
    public var username: String? = nil
    public var password: Secret? = nil
    public var db: Int = 0
    public init(address: String) { self.address = address }
}

extension RedisSettings: ProbeConfig {
    static let type = ProbeType.redis
    static let keys = ["address", "username", "password", "db"]
    static let thresholds: Set<String> = ["latency", "used_memory_percent", "connected_clients"]
    var probeSettings: ProbeSettings { .redis(self) }
    static func parse(_ f: Fields, _ parser: ConfigParser) -> Self? { parser.parseRedis(f) }
}

extension ConfigParser {
    func parseRedis(_ f: Fields) -> RedisSettings? {
        guard f.require("address") != nil, let address = f.string("address") else { return nil }
        if address.hasPrefix("unix://") {
            if !address.hasPrefix("unix:///") || address.count <= "unix:///".count {
                f.error("address", "expected unix:///path/to/socket" + f.got("address", address))
            }
        } else if !Syntax.isHostPort(address) {
            f.error("address", "expected host:port or unix:///path" + f.got("address", address))
        }
        var r = RedisSettings(address: address)
        r.username = f.string("username")
        r.password = f.secret("password")
        r.db = f.int("db", min: 0, max: 65535) ?? 0
        return r
    }
}
