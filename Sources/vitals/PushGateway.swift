import Foundation
import VitalsConfig
import VitalsCore
import VitalsServer

/// `vitals check --push-gateway URL [--job NAME]`: one run's results as metrics, for a CronJob
/// that no Prometheus scrapes.
///
/// A `PUT` to `URL/metrics/job/NAME` replaces the whole group, so a component that left the
/// config (or a run with fewer `--component`s) leaves no stale series behind. The group is the
/// job alone, without an `instance` label: every run of a CronJob is a new pod with a new name,
/// and a group per pod would pile up in the Pushgateway forever (it never expires groups). Runs
/// that check different components push under different `--job` names.
struct PushGateway {
    /// The Pushgateway's base URL, as given (may carry basic-auth credentials).
    var url: String
    var job: String

    /// libcurl ends the push at this; a check is a CronJob step, not a daemon that can wait.
    static let timeout: Duration = .seconds(10)
    /// The Pushgateway's error text is shown; this much of it is plenty.
    static let maxAnswerBytes = 4096

    /// Checked before anything is probed: the URL is http(s) with a host, the job not empty.
    init(url: String, job: String) throws(PushError) {
        guard let parts = URLComponents(string: url), let scheme = parts.scheme?.lowercased(), scheme == "http" || scheme == "https",
            let host = parts.host, !host.isEmpty, parts.query == nil, parts.fragment == nil
        else {
            throw PushError("--push-gateway must be an http:// or https:// URL without query, like http://pushgateway:9091")
        }
        guard !job.isEmpty else { throw PushError("--job must not be empty") }
        self.url = url
        self.job = job
    }

    /// `URL/metrics/job/NAME`; a job with a `/` goes as `job@base64/...`, the only form the
    /// Pushgateway reads a slash in (its README, "URL").
    var groupURL: String {
        var base = url
        while base.hasSuffix("/") { base.removeLast() }
        if job.contains("/") {
            let encoded = Data(job.utf8).base64EncodedString().replacingOccurrences(of: "+", with: "-")
                .replacingOccurrences(of: "/", with: "_")
            return base + "/metrics/job@base64/" + encoded
        }
        let unreserved = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
        return base + "/metrics/job/" + (job.addingPercentEncoding(withAllowedCharacters: unreserved) ?? job)
    }

    /// The results as `vitals_*` series (`MetricsRenderer.renderPush`); `service` only when every
    /// component was checked. `name`: `service.name`, on `vitals_build_info`.
    static func exposition(_ rows: [CheckRow], service: HealthStatus?, name: String, at now: Date) -> String {
        let snapshots = rows.map { r in
            ComponentSnapshot(
                spec: r.spec, status: r.status, since: now, lastCheck: now, lastResult: r.result, lastJudgement: r.status,
                lastSuccess: r.result.success ? now : nil)
        }
        return MetricsRenderer.renderPush(snapshots, service: service, name: name)
    }

    /// The daemon's push (`push_gateway:`): the gauges of `/metrics` under the same names, as
    /// `vitals check` pushes them; the service status once startup is complete.
    static func exposition(_ snapshot: HealthSnapshot, name: String) -> String {
        MetricsRenderer.renderPush(snapshot.components, service: snapshot.startupComplete ? snapshot.status : nil, name: name)
    }

    /// Sends the exposition; throws what went wrong in one line, with the URL's credentials
    /// (and the Pushgateway's echo of them) taken out.
    func push(_ text: String, transport: CurlTransport = CurlTransport()) async throws(PushError) {
        let response = await transport.send(
            "PUT", url: groupURL, headers: [("Content-Type", "text/plain; version=0.0.4; charset=utf-8")], body: Array(text.utf8),
            timeout: Self.timeout, maxAnswerBytes: Self.maxAnswerBytes)
        let redactor = Redactor(Redactor.userinfoPassword(of: url))
        if let failure = response.failure {
            throw PushError(redactor.scrub("push to \(Self.shown(url)) failed: \(failure.description)"))
        }
        guard (200..<300).contains(response.statusCode) else {
            let answer = String(decoding: response.body, as: UTF8.self).split(whereSeparator: \.isNewline).joined(separator: " ")
            throw PushError(redactor.scrub("push to \(Self.shown(url)) failed: HTTP \(response.statusCode) \(answer)".trimmingCharacters(in: .whitespaces)))
        }
    }

    /// The URL as an error message may show it: without its user and password.
    static func shown(_ url: String) -> String {
        guard var parts = URLComponents(string: url) else { return "the Pushgateway" }
        parts.user = nil
        parts.password = nil
        return parts.string ?? "the Pushgateway"
    }
}

struct PushError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
