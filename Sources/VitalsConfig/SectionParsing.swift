import Foundation
import Yams

/// `server`, `defaults` and `storage`: the sections that are one mapping each.
extension ConfigParser {
    func parseServer(_ node: Node, into server: inout ServerConfig) {
        let keys = ["listen", "detailed_token", "max_concurrent_probes", "max_connections", "max_connections_per_client", "external_url",
                    "public_status"]
        guard let f = Fields(node, reader: reader, file: file, path: "server", allowed: keys) else { return }
        if let listen = f.string("listen") {
            if let addr = ListenAddress(parsing: listen) {
                server.listen = addr
            } else {
                f.error("listen", "expected host:port, :port or [v6]:port" + f.got("listen", listen))
            }
        }
        if let token = f.secret("detailed_token") {
            if token.value.isEmpty {
                f.error("detailed_token", "the token is empty")
            } else {
                server.detailedToken = token
            }
        }
        if let n = f.int("max_concurrent_probes", min: 1, max: 100_000) { server.maxConcurrentProbes = n }
        if let n = f.int("max_connections", min: 16, max: 1_000_000) { server.maxConnections = n }
        if let n = f.int("max_connections_per_client", min: 1, max: 1_000_000) {
            if n > server.maxConnections {
                f.error("max_connections_per_client", "is more than max_connections (\(server.maxConnections))")
            }
            server.maxConnectionsPerClient = n
        } else {
            server.maxConnectionsPerClient = min(server.maxConnectionsPerClient, server.maxConnections)
        }
        if let u = f.string("external_url") {
            if Syntax.isHTTPURL(u) {
                server.externalURL = u
            } else {
                f.error("external_url", "expected an http:// or https:// URL with a host")
            }
        }
        if let open = f.bool("public_status") { server.publicStatus = open }
    }

    func parseDefaults(_ node: Node, into d: inout ComponentDefaults) {
        let keys = ["interval", "timeout", "failure_threshold", "success_threshold", "history"]
        guard let f = Fields(node, reader: reader, file: file, path: "defaults", allowed: keys) else { return }
        if let v = f.duration("interval") { d.interval = v }
        if let v = f.duration("timeout") { d.timeout = v }
        if let v = f.int("failure_threshold", min: 1) { d.failureThreshold = v }
        if let v = f.int("success_threshold", min: 1) { d.successThreshold = v }
        if let v = f.int("history", min: 1, max: 100_000) { d.history = v }
        if d.timeout >= d.interval, f.has("timeout") || f.has("interval") {
            f.error(f.has("timeout") ? "timeout" : "interval", Self.timeoutMessage(d.timeout, d.interval))
        }
    }

    static func timeoutMessage(_ timeout: Duration, _ interval: Duration) -> String {
        "timeout (\(DurationFormat.short(timeout))) must be shorter than interval (\(DurationFormat.short(interval)))"
    }

    func parseStorage(_ node: Node, into st: inout StorageConfig) {
        let keys = ["type", "path", "dsn", "password", "retention", "rollup_retention"]
        guard let f = Fields(node, reader: reader, file: file, path: "storage", allowed: keys) else { return }
        if let t = f.string("type") {
            if let kind = StorageConfig.Kind(rawValue: t) {
                st.kind = kind
            } else {
                f.error("type", "expected memory, sqlite or postgres" + f.got("type", t))
            }
        }
        // Spec section 3: unlike the config's other paths, a relative database path is taken from
        // the working directory, so state stays where Vitals was started (`.vitals/` for `make run`).
        st.path = f.string("path")
        st.dsn = f.secret("dsn")
        st.password = f.secret("password")
        if let r = f.duration("retention") { st.retention = r }
        if let r = f.duration("rollup_retention") { st.rollupRetention = r }
        for key in keys where f.has(key) { st.keyLocations[key] = reader.location(f.value(key), file) }
        if st.rollupRetention < st.retention, f.has("rollup_retention") || f.has("retention") {
            f.error(f.has("rollup_retention") ? "rollup_retention" : "retention",
                "rollup_retention (\(DurationFormat.short(st.rollupRetention))) must be at least retention (\(DurationFormat.short(st.retention)))")
        }
        if let dsn = st.dsn, !Syntax.isDSN(dsn.value) {
            f.error("dsn", "expected a postgres:// URI or a key=value connection string")
        }
        switch st.kind {
        case .sqlite where st.path == nil: f.require("path")
        case .postgres where st.dsn == nil: f.require("dsn")
        default: break
        }
        for key in ["path"] where f.has(key) && st.kind != .sqlite {
            reader.error(f.keyNode(key), in: file, f.sub(key), "only sqlite storage has a path (this is \(st.kind.rawValue))")
        }
        for key in ["dsn", "password"] where f.has(key) && st.kind != .postgres {
            reader.error(f.keyNode(key), in: file, f.sub(key), "only postgres storage has a \(key) (this is \(st.kind.rawValue))")
        }
    }
}
