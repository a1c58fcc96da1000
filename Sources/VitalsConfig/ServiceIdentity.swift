/// `service:` — who this instance speaks for (spec section 11). Every alert it sends carries
/// the name and the labels, so two instances with the same rule names (two sidecars, one
/// Alertmanager) make two alerts, each resolved only by its own instance.
public struct ServiceIdentity: Sendable, Equatable, Codable {
    /// `[a-z0-9][a-z0-9_.-]*`; `vitals` when not configured.
    public var name: String
    /// For people: messages and pages; the name when not set.
    public var title: String?
    /// Added to every alert's labels (Alertmanager) and to its identity (PagerDuty's dedup key).
    /// Keys are Prometheus label names, never one of the labels alerts carry themselves.
    public var labels: [String: String]

    public static let defaultName = "vitals"
    /// The labels every alert has already: `service.labels` may not set them.
    public static let reservedLabels: Set<String> = ["alertname", "service", "component", "severity"]

    public init(name: String = ServiceIdentity.defaultName, title: String? = nil, labels: [String: String] = [:]) {
        self.name = name
        self.title = title
        self.labels = labels
    }

    /// What people read: the title, or the name.
    public var displayName: String { title ?? name }

    /// The identity as one stable string, for keys that must differ between instances and agree
    /// between replicas of one: `orders`, or `orders{cluster=eu-1,env=prod}` (labels sorted).
    public var key: String {
        guard !labels.isEmpty else { return name }
        return name + "{" + labels.keys.sorted().map { "\($0)=\(labels[$0]!)" }.joined(separator: ",") + "}"
    }

    /// For a message: `Orders (orders, env=prod)` — the title, then the name and the labels;
    /// just `orders` without title or labels.
    public var described: String {
        let detail = [title == nil ? nil : name, labels.isEmpty ? nil : labelText].compactMap { $0 }
        return detail.isEmpty ? displayName : "\(displayName) (\(detail.joined(separator: ", ")))"
    }

    /// The labels as `cluster=eu-1,env=prod` (sorted); empty without labels.
    public var labelText: String { labels.keys.sorted().map { "\($0)=\(labels[$0]!)" }.joined(separator: ",") }

    /// A Prometheus label name (`[a-zA-Z_][a-zA-Z0-9_]*`, not starting with `__`, which
    /// Prometheus and Alertmanager keep for themselves).
    public static func isLabelName(_ s: String) -> Bool {
        guard let first = s.unicodeScalars.first, !s.hasPrefix("__") else { return false }
        func letter(_ c: Unicode.Scalar) -> Bool { ("a"..."z").contains(c) || ("A"..."Z").contains(c) || c == "_" }
        return letter(first) && s.unicodeScalars.allSatisfy { letter($0) || ("0"..."9").contains($0) }
    }
}

/// `push_gateway:` — the daemon pushes its metrics to a Pushgateway every `interval`
/// (spec section 11), for a process no Prometheus scrapes.
public struct PushGatewayConfig: Sendable, Equatable {
    /// http(s) base URL of the Pushgateway; may carry basic-auth credentials, so a secret.
    public var url: Secret
    public var job: String
    public var interval: Duration
    public var location: SourceLocation

    public static let defaultJob = "vitals"
    public static let defaultInterval: Duration = .seconds(15)

    public init(
        url: Secret, job: String = PushGatewayConfig.defaultJob, interval: Duration = PushGatewayConfig.defaultInterval,
        location: SourceLocation = SourceLocation(file: "<memory>", line: 0, column: 0)
    ) {
        self.url = url
        self.job = job
        self.interval = interval
        self.location = location
    }
}
