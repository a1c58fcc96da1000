import VitalsCore

/// A rendered answer: status code, content type and body, independent of the HTTP library so
/// renderers can be tested as plain functions and cached as bytes.
public struct Rendered: Sendable, Equatable {
    public var status: Int
    public var contentType: String
    public var body: String
    /// The Content-Security-Policy a page is sent with (HTML answers only).
    public var policy: String?
    public init(status: Int, contentType: String, body: String, policy: String? = nil) {
        self.status = status
        self.contentType = contentType
        self.body = body
        self.policy = policy
    }

    static func json(_ status: Int, _ writer: JSONWriter) -> Rendered {
        Rendered(status: status, contentType: "application/json", body: writer.out)
    }
}

/// The Kubernetes-facing endpoints: `/health/live`, `/health/ready`, `/health/startup`,
/// `/health` and `/health/group/NAME`. Their bodies are small and never carry a probe message,
/// since they are served without a token.
public enum ProbeEndpoints {
    public static func live(_ view: LivenessView, verbose: Bool) -> Rendered {
        if verbose { return verboseText(view.checks, passed: view.live, name: "livez") }
        var w = JSONWriter()
        w.object { $0.field("status", view.live ? "pass" : "fail") }
        return .json(view.live ? 200 : 503, w)
    }

    public static func ready(_ view: ReadinessView, verbose: Bool, name: String = "readyz") -> Rendered {
        if verbose { return verboseText(view.checks, passed: view.ready, name: name) }
        var w = JSONWriter()
        w.object { o in
            o.field("status", view.ready ? "pass" : "fail")
            o.field("service", view.status.rawValue)
            o.field("startup_complete", view.startupComplete)
            if view.draining { o.field("draining", true) }
            o.key("failing")
            o.array { a in for name in view.failing { a.string(name) } }
        }
        return .json(view.ready ? 200 : 503, w)
    }

    public static func startup(_ snapshot: HealthSnapshot) -> Rendered {
        let pending = snapshot.components.filter { $0.lastCheck == nil }.count
        var w = JSONWriter()
        w.object { o in
            o.field("status", snapshot.startupComplete ? "pass" : "fail")
            o.field("components", int: snapshot.components.count)
            o.field("pending", int: snapshot.startupComplete ? 0 : pending)
        }
        return .json(snapshot.startupComplete ? 200 : 503, w)
    }

    /// `{"status":"degraded","components":{"healthy":5,"degraded":1,"unhealthy":0,"unknown":0}}`
    public static func health(_ snapshot: HealthSnapshot) -> Rendered {
        let ok = snapshot.status == .healthy || snapshot.status == .degraded
        var w = JSONWriter()
        w.object { o in
            o.field("status", snapshot.status.rawValue)
            o.key("components")
            o.object { c in
                for status in [HealthStatus.healthy, .degraded, .unhealthy, .unknown] {
                    c.field(status.rawValue, int: snapshot.counts[status])
                }
            }
        }
        return .json(ok ? 200 : 503, w)
    }

    /// kube-apiserver's verbose format: `[+]name ok` / `[-]name failed: reason`, then a verdict.
    /// A passing line carries the component's real status (`[+]web unhealthy (non-critical)`).
    static func verboseText(_ checks: [CheckLine], passed: Bool, name: String) -> Rendered {
        var out = ""
        for check in checks {
            out += check.ok ? "[+]\(check.name) \(check.detail)\n" : "[-]\(check.name) failed: \(check.detail)\n"
        }
        out += passed ? "\(name) check passed\n" : "\(name) check failed\n"
        return Rendered(status: passed ? 200 : 503, contentType: "text/plain; charset=utf-8", body: out)
    }
}
