import Foundation
import Yams

/// `push`: a component fed from outside (a heartbeat, a cron job, a CI pipeline) through
/// `POST`/`GET /api/v1/push/NAME`; silence is the failure. Nothing is probed: the daemon's
/// `PushWatch` records each push as a result and a missed deadline as a failed one.
public struct PushSettings: Sendable, Equatable {
    /// How much silence past `interval` is tolerated before the component turns unhealthy;
    /// nil: `defaultGrace` of the interval (`ComponentSpec.pushDeadline` resolves it).
    public var grace: Duration?
    /// What each push must carry (`Authorization: Bearer` or `?token=`); usually `token_file`.
    public var token: Secret
    public init(grace: Duration? = nil, token: Secret) {
        self.grace = grace
        self.token = token
    }

    /// `grace` when the component sets none: a tenth of the interval, at least a second, so a
    /// job that runs a little late is not reported dead.
    public static func defaultGrace(interval: Duration) -> Duration { max(.seconds(1), interval / 10) }

    /// The shortest token accepted: a push endpoint is reachable by anyone who can reach the
    /// API, so a guessable token is refused at load.
    public static let minTokenLength = 16
}

extension PushSettings: ProbeConfig {
    static let type = ProbeType.push
    static let keys = ["grace", "token"]
    /// The duration a push reports is its latency.
    static let thresholds: Set<String> = ["latency"]
    /// One push is one report: a `status=down` or a missed deadline counts at once, unless the
    /// component sets `failure_threshold` itself.
    static let defaultFailureThreshold: Int? = 1
    var probeSettings: ProbeSettings { .push(self) }
    static func parse(_ f: Fields, _ parser: ConfigParser) -> Self? { parser.parsePush(f) }

    /// The interval is what a push component is about: it has no useful default.
    func check(in spec: ComponentSpec, _ f: Fields) {
        if !f.has("interval") { f.error("interval", "a push component needs interval: how often a push is expected (e.g. 24h)") }
    }
}

extension ConfigParser {
    func parsePush(_ f: Fields) -> PushSettings? {
        // The message never quotes the token, which usually comes from `token_file`.
        guard f.require("token") != nil, let token = f.secret("token") else { return nil }
        if token.value.utf8.count < PushSettings.minTokenLength {
            f.error("token", "the token is too short: at least \(PushSettings.minTokenLength) characters (e.g. openssl rand -hex 16)")
        } else if token.value.unicodeScalars.contains(where: { $0.value <= 0x20 || $0.value == 0x7F }) {
            f.error("token", "the token must not contain spaces or control characters")
        }
        return PushSettings(grace: f.duration("grace", allowZero: true), token: token)
    }
}
