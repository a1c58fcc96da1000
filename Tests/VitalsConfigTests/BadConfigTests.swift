import Foundation
import Testing
@testable import VitalsConfig

/// One mistake per config, and the exact line `vitals validate` prints for it:
/// `FILE:LINE:COLUMN: key.path: message`.
struct BadConfigTests {
    static let component = "components:\n  - name: a\n"

    static func c(_ rest: String) -> String { component + rest }

    static let structure: [(String, String)] = [
        // Unknown keys point at the key, with a suggestion when one is close.
        // (The typo also leaves the required key missing.)
        (c("    type: tcp\n    adress: x:1\n"), "c.yaml:2:5: components[a]: missing required key address\nc.yaml:4:5: components[a].adress: unknown key (did you mean address?)"),
        ("sever:\n  listen: x\n", "c.yaml:1:1: sever: unknown key (did you mean server?)"),
        ("server:\n  colour: red\n", "c.yaml:2:3: server.colour: unknown key"),
        (c("    type: tcp\n    address: h:1\n    url: http://x\n"), "c.yaml:5:5: components[a].url: unknown key (url is a key of http components, not tcp)"),
        (c("    type: memory\n    thresholds:\n      available_percent: { degrade: 5 }\n"),
         "c.yaml:5:26: components[a].thresholds.available_percent: set degraded, unhealthy or both\nc.yaml:5:28: components[a].thresholds.available_percent.degrade: unknown key (did you mean degraded?)"),
        // Missing required keys point at the mapping that lacks them.
        (c("    type: http\n"), "c.yaml:2:5: components[a]: missing required key url"),
        ("components:\n  - type: memory\n", "c.yaml:2:5: components[0]: missing required key name"),
        (component, "c.yaml:2:5: components[a]: missing required key type"),
        (c("    type: postgres\n"), "c.yaml:2:5: components[a]: missing required key dsn"),
        (c("    type: redis\n"), "c.yaml:2:5: components[a]: missing required key address"),
        (c("    type: tcp\n"), "c.yaml:2:5: components[a]: missing required key address"),
        (c("    type: exec\n"), "c.yaml:2:5: components[a]: missing required key command"),
        (c("    type: disk\n"), "c.yaml:2:5: components[a]: missing required key path"),
        ("storage: { type: sqlite }\n", "c.yaml:1:10: storage: missing required key path"),
        ("storage: { type: sqlite, path: x, retention: 30d, rollup_retention: 7d }\n",
         "c.yaml:1:69: storage.rollup_retention: rollup_retention (7d) must be at least retention (30d)"),
        ("storage: { type: postgres }\n", "c.yaml:1:10: storage: missing required key dsn"),
        ("storage: { type: sqlite, path: x, dsn: \"postgres://h/d\" }\n", "c.yaml:1:35: storage.dsn: only postgres storage has a dsn (this is sqlite)"),
        ("storage: { type: mysql }\n", #"c.yaml:1:18: storage.type: expected memory, sqlite or postgres, got "mysql""#),
        // Names.
        ("components:\n  - name: Bad\n    type: memory\n", #"c.yaml:2:11: components[0].name: "Bad" is not a valid name: use [a-z0-9][a-z0-9_.-]*"#),
        ("components:\n  - name: -a\n    type: memory\n", #"c.yaml:2:11: components[0].name: "-a" is not a valid name: use [a-z0-9][a-z0-9_.-]*"#),
        (c("    type: memory\n    groups: [ready, Live]\n"), #"c.yaml:4:21: components[a].groups[1]: "Live" is not a valid group name: use [a-z0-9][a-z0-9_.-]*"#),
        (c("    type: memory\n    groups: ready\n"), "c.yaml:4:13: components[a].groups: expected a list, got a single value"),
        // Types.
        (c("    type: ftp\n"), #"c.yaml:3:11: components[a].type: unknown type "ftp" (expected one of "# + ConfigParser.typeKeys.keys.sorted().joined(separator: ", ") + ")"),
        (c("    type: htp\n"), #"c.yaml:3:11: components[a].type: unknown type "htp" (did you mean http?)"#),
        ("components:\n  - memory\n", "c.yaml:2:5: components[0]: expected a mapping with name and type, got a single value"),
        ("components: {a: 1}\n", "c.yaml:1:13: components: expected a list of components, got a mapping"),
        ("server: [1]\n", "c.yaml:1:9: server: expected a mapping of keys, got a list"),
        (c("    type: memory\n    critical: maybe\n"), #"c.yaml:4:15: components[a].critical: expected true or false, got "maybe""#),
        (c("    type: memory\n    history: [1]\n"), "c.yaml:4:14: components[a].history: expected a single value, got a list"),
    ]

    static let values: [(String, String)] = [
        // Durations and sizes.
        ("defaults:\n  interval: 10\n", #"c.yaml:2:13: defaults.interval: expected a duration with a unit such as 250ms, 2s, 5m, 1h or 7d, got "10""#),
        ("defaults:\n  interval: 10 s\n", #"c.yaml:2:13: defaults.interval: expected a duration with a unit such as 250ms, 2s, 5m, 1h or 7d, got "10 s""#),
        ("defaults:\n  interval: 0\n", "c.yaml:2:13: defaults.interval: must be longer than 0"),
        (c("    type: http\n    url: http://x/\n    max_body: 1PB\n"),
         #"c.yaml:5:15: components[a].max_body: expected a size such as 512KiB, 1MiB, 10GB or a number of bytes, got "1PB""#),
        // Counts.
        ("defaults:\n  failure_threshold: three\n", #"c.yaml:2:22: defaults.failure_threshold: expected a whole number, got "three""#),
        ("defaults:\n  failure_threshold: 0\n", "c.yaml:2:22: defaults.failure_threshold: must be at least 1"),
        (c("    type: memory\n    success_threshold: 0\n"), "c.yaml:4:24: components[a].success_threshold: must be at least 1"),
        (c("    type: memory\n    history: 0\n"), "c.yaml:4:14: components[a].history: must be at least 1"),
        ("server:\n  max_concurrent_probes: 0\n", "c.yaml:2:26: server.max_concurrent_probes: must be at least 1"),
        // timeout must be shorter than interval.
        ("defaults:\n  timeout: 10s\n", "c.yaml:2:12: defaults.timeout: timeout (10s) must be shorter than interval (10s)"),
        (c("    type: memory\n    interval: 1s\n    timeout: 2s\n"), "c.yaml:5:14: components[a].timeout: timeout (2s) must be shorter than interval (1s)"),
        (c("    type: memory\n    interval: 1s\n"), "c.yaml:4:15: components[a].interval: timeout (2s) must be shorter than interval (1s)"),
    ]

    static let thresholds: [(String, String)] = [
        // Thresholds: order, names, units, ranges.
        (c("    type: tcp\n    address: h:1\n    thresholds:\n      latency: { degraded: 2s, unhealthy: 1s }\n"),
         "c.yaml:6:28: components[a].thresholds.latency.degraded: degraded must be below unhealthy (for latency, higher is worse)"),
        (c("    type: tcp\n    address: h:1\n    thresholds:\n      latency: { degraded: 1s, unhealthy: 1s }\n"),
         "c.yaml:6:28: components[a].thresholds.latency.degraded: degraded must be below unhealthy (for latency, higher is worse)"),
        (c("    type: memory\n    thresholds:\n      available_percent: { degraded: 5, unhealthy: 15 }\n"),
         "c.yaml:5:38: components[a].thresholds.available_percent.degraded: degraded must be above unhealthy (for available_percent, lower is worse)"),
        (c("    type: http\n    url: http://x/\n    thresholds:\n      cert_expiry: { degraded: 3d, unhealthy: 14d }\n"),
         "c.yaml:6:32: components[a].thresholds.cert_expiry.degraded: degraded must be above unhealthy (for cert_expiry, lower is worse)"),
        (c("    type: memory\n    thresholds:\n      latency: { degraded: 1s }\n"),
         "c.yaml:5:7: components[a].thresholds.latency: memory has no measurement latency (it has available_percent, and over a window success_rate, latency_p50, latency_p95, latency_p99)"),
        (c("    type: disk\n    path: /\n    thresholds:\n      used_precent: { degraded: 1 }\n"),
         "c.yaml:6:7: components[a].thresholds.used_precent: unknown measurement (did you mean used_percent?)"),
        (c("    type: disk\n    path: /\n    thresholds:\n      used_percent: { degraded: 180 }\n"),
         #"c.yaml:6:33: components[a].thresholds.used_percent.degraded: expected a percentage from 0 to 100, got "180""#),
        (c("    type: disk\n    path: /\n    thresholds:\n      used_percent: { unhealthy: -1 }\n"),
         #"c.yaml:6:34: components[a].thresholds.used_percent.unhealthy: expected a percentage from 0 to 100, got "-1""#),
        (c("    type: tcp\n    address: h:1\n    thresholds:\n      latency: { degraded: 100 }\n"),
         #"c.yaml:6:28: components[a].thresholds.latency.degraded: expected a duration with a unit such as 100ms, 2s or 14d, got "100""#),
        (c("    type: tcp\n    address: h:1\n    thresholds:\n      latency: {}\n"),
         "c.yaml:6:16: components[a].thresholds.latency: set degraded, unhealthy or both"),
        (c("    type: exec\n    command: [x]\n    thresholds:\n      depth: { degraded: 10, unhealthy: 5s }\n"),
         #"c.yaml:6:41: components[a].thresholds.depth.unhealthy: expected a number, got "5s""#),
        (c("    type: exec\n    command: [x]\n    thresholds:\n      queue: { degraded: 5, unhealthy: 5 }\n"),
         "c.yaml:6:26: components[a].thresholds.queue.degraded: degraded must be below unhealthy (for queue, higher is worse)"),
    ]

    static let probes: [(String, String)] = [
        // Regexes, status codes, JSON paths.
        (c("    type: tcp\n    address: h:1\n    expect: \"(\"\n"), "c.yaml:5:13: components[a].expect: not a valid regular expression: ("),
        (c("    type: http\n    url: http://x\n    expect: { body_regex: \"[a-\" }\n"), "c.yaml:5:27: components[a].expect.body_regex: not a valid regular expression: [a-"),
        (c("    type: http\n    url: http://x\n    expect: { status: [700] }\n"),
         #"c.yaml:5:24: components[a].expect.status[0]: expected a status code or a range like 200-299 (100 to 599), got "700""#),
        (c("    type: http\n    url: http://x\n    expect: { status: \"299-200\" }\n"),
         #"c.yaml:5:23: components[a].expect.status: expected a status code or a range like 200-299 (100 to 599), got "299-200""#),
        (c("    type: http\n    url: http://x\n    expect: { json: { path: status, equals: UP } }\n"),
         #"c.yaml:5:29: components[a].expect.json.path: expected a path like $.status, $.items[0].name or $["key with.dots"], got "status""#),
        (c("    type: http\n    url: http://x\n    expect: { json: { path: $.status } }\n"), "c.yaml:5:21: components[a].expect.json: missing required key equals"),
        // Per-type values.
        (c("    type: http\n    url: ftp://x/\n"), "c.yaml:4:10: components[a].url: expected an http:// or https:// URL with a host"),
        (c("    type: http\n    url: http://x/\n    method: get\n"), #"c.yaml:5:13: components[a].method: expected an HTTP method in capitals such as GET, HEAD or POST, got "get""#),
        (c("    type: http\n    url: http://x/\n    headers: { \"Bad Header\": x }\n"), #"c.yaml:5:16: components[a].headers: "Bad Header" is not a valid name for a header"#),
        (c("    type: http\n    url: http://x/\n    tls: { ca_file: /nonexistent/ca.pem }\n"), "c.yaml:5:21: components[a].tls.ca_file: cannot read /nonexistent/ca.pem"),
        (c("    type: http\n    url: http://x/\n    tls: { client_cert_file: /etc/hostname }\n"), "c.yaml:5:10: components[a].tls: client_cert_file and client_key_file go together"),
        (c("    type: postgres\n    dsn: mysql\n"), "c.yaml:4:10: components[a].dsn: expected a postgres:// URI or a key=value connection string"),
        (c("    type: postgres\n    dsn: \"postgres://h/d\"\n    expect: { role: leader }\n"), #"c.yaml:5:21: components[a].expect.role: expected primary or replica, got "leader""#),
        (c("    type: redis\n    address: nope\n"), #"c.yaml:4:14: components[a].address: expected host:port or unix:///path, got "nope""#),
        (c("    type: redis\n    address: \"unix://\"\n"), #"c.yaml:4:14: components[a].address: expected unix:///path/to/socket, got "unix://""#),
        (c("    type: redis\n    address: h:1\n    db: -1\n"), "c.yaml:5:9: components[a].db: must be at least 0"),
        (c("    type: tcp\n    address: \":80\"\n"), #"c.yaml:4:14: components[a].address: expected host:port, got ":80""#),
        (c("    type: tcp\n    address: h:70000\n"), #"c.yaml:4:14: components[a].address: expected host:port, got "h:70000""#),
        (c("    type: tcp\n    address: h:1\n    send: \"\\\\q\"\n"), #"c.yaml:5:11: components[a].send: bad escape (use \r \n \t \\ \0 or \xHH)"#),
        (c("    type: tcp\n    address: h:1\n    tls: maybe\n"), #"c.yaml:5:10: components[a].tls: expected true or false, got "maybe""#),
        (c("    type: exec\n    command: \"ls -l\"\n"), "c.yaml:4:14: components[a].command: expected a list: the program and its arguments (no shell)"),
        (c("    type: exec\n    command: []\n"), "c.yaml:4:14: components[a].command: the command is empty"),
        (c("    type: exec\n    command: [x]\n    env: { \"1X\": y }\n"), #"c.yaml:5:12: components[a].env: "1X" is not a valid name for an environment variable"#),
    ]

    static let sections: [(String, String)] = [
        // Server.
        ("server:\n  listen: localhost\n", #"c.yaml:2:11: server.listen: expected host:port, :port or [v6]:port, got "localhost""#),
        ("server:\n  external_url: vitals.example\n", "c.yaml:2:17: server.external_url: expected an http:// or https:// URL with a host"),
        ("server:\n  public_status: sometimes\n", #"c.yaml:2:18: server.public_status: expected true or false, got "sometimes""#),
        // Alerts, notifiers, maintenance.
        ("notifiers: [{ name: ops, type: webhook, url: \"http://h/\" }]\nalerts:\n  - name: x\n    on: db\n    notify: [ops]\n",
         #"c.yaml:4:9: alerts[0].on: expected service, any-component or a component name; no component is named "db""#),
        ("notifiers: [{ name: ops, type: webhook, url: \"http://h/\" }]\nalerts:\n  - name: x\n    on: service\n    when: sometimes\n    notify: [ops]\n",
         #"c.yaml:5:11: alerts[0].when: expected degraded, unhealthy or { threshold: NAME, at: degraded|unhealthy }, got "sometimes""#),
        ("alerts:\n  - name: x\n    on: service\n    notify: [pager]\n", #"c.yaml:4:14: alerts[0].notify[0]: no notifier is named "pager""#),
        ("notifiers: [{ name: ops, type: webhook, url: \"http://h/\" }]\nalerts:\n  - { name: x, on: service, notify: [ops], repeat: 4 }\n",
         #"c.yaml:3:52: alerts[0].repeat: expected a duration with a unit such as 250ms, 2s, 5m, 1h or 7d, got "4""#),
        ("notifiers:\n  - name: ops\n    type: sms\n    url: \"http://h/\"\n", #"c.yaml:3:11: notifiers[0].type: expected "# + NotifierSpec.Kind.choices + #", got "sms""#),
        // email, pagerduty and log notifiers: each type takes its own keys.
        ("notifiers:\n  - { name: m, type: email, url: \"http://h/\", from: a@b.example, to: [c@d.example] }\n",
         "c.yaml:2:34: notifiers[0].url: expected an smtp:// or smtps:// URL with a host (smtps:// is TLS from the first byte)"),
        ("notifiers:\n  - { name: m, type: email, url: \"smtp://u:p@h:587\", from: a@b.example, to: [c@d.example] }\n",
         "c.yaml:2:34: notifiers[0].url: expected an smtp:// or smtps:// URL with a host (smtps:// is TLS from the first byte)"),
        ("notifiers:\n  - { name: m, type: email, url: \"smtp://h:25\" }\n",
         "c.yaml:2:5: notifiers[0]: missing required key from\nc.yaml:2:5: notifiers[0]: missing required key to"),
        ("notifiers:\n  - { name: m, type: email, url: \"smtp://h:25\", from: vitals, to: [] }\n",
         #"c.yaml:2:55: notifiers[0].from: expected an address such as vitals@example.com, got "vitals""# + "\n"
            + "c.yaml:2:67: notifiers[0].to: expected at least one address"),
        ("notifiers:\n  - { name: m, type: email, url: \"smtp://h:25\", from: v@x.example, to: [ok@x.example, \"a@b>, c@d\"] }\n",
         #"c.yaml:2:87: notifiers[0].to[1]: expected an address such as oncall@example.com, got "a@b>, c@d""#),
        ("notifiers:\n  - { name: m, type: email, url: \"smtp://h:25\", from: v@x.example, to: [o@x.example], username: v }\n",
         "c.yaml:2:5: notifiers[0]: username and password go together (password_file works too)"),
        ("notifiers:\n  - { name: pd, type: pagerduty }\n", "c.yaml:2:5: notifiers[0]: missing required key routing_key"),
        ("notifiers:\n  - { name: pd, type: pagerduty, routing_key: k, url: \"events.example\" }\n",
         "c.yaml:2:55: notifiers[0].url: expected an http:// or https:// URL with a host"),
        ("notifiers:\n  - { name: l, type: log, url: \"http://h/\" }\n", "c.yaml:2:27: notifiers[0].url: unknown key"),
        ("notifiers:\n  - { name: w, type: webhook, url: \"http://h/\", to: [a@b.example] }\n", "c.yaml:2:49: notifiers[0].to: unknown key"),
        ("notifiers:\n  - { name: ops, type: slack }\n", "c.yaml:2:5: notifiers[0]: missing required key url"),
        ("notifiers: [{ name: ops, type: webhook, url: \"http://h/\" }]\nalerts:\n  - { name: OrdersDown, on: service, notify: [ops] }\n  - { name: OrdersDown, on: service, notify: [ops] }\n",
         "c.yaml:4:13: alerts[1].name: duplicate alert name OrdersDown"),
        ("notifiers: [{ name: ops, type: webhook, url: \"http://h/\" }]\nalerts:\n  - { name: Orders Down, on: service, notify: [ops] }\n",
         #"c.yaml:3:13: alerts[0].name: "Orders Down" is not a valid name: use [A-Za-z0-9][A-Za-z0-9_.-]*"#),
        ("notifiers:\n  - { name: a, type: slack, url: \"http://h/\" }\n  - { name: a, type: slack, url: \"http://h/\" }\n",
         "c.yaml:3:13: notifiers[1].name: duplicate notifier name a"),
        ("maintenance:\n  - { start: \"Someday 02:00\", duration: 1h }\n", #"c.yaml:2:14: maintenance[0].start: expected "Sun 02:00" (weekly), "02:00" (daily) or "2026-12-24 02:00" (once), got "Someday 02:00""#),
        ("maintenance:\n  - { start: \"25:00\", duration: 1h }\n", #"c.yaml:2:14: maintenance[0].start: expected "Sun 02:00" (weekly), "02:00" (daily) or "2026-12-24 02:00" (once), got "25:00""#),
        ("maintenance:\n  - { start: \"02:00\", duration: 1h, timezone: Mars/Olympus }\n",
         #"c.yaml:2:47: maintenance[0].timezone: unknown time zone, got "Mars/Olympus" (use an IANA name such as UTC or Europe/Berlin)"#),
        ("maintenance:\n  - { start: \"02:00\", duration: 1h, components: [db] }\n", #"c.yaml:2:50: maintenance[0].components[0]: no component is named "db""#),
        ("maintenance:\n  - { start: \"02:00\" }\n", "c.yaml:2:5: maintenance[0]: missing required key duration"),
        // YAML itself.
        ("components: [\n", "c.yaml:2:1: YAML syntax error: while parsing a flow node: did not find expected node content"),
        ("server:\n  listen: a\n  listen: b\n", "c.yaml:2:3: duplicate key listen in one mapping (YAML allows each key once)"),
        ("server: *nothing\n", "c.yaml:1:9: YAML syntax error: found undefined alias"),
        ("", "c.yaml:1:1: the file is empty"),
        ("# only a comment\n", "c.yaml:1:1: the file is empty"),
        ("- a\n", "c.yaml:1:1: expected a mapping of keys, got a list"),
    ]

    /// `service:`, `push_gateway:` and the alert rules of spec section 11.
    static let serviceAndRules: [(String, String)] = [
        ("service:\n  name: Orders\n", #"c.yaml:2:9: service.name: not a valid service name (use [a-z0-9][a-z0-9_.-]*), got "Orders""#),
        ("service:\n  labels:\n    env-name: prod\n",
         #"c.yaml:3:5: service.labels.env-name: "env-name" is not a Prometheus label name ([a-zA-Z_][a-zA-Z0-9_]*, not starting with __)"#),
        ("service:\n  labels:\n    __meta: x\n",
         #"c.yaml:3:5: service.labels.__meta: "__meta" is not a Prometheus label name ([a-zA-Z_][a-zA-Z0-9_]*, not starting with __)"#),
        ("service:\n  labels:\n    1st: x\n",
         #"c.yaml:3:5: service.labels.1st: "1st" is not a Prometheus label name ([a-zA-Z_][a-zA-Z0-9_]*, not starting with __)"#),
        ("service:\n  labels:\n    severity: low\n", "c.yaml:3:5: service.labels.severity: every alert sets severity itself; choose another label name"),
        ("service:\n  labels:\n    env: \"\"\n", "c.yaml:3:10: service.labels.env: expected a non-empty value on one line (an empty label is no label)"),
        ("service:\n  labels: [env]\n", "c.yaml:2:11: service.labels: expected a mapping of label names to values, got a list"),
        ("service:\n  colour: red\n", "c.yaml:2:3: service.colour: unknown key"),
        ("push_gateway: { url: \"ftp://user:secret@h/\" }\n",
         "c.yaml:1:22: push_gateway.url: expected an http:// or https:// URL with a host and no query, like http://pushgateway:9091"),
        ("push_gateway: { job: x }\n", "c.yaml:1:15: push_gateway: missing required key url"),
        ("push_gateway: { url: \"http://h:9091\", interval: 100ms }\n", "c.yaml:1:49: push_gateway.interval: must be at least 1s"),
        (Self.slowRule("{ threshold: latency_p95, at: degraded }"),
         "c.yaml:11:24: alerts[0].when.threshold: component a has no threshold latency_p95 (its thresholds: latency)"),
        (Self.slowRule("{ threshold: latency, at: unhealthy }"), "c.yaml:11:37: alerts[0].when.at: threshold latency of component a has no unhealthy level"),
        (Self.slowRule("{ threshold: latency, at: worse }"), #"c.yaml:11:37: alerts[0].when.at: expected degraded or unhealthy, got "worse""#),
        (Self.slowRule("{ at: degraded }"), "c.yaml:11:11: alerts[0].when: missing required key threshold"),
        (Self.slowRule("{ threshold: success_rate }", on: "any-component"),
         "c.yaml:11:24: alerts[0].when.threshold: no component has a threshold success_rate with a degraded level"),
        (Self.slowRule("{ threshold: latency }", on: "service"),
         "c.yaml:11:24: alerts[0].when.threshold: a threshold rule watches components: set on to a component name or any-component"),
        (Self.slowRule("degraded\n    inhibit: maybe"), #"c.yaml:12:14: alerts[0].inhibit: expected true or false, got "maybe""#),
    ]

    /// A component `a` with a latency threshold (degraded only) and a rule over it.
    static func slowRule(_ when: String, on: String = "a") -> String {
        c("    type: tcp\n    address: h:1\n    thresholds:\n      latency: { degraded: 300ms }\n")
            + "notifiers: [{ name: ops, type: webhook, url: \"http://h/\" }]\nalerts:\n  - name: slow\n    on: \(on)\n    when: \(when)\n    notify: [ops]\n"
    }

    @Test(arguments: serviceAndRules)
    func badServiceAndRules(yaml: String, expected: String) {
        #expect(errors(yaml) == expected.components(separatedBy: "\n"))
    }

    @Test(arguments: structure)
    func badStructure(yaml: String, expected: String) {
        #expect(errors(yaml) == expected.components(separatedBy: "\n"))
    }

    @Test(arguments: values)
    func badValues(yaml: String, expected: String) {
        #expect(errors(yaml) == expected.components(separatedBy: "\n"))
    }

    @Test(arguments: thresholds)
    func badThresholds(yaml: String, expected: String) {
        #expect(errors(yaml) == expected.components(separatedBy: "\n"))
    }

    @Test(arguments: probes)
    func badProbes(yaml: String, expected: String) {
        #expect(errors(yaml) == expected.components(separatedBy: "\n"))
    }

    @Test(arguments: sections)
    func badSections(yaml: String, expected: String) {
        #expect(errors(yaml) == expected.components(separatedBy: "\n"))
    }

    @Test func everyProblemIsReportedNotJustTheFirst() {
        let yaml = """
            server: { listen: nowhere, colour: red }
            defaults: { interval: 10 }
            components:
              - name: A
                type: tcp
              - name: b
                type: disk
              - name: c
                type: memory
                colour: red
              - name: c
                type: memory
            alerts:
              - { name: x, on: nothing, notify: [nobody] }
            """
        // Sorted by position, whatever order the checks ran in.
        let found = errors(yaml)
        #expect(found == [
            #"c.yaml:1:19: server.listen: expected host:port, :port or [v6]:port, got "nowhere""#,
            "c.yaml:1:28: server.colour: unknown key",
            #"c.yaml:2:23: defaults.interval: expected a duration with a unit such as 250ms, 2s, 5m, 1h or 7d, got "10""#,
            "c.yaml:4:5: components[0]: missing required key address",
            #"c.yaml:4:11: components[0].name: "A" is not a valid name: use [a-z0-9][a-z0-9_.-]*"#,
            "c.yaml:6:5: components[b]: missing required key path",
            "c.yaml:10:5: components[c].colour: unknown key",
            "c.yaml:11:11: components[c].name: duplicate component name (first declared at c.yaml:8:5)",
            #"c.yaml:14:20: alerts[0].on: expected service, any-component or a component name; no component is named "nothing""#,
            #"c.yaml:14:38: alerts[0].notify[0]: no notifier is named "nobody""#,
        ])
    }
}
