import Foundation
import Yams

/// The `tls:` mapping http, tcp and grpc share.
extension ConfigParser {
    /// `tls:` mapping of http (and of tcp). The three files must be readable now, so a typo
    /// fails at load rather than at the first probe.
    func parseTLS(_ node: Node, path: String, file: String) -> TLSSettings? {
        let keys = ["ca_file", "insecure_skip_verify", "client_cert_file", "client_key_file", "server_name"]
        guard let f = Fields(node, reader: reader, file: file, path: path, allowed: keys) else { return nil }
        var t = TLSSettings()
        func readable(_ key: String) -> String? {
            guard let p = f.string(key) else { return nil }
            let resolved = Fields.resolve(p, relativeTo: file)
            var isDirectory: ObjCBool = false
            if !FileManager.default.fileExists(atPath: resolved, isDirectory: &isDirectory) || isDirectory.boolValue
                || !FileManager.default.isReadableFile(atPath: resolved)
            {
                f.error(key, "cannot read \(resolved)")
            }
            return resolved
        }
        t.caFile = readable("ca_file")
        t.clientCertFile = readable("client_cert_file")
        t.clientKeyFile = readable("client_key_file")
        if (t.clientCertFile == nil) != (t.clientKeyFile == nil) {
            reader.error(node, in: file, path, "client_cert_file and client_key_file go together")
        }
        t.insecureSkipVerify = f.bool("insecure_skip_verify") ?? false
        t.serverName = f.string("server_name")
        return t
    }

    /// `tls: true|false`, or the mapping `parseTLS` reads (which implies true): the form of tcp
    /// and grpc, where the key rather than a URL's scheme turns TLS on. Nil means plain text.
    func parseOptionalTLS(_ f: Fields) -> TLSSettings? {
        guard let tls = f.value("tls") else { return nil }
        if tls.mapping != nil || tls.isNull { return parseTLS(tls, path: f.sub("tls"), file: f.file) }
        return f.bool("tls") == true ? TLSSettings() : nil
    }
}
