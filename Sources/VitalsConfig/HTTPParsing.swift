import Foundation
import Yams

/// http components: url, method, headers, body, expect, redirects, TLS, body cap.
extension ConfigParser {
    func parseHTTP(_ f: Fields) -> HTTPSettings? {
        guard f.require("url") != nil, let url = f.string("url") else { return nil }
        if !Syntax.isHTTPURL(url) {
            // The URL may hold credentials (user:password@): say what is wrong without quoting it.
            f.error("url", "expected an http:// or https:// URL with a host")
        }
        var h = HTTPSettings(url: url)
        if let m = f.string("method") {
            if !m.isEmpty, m.allSatisfy({ $0.isASCII && $0.isLetter && $0.isUppercase }) {
                h.method = m
            } else {
                f.error("method", "expected an HTTP method in capitals such as GET, HEAD or POST" + f.got("method", m))
            }
        }
        if let headers = f.secretMap("headers", validName: Syntax.isHeaderName, nameRule: " for a header") {
            h.headers = headers.map { (name: $0.0, value: $0.1) }
        }
        h.body = f.string("body")
        if let e = f.value("expect") { h.expect = parseHTTPExpect(e, path: f.sub("expect"), file: f.file) }
        if let fr = f.bool("follow_redirects") { h.followRedirects = fr }
        if let t = f.value("tls") { h.tls = parseTLS(t, path: f.sub("tls"), file: f.file) ?? TLSSettings() }
        if let mb = f.size("max_body") { h.maxBodyBytes = mb }
        return h
    }

    private func parseHTTPExpect(_ node: Node, path: String, file: String) -> HTTPExpectation {
        var e = HTTPExpectation()
        let keys = ["status", "body_contains", "body_regex", "json"]
        guard let f = Fields(node, reader: reader, file: file, path: path, allowed: keys, structured: ["status", "json"]) else { return e }
        if let s = f.value("status"), let set = parseStatus(s, path: f.sub("status"), file: file) { e.status = set }
        e.bodyContains = f.string("body_contains")
        if let re = f.string("body_regex") {
            if Syntax.isRegex(re) {
                e.bodyRegex = re
            } else {
                f.error("body_regex", "not a valid regular expression: \(re)")
            }
        }
        if let j = f.value("json"), let jf = Fields(j, reader: reader, file: file, path: f.sub("json"), allowed: ["path", "equals"]) {
            jf.require("path")
            jf.require("equals")
            if let p = jf.string("path"), let eq = jf.string("equals") {
                if JSONPath(p) != nil {
                    e.json = JSONExpectation(path: p, equals: eq)
                } else {
                    jf.error("path", #"expected a path like $.status, $.items[0].name or $["key with.dots"]"# + jf.got("path", p))
                }
            }
        }
        return e
    }

    /// `200`, `"200-299"`, or a list of those; codes within 100...599.
    private func parseStatus(_ s: Node, path: String, file: String) -> StatusCodeSet? {
        let items = s.sequence.map(Array.init) ?? [s]
        var ranges: [ClosedRange<Int>] = []
        for (i, item) in items.enumerated() {
            let itemPath = s.sequence == nil ? path : path + "[\(i)]"
            guard let text = reader.substitute(item, file: file, path: itemPath) else { continue }
            let parts = text.split(separator: "-", maxSplits: 1, omittingEmptySubsequences: false).map {
                Int($0.trimmingCharacters(in: .whitespaces))
            }
            if parts.count == 1, let a = parts[0], (100...599).contains(a) {
                ranges.append(a...a)
            } else if parts.count == 2, let a = parts[0], let b = parts[1], (100...599).contains(a), (100...599).contains(b), a <= b {
                ranges.append(a...b)
            } else {
                reader.error(item, in: file, itemPath, "expected a status code or a range like 200-299 (100 to 599), got \"\(text)\"")
            }
        }
        if s.sequence?.isEmpty == true { reader.error(s, in: file, path, "list at least one status code") }
        return ranges.isEmpty ? nil : StatusCodeSet(ranges)
    }

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
}
