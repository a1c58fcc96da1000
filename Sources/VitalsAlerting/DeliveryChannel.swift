import Foundation
import Logging
import VitalsConfig

/// How one notifier's deliveries leave the process: a POST (webhook, Slack, Alertmanager,
/// PagerDuty), a mail submission (email) or a line in the daemon's log (log). Built once per
/// queue from the notifier's spec, so the queue's retry loop is the same for all of them.
struct DeliveryChannel: Sendable {
    private enum Route: Sendable {
        case post(url: String, headers: [(String, String)])
        case mail(OutgoingMail)
        case log(Logger)
    }

    private let route: Route
    private let transport: any HTTPTransport
    private let notifier: String

    init(spec: NotifierSpec, transport: any HTTPTransport, logger: Logger) {
        self.transport = transport
        notifier = spec.name
        switch spec.kind {
        case .webhook, .slack, .alertmanager, .pagerduty, .discord, .teams, .telegram, .ntfy, .mattermost, .pushover, .googleChat, .opsgenie:
            var headers: [(String, String)] = [("Content-Type", "application/json"), ("User-Agent", "vitals-alerting")]
            for (name, value) in spec.headers.sorted(by: { $0.key < $1.key }) { headers.append((name, value.value)) }
            if spec.kind == .ntfy, let token = spec.token { headers.append(("Authorization", "Bearer \(token.value)")) }
            if spec.kind == .opsgenie, let key = spec.token { headers.append(("Authorization", "GenieKey \(key.value)")) }
            route = .post(url: PayloadEncoder.postURL(spec), headers: headers)
        case .email:
            let settings = spec.email ?? EmailSettings(from: "", to: [])
            route = .mail(
                OutgoingMail(
                    url: spec.url.value, from: settings.from, to: settings.to, username: settings.username,
                    password: settings.password?.value, tls: settings.tls, message: []))
        case .log:
            route = .log(logger)
        }
    }

    /// One attempt with an encoded body (`PayloadEncoder.body`), posted to `url` when the
    /// delivery has an address of its own (`Delivery.url`), else to the notifier's.
    func send(_ body: [UInt8], to address: String? = nil, timeout: Duration) async -> TransportOutcome {
        switch route {
        case .post(let url, let headers):
            return await transport.post(url: address ?? url, headers: headers, body: body, timeout: timeout)
        case .mail(var mail):
            mail.message = body
            return await transport.sendMail(mail, timeout: timeout)
        case .log(let logger):
            let line = LogNotification.decode(body)
            var metadata: Logger.Metadata = ["notifier": "\(notifier)"]
            for (key, value) in line.fields { metadata[key] = "\(value)" }
            logger.log(level: line.isFiring ? .warning : .notice, "\(LogNotification.message)", metadata: metadata)
            return .logged
        }
    }
}
