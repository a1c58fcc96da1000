import Foundation
import VitalsConfig
import VitalsCore

/// One push to `/api/v1/push/NAME`, read from the query string and, for a POST, a form body
/// (`application/x-www-form-urlencoded`, curl's `-d`): the token, and the result it reports.
///
/// Strict: an unknown or repeated parameter is refused rather than ignored (`stauts=down` would
/// otherwise record an `up`), and every value is bounded, so a client cannot grow what is kept
/// and stored nor smuggle markup or line breaks into a message.
struct PushRequest: Equatable {
    /// `Authorization: Bearer`, else `?token=`.
    var token: String?
    var result: ProbeResult

    /// A push says how it went in a line, not a log.
    static let maxMessageLength = 256
    /// Parameters fit in far less; anything larger is not a push.
    static let maxBodyBytes = 4096
    static let parameters: Set<String> = ["token", "status", "msg", "duration", "exit_code"]

    /// The tokens given, read before anything else is looked at: the name and token decide
    /// 404 and 401 before a malformed push gets its 400. A header may carry another token (a
    /// client that sends the API's everywhere) beside `?token=`: each is compared, and always
    /// the same two (an absent one as empty), so the work does not depend on which was given.
    static func tokens(authorization: String?, query: Query, body: Query) -> [String] {
        [BearerToken.token(of: authorization) ?? "", query.first("token") ?? body.first("token") ?? ""]
    }

    /// The body as form parameters, or the refusal: 413 past `maxBodyBytes`, 415 for a body
    /// that is not a form.
    static func form(body: [UInt8], contentType: String?) -> Result<Query, PushRefusal> {
        guard body.count <= maxBodyBytes else { return .failure(PushRefusal(status: 413, message: "a push body is at most \(maxBodyBytes) bytes")) }
        guard !body.isEmpty else { return .success(Query(nil)) }
        let mediaType = contentType?.split(separator: ";").first?.trimmingCharacters(in: .whitespaces).lowercased()
        guard mediaType == nil || mediaType == "application/x-www-form-urlencoded" else {
            return .failure(PushRefusal(status: 415, message: "send the parameters in the query string or as application/x-www-form-urlencoded"))
        }
        return .success(Query(String(decoding: body, as: UTF8.self)))
    }

    /// The result a push reports: `status=up|down` (default up, or down for a non-zero
    /// `exit_code`), `msg` (one line, cut at `maxMessageLength`), `duration` (`2s`, `1500ms`:
    /// the latency its thresholds judge), `exit_code` (kept as an observation).
    static func result(query: Query, body: Query) -> Result<ProbeResult, PushRefusal> {
        var values: [String: String] = [:]
        for (key, value) in query.pairs + body.pairs {
            guard parameters.contains(key) else {
                return .failure(.bad("unknown parameter \(quoted(key)): a push takes status, msg, duration, exit_code (and token)"))
            }
            guard values.updateValue(value, forKey: key) == nil || key == "token" else { return .failure(.bad("\(key) is given twice")) }
        }
        var up = true
        if let status = values["status"] {
            switch status.lowercased() {
            case "up": up = true
            case "down": up = false
            default: return .failure(.bad("status must be up or down"))
            }
        }
        var observations: [Observation] = []
        if let text = values["exit_code"] {
            guard let code = Int32(text.trimmingCharacters(in: .whitespaces)) else { return .failure(.bad("exit_code must be a whole number")) }
            observations.append(Observation("exit_code", Double(code)))
            if code != 0 { up = false }
        }
        var latency = Duration.zero
        if let text = values["duration"] {
            guard let d = Units.duration(text) else { return .failure(.bad("duration must be like 2s, 1500ms or 1h30m")) }
            latency = d
        }
        var message = oneLine(values["msg"] ?? "")
        if message.isEmpty { message = up ? "push received" : "push reported down" }
        return .success(ProbeResult(success: up, latency: latency, message: message, observations: observations))
    }

    /// Control characters (line breaks, escapes) as spaces, runs of spaces as one, cut at
    /// `maxMessageLength` characters. Markup stays text: every page escapes what it shows.
    static func oneLine(_ text: String) -> String {
        var out = String.UnicodeScalarView()
        var space = true
        for scalar in text.unicodeScalars {
            let blank = scalar.properties.generalCategory == .control || scalar.properties.isWhitespace
            if blank {
                if !space { out.append(" ") }
                space = true
            } else {
                out.append(scalar)
                space = false
            }
        }
        var line = String(out).trimmingCharacters(in: .whitespaces)
        if line.count > maxMessageLength { line = String(line.prefix(maxMessageLength - 3)) + "..." }
        return line
    }

    private static func quoted(_ key: String) -> String {
        "\"" + oneLine(key.count > 40 ? key.prefix(40) + "..." : key) + "\""
    }
}

struct PushRefusal: Error, Equatable {
    var status: Int
    var message: String
    static func bad(_ message: String) -> PushRefusal { PushRefusal(status: 400, message: message) }
}

extension HealthRoutes {
    /// The token every unknown name is checked against, so that a name that is not a push
    /// component costs the same work as a wrong token (spec section 12).
    private static let stranger = BearerToken(Secret(String(repeating: "\u{0}", count: 64)))

    /// `POST` or `GET /api/v1/push/NAME` (`HEAD` only checks): not behind the API's token but the component's own.
    /// 404 for a name that is not a push component and 401 for a wrong token, after the same
    /// work; then 400 for a malformed push, 429 past the component's rate, 200 once recorded.
    func push(_ call: RouteCall) async -> HealthAnswer {
        let request = call.request
        let form: Query
        switch PushRequest.form(body: request.body, contentType: request.contentType) {
        case .failure(let refusal): return .plain(refusal.status, refusal.message + "\n")
        case .success(let q): form = q
        }
        let query = call.query
        let receiver = extras.push
        let expected = receiver?.token(of: call["name"])
        let check = expected.map(BearerToken.init) ?? Self.stranger
        // Both compared, whatever the first says: no shortcut to time.
        let accepted = PushRequest.tokens(authorization: request.authorization, query: query, body: form).map { !$0.isEmpty && check.accepts(token: $0) }
            .reduce(false) { $0 || $1 }
        guard let receiver, expected != nil else { return .plain(404, "no push component of this name\n") }
        guard accepted else { return .plain(401, "unauthorized\n", [("www-authenticate", "Bearer realm=\"vitals push\"")]) }
        // HEAD checks the name and token and records nothing (a monitor testing the URL).
        if request.method == "HEAD" { return .plain(200, "ok\n") }
        let result: ProbeResult
        switch PushRequest.result(query: query, body: form) {
        case .failure(let refusal): return .plain(refusal.status, refusal.message + "\n")
        case .success(let r): result = r
        }
        switch await receiver.receive(call["name"], result) {
        case .recorded, .forwarded: return .plain(200, "ok\n")
        case .unknown: return .plain(404, "no push component of this name\n")
        case .tooSoon(let wait):
            let seconds = max(1, Int(wait.seconds.rounded(.up)))
            return .plain(429, "too many pushes: at most one per second\n", [("retry-after", String(seconds))])
        case .failed(let reason): return .plain(503, "the push could not be recorded: \(reason)\n", [("retry-after", "5")])
        }
    }
}
