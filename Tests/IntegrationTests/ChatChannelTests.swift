import Foundation
import Testing
import VitalsTestSupport

/// The chat notifiers through the running daemon and its libcurl transport, each against a
/// loopback receiver that checks the provider's documented request schema and answers as the
/// provider does: success, its rate limit (429 with Retry-After), its 400 for a bad request.
@Suite(.serialized) struct ChatChannelTests {
    /// A `*_file` holding `value` and a newline (which Vitals trims), as a secret is mounted.
    /// The notifier's firing and resolve counted as sent, and none of `secrets` in `/alerts`,
    /// `/metrics` or the log.
    static func expectSentTwiceKeeping(_ secrets: [String], notifier: String, _ vitals: VitalsProcess) async throws {
        let alerts = try await vitals.get("/alerts").body
        let metrics = try await vitals.waitFor("/metrics") { _, b in b.contains("vitals_alerts_sent_total{notifier=\"\(notifier)\",result=\"success\"} 2") }
        for view in [alerts, metrics.body, vitals.stderr] {
            for secret in secrets { #expect(!view.contains(secret), "\(notifier)'s secret leaked: \(view.prefix(400))") }
        }
    }

    static func secretFile(_ scratch: ScratchFolder, _ value: String) throws -> URL {
        let file = scratch.url.appendingPathComponent(UUID().uuidString)
        try "\(value)\n".write(to: file, atomically: true, encoding: .utf8)
        return file
    }

    /// Discord: the first request is rate limited (waited out, then delivered); a webhook that
    /// answers 400 is tried once; the webhook token in the URL (read from `url_file`) shows
    /// nowhere.
    @Test func discordRateLimitIsWaitedOutAndA400IsFinal() async throws {
        let discord = try WebhookReceiver(reply: DiscordSchema.answer(rateLimitFirst: 1))
        let broken = try WebhookReceiver(reply: { _, _ in WebhookReceiver.Reply(status: 400, body: #"{"message": "Invalid Webhook Token", "code": 50027}"#) })
        let token = "dT0k3n-" + String(UInt64.random(in: 0...UInt64.max), radix: 36)
        let scratch = ScratchFolder()
        defer { scratch.remove() }
        let urlFile = try Self.secretFile(scratch, "http://127.0.0.1:\(discord.port)/api/webhooks/1234567890/\(token)")
        let watched = try await NotifierTests.Watched(
            "chatty",
            notifiers: """
                  - { name: discord, type: discord, url_file: \(urlFile.path) }
                  - { name: discord-bad, type: discord, url: "http://127.0.0.1:\(broken.port)/api/webhooks/1/\(token)" }
                """,
            notify: ["discord", "discord-bad"])
        let (target, component, vitals) = (watched.target, watched.component, watched.vitals)
        defer { vitals.stop() }
        target.close()
        let started = Date()
        #expect(await discord.waitFor { $0.count == 1 }, "Discord accepted no firing; log:\n\(vitals.stderr.suffix(1500))")
        // One 429 (Retry-After: 3, longer than the 1 s backoff), then the same message, no sooner than asked.
        #expect(discord.requests == 2)
        #expect(discord.arrivals.first.map { $0.timeIntervalSince(started) >= 3 } == true)
        let firing = try #require(jsonObject(discord.bodies[0]))
        #expect((firing["content"] as? String)?.contains(#"**FIRING**"#) == true)
        #expect((firing["content"] as? String)?.contains(component.replacingOccurrences(of: "-", with: #"\-"#)) == true)
        try target.open()
        #expect(await discord.waitFor { $0.count == 2 }, "Discord accepted no resolve")
        #expect((jsonObject(discord.bodies[1])?["content"] as? String)?.contains("**RESOLVED**") == true)

        let alerts = try await vitals.waitFor("/alerts") { _, b in b.contains(#""notifier":"discord-bad""#) }.body
        let attempts = try NotifierTests.attempts(alerts)
        let bad = attempts.filter { $0["notifier"] as? String == "discord-bad" }
        #expect(bad.first?["outcome"] as? String == "rejected" && bad.first?["status_code"] as? Int == 400, "\(bad)")
        #expect(broken.requests == bad.count, "a 400 was retried")
        let limited = attempts.first { $0["notifier"] as? String == "discord" && $0["status_code"] as? Int == 429 }
        #expect(limited?["error"] as? String == "HTTP 429, Retry-After 3s", "\(attempts)")
        let metrics = try await vitals.waitFor("/metrics") { _, b in b.contains(#"vitals_alerts_sent_total{notifier="discord",result="success"} 2"#) }
        for view in [alerts, metrics.body, vitals.stderr] { #expect(!view.contains(token), "the webhook token leaked: \(view.prefix(400))") }
    }

    /// Teams: the Workflows webhook throttles the first post (waited out), then takes the card;
    /// the signature in the URL's query shows nowhere.
    @Test func teamsWorkflowTakesTheCardAfterItsRateLimit() async throws {
        let teams = try WebhookReceiver(reply: TeamsSchema.answer(rateLimitFirst: 1))
        let sig = "s1g-" + String(UInt64.random(in: 0...UInt64.max), radix: 36)
        let watched = try await NotifierTests.Watched(
            "carded",
            notifiers: """
                  - { name: teams, type: teams, url: "http://127.0.0.1:\(teams.port)/workflows/abc/triggers/manual/paths/invoke?api-version=2016-06-01&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0&sig=\(sig)" }
                """,
            notify: ["teams"])
        let (target, component, vitals) = (watched.target, watched.component, watched.vitals)
        defer { vitals.stop() }
        let started = Date()
        target.close()
        #expect(await teams.waitFor { $0.count == 1 }, "Teams accepted no card; log:\n\(vitals.stderr.suffix(1500))")
        #expect(teams.requests == 2 && teams.arrivals.first.map { $0.timeIntervalSince(started) >= 3 } == true)
        let text = try #require(jsonObject(teams.bodies[0])).description
        #expect(text.contains("FIRING") && text.contains(component))
        try target.open()
        #expect(await teams.waitFor { $0.count == 2 }, "Teams accepted no resolve")
        try await Self.expectSentTwiceKeeping([sig], notifier: "teams", vitals)
    }
}

extension ChatChannelTests {
    /// Telegram: the bot token (from `bot_token_file`) goes only in the request path; the first
    /// sendMessage is throttled the Bot API's way (429, `parameters.retry_after` in the body, no
    /// header) and waited out; a chat the bot is not in is a 400, tried once.
    @Test func telegramSendMessageWaitsOutItsRetryAfterAndA400IsFinal() async throws {
        let telegram = try WebhookReceiver(reply: TelegramSchema.answer(rateLimitFirst: 1, chat: -1_001_234_567_890))
        // Its own receiver, so which notifier meets the 429 is not a race.
        let lostChat = try WebhookReceiver(reply: TelegramSchema.answer(rateLimitFirst: 0, chat: -1_001_234_567_890))
        let token = "123456789:AAH" + String(UInt64.random(in: 0...UInt64.max), radix: 36) + "_x-Y"
        let scratch = ScratchFolder()
        defer { scratch.remove() }
        let tokenFile = try Self.secretFile(scratch, token)
        let watched = try await NotifierTests.Watched(
            "messaged",
            notifiers: """
                  - { name: tg, type: telegram, url: "http://127.0.0.1:\(telegram.port)", bot_token_file: \(tokenFile.path), chat_id: -1001234567890 }
                  - { name: tg-lost, type: telegram, url: "http://127.0.0.1:\(lostChat.port)/", bot_token_file: \(tokenFile.path), chat_id: "@nowhere" }
                """,
            notify: ["tg", "tg-lost"])
        let (target, component, vitals) = (watched.target, watched.component, watched.vitals)
        defer { vitals.stop() }
        let started = Date()
        target.close()
        #expect(await telegram.waitFor { $0.count == 1 }, "Telegram accepted no message; log:\n\(vitals.stderr.suffix(1500))")
        #expect(telegram.arrivals.first.map { $0.timeIntervalSince(started) >= 3 } == true, "the retry_after was not waited out")
        #expect(telegram.headers.contains("POST /bot\(token)/sendMessage HTTP/1.1"), "\(telegram.headers.prefix(3))")
        let text = try #require(jsonObject(telegram.bodies[0])?["text"] as? String)
        #expect(text.hasPrefix("<b>FIRING: \(component)-down</b>"), "\(text)")
        try target.open()
        #expect(await telegram.waitFor { $0.count == 2 }, "Telegram accepted no resolve")
        let alerts = try await vitals.waitFor("/alerts") { _, b in b.contains(#""notifier":"tg-lost""#) }.body
        let attempts = try NotifierTests.attempts(alerts)
        let lost = attempts.filter { $0["notifier"] as? String == "tg-lost" }
        #expect(lost.first?["outcome"] as? String == "rejected" && lost.first?["status_code"] as? Int == 400, "\(lost)")
        #expect(lost.allSatisfy { $0["outcome"] as? String == "rejected" } && lostChat.requests == lost.count, "a 400 was retried: \(lost)")
        let limited = attempts.first { $0["notifier"] as? String == "tg" && $0["status_code"] as? Int == 429 }
        #expect(limited?["error"] as? String == "HTTP 429, Retry-After 3s", "\(attempts)")
        let metrics = try await vitals.waitFor("/metrics") { _, b in b.contains(#"vitals_alerts_sent_total{notifier="tg",result="success"} 2"#) }
        for view in [alerts, metrics.body, vitals.stderr] { #expect(!view.contains(token) && !view.contains("AAH"), "the bot token leaked: \(view.prefix(400))") }
    }
}

extension ChatChannelTests {
    /// ntfy: a JSON publish to the server's root with the topic inside and the access token as
    /// a Bearer header (from `token_file`); ntfy's 429 carries no Retry-After, so the backoff
    /// retries it; a server answering 413 (message too large) is tried once.
    @Test func ntfyPublishesJSONWithItsTokenAndA413IsFinal() async throws {
        let ntfy = try WebhookReceiver(reply: NtfySchema.answer(rateLimitFirst: 1))
        let tooLarge = try WebhookReceiver(reply: { _, _ in
            WebhookReceiver.Reply(status: 413, body: #"{"code":41301,"http":413,"error":"invalid request: request body too large"}"#)
        })
        let token = "tk_" + String(UInt64.random(in: 0...UInt64.max), radix: 36).padding(toLength: 29, withPad: "q", startingAt: 0)
        let scratch = ScratchFolder()
        defer { scratch.remove() }
        let tokenFile = try Self.secretFile(scratch, token)
        let watched = try await NotifierTests.Watched(
            "pushed",
            notifiers: """
                  - { name: ntfy, type: ntfy, url: "http://127.0.0.1:\(ntfy.port)/vitals-ops", token_file: \(tokenFile.path), priority: 4 }
                  - { name: ntfy-big, type: ntfy, url: "http://127.0.0.1:\(tooLarge.port)/vitals-ops" }
                """,
            notify: ["ntfy", "ntfy-big"])
        let (target, component, vitals) = (watched.target, watched.component, watched.vitals)
        defer { vitals.stop() }
        target.close()
        #expect(await ntfy.waitFor { $0.count == 1 }, "ntfy accepted nothing; log:\n\(vitals.stderr.suffix(1500))")
        #expect(ntfy.requests == 2)
        #expect(ntfy.headers.contains("POST / HTTP/1.1") && ntfy.headers.contains("Authorization: Bearer \(token)"), "\(ntfy.headers)")
        let published = try #require(jsonObject(ntfy.bodies[0]))
        #expect(published["topic"] as? String == "vitals-ops" && published["priority"] as? Int == 4)
        #expect((published["title"] as? String)?.hasPrefix("FIRING: \(component)-down") == true)
        try target.open()
        #expect(await ntfy.waitFor { $0.count == 2 }, "ntfy accepted no resolve")
        let alerts = try await vitals.waitFor("/alerts") { _, b in b.contains(#""notifier":"ntfy-big""#) }.body
        let big = try NotifierTests.attempts(alerts).filter { $0["notifier"] as? String == "ntfy-big" }
        #expect(big.first?["outcome"] as? String == "rejected" && big.first?["status_code"] as? Int == 413, "\(big)")
        #expect(big.allSatisfy { $0["outcome"] as? String == "rejected" } && tooLarge.requests == big.count)
        let metrics = try await vitals.waitFor("/metrics") { _, b in b.contains(#"vitals_alerts_sent_total{notifier="ntfy",result="success"} 2"#) }
        for view in [alerts, metrics.body, vitals.stderr] { #expect(!view.contains(token), "the ntfy token leaked: \(view.prefix(400))") }
    }
}

extension ChatChannelTests {
    /// Hostile receivers beside a good one: one answers 200 only after 3 s (past its 500 ms
    /// timeout), one answers 429 with `Retry-After` of a day for ever, one closes every
    /// connection before answering. The good Discord webhook gets the firing and then the
    /// resolve as if they were not there; each bad one shows in `/alerts` as what it did, and
    /// the throttling one was asked once (it waits the capped hour, not a day, and not in a loop).
    @Test func aBadReceiverCostsOnlyItsOwnQueue() async throws {
        let good = try WebhookReceiver(reply: DiscordSchema.answer(rateLimitFirst: 0))
        let slow = try WebhookReceiver(reply: { _, _ in
            usleep(3_000_000)
            return WebhookReceiver.Reply(status: 204)
        })
        let throttling = try WebhookReceiver(reply: { _, _ in
            WebhookReceiver.Reply(status: 429, headers: ["Retry-After: 86400"], body: #"{"message": "You are being rate limited.", "retry_after": 86400, "global": true}"#)
        })
        let closer = try TCPTarget()
        try closer.open()
        let watched = try await NotifierTests.Watched(
            "hostile",
            notifiers: """
                  - { name: good, type: discord, url: "http://127.0.0.1:\(good.port)/api/webhooks/1/t" }
                  - { name: slow, type: discord, url: "http://127.0.0.1:\(slow.port)/api/webhooks/1/t", timeout: 500ms }
                  - { name: throttling, type: teams, url: "http://127.0.0.1:\(throttling.port)/workflows/1/invoke?sig=x" }
                  - { name: closer, type: ntfy, url: "http://127.0.0.1:\(closer.port)/ops" }
                """,
            notify: ["good", "slow", "throttling", "closer"])
        let (target, vitals) = (watched.target, watched.vitals)
        defer { vitals.stop() }
        let closedAt = Date()
        target.close()
        #expect(await good.waitFor { $0.count == 1 }, "the good receiver got no firing")
        let firingTook = good.arrivals[0].timeIntervalSince(closedAt)
        try target.open()
        let openedAt = Date()
        #expect(await good.waitFor { $0.count == 2 }, "the good receiver got no resolve")
        let resolveTook = good.arrivals[1].timeIntervalSince(openedAt)
        // A 200 ms probe interval and failure_threshold 1: well under a second each way.
        #expect(firingTook < 2 && resolveTook < 2, "firing \(firingTook) s, resolve \(resolveTook) s")
        let alerts = try await vitals.waitFor("/alerts") { _, b in
            b.contains(#""notifier":"slow""#) && b.contains(#""notifier":"throttling""#) && b.contains(#""notifier":"closer""#)
        }.body
        let attempts = try NotifierTests.attempts(alerts)
        func of(_ name: String) -> [[String: Any]] { attempts.filter { $0["notifier"] as? String == name } }
        #expect(of("slow").first?["outcome"] as? String == "failure", "\(of("slow"))")
        #expect(of("throttling").first?["error"] as? String == "HTTP 429, Retry-After 1d", "\(of("throttling"))")
        #expect(of("closer").first?["outcome"] as? String == "failure", "\(of("closer"))")
        #expect(throttling.requests == 1, "asked \(throttling.requests) times")
    }
}

extension ChatChannelTests {
    /// Mattermost: rate limited first (429, Retry-After), then the post is taken; the hook's key
    /// in the URL path shows nowhere.
    @Test func mattermostWaitsOutItsRateLimitAndKeepsItsKey() async throws {
        let mattermost = try WebhookReceiver(reply: MattermostSchema.answer(rateLimitFirst: 1))
        let key = "mmk" + String(UInt64.random(in: 0...UInt64.max), radix: 36)
        let watched = try await NotifierTests.Watched(
            "posted", notifiers: "  - { name: mm, type: mattermost, url: \"http://127.0.0.1:\(mattermost.port)/hooks/\(key)\" }", notify: ["mm"])
        let (target, component, vitals) = (watched.target, watched.component, watched.vitals)
        defer { vitals.stop() }
        let started = Date()
        target.close()
        #expect(await mattermost.waitFor { $0.count == 1 }, "Mattermost took no post; log:\n\(vitals.stderr.suffix(1500))")
        #expect(mattermost.arrivals.first.map { $0.timeIntervalSince(started) >= 3 } == true, "the Retry-After was not waited out")
        let text = try #require(jsonObject(mattermost.bodies[0])?["text"] as? String)
        #expect(text.hasPrefix("**FIRING: \(component.replacingOccurrences(of: "_", with: "\\_"))-down**"), "\(text)")
        try target.open()
        #expect(await mattermost.waitFor { $0.count == 2 }, "Mattermost took no resolve")
        try await Self.expectSentTwiceKeeping([key], notifier: "mm", vitals)
    }
}

/// Mattermost's incoming webhook as documented (developers.mattermost.com/integrate/webhooks/
/// incoming): `200 ok` for a post with `text` (or attachments) of at most 16,383 characters;
/// `400 {"id":"web.incoming_webhook.text.app_error",...,"status_code":400}` otherwise; its rate
/// limiter's `429` with `Retry-After` and `X-Ratelimit-*` headers.
enum MattermostSchema {
    static let keys: Set = ["text", "channel", "username", "icon_url", "icon_emoji", "attachments", "type", "props", "priority"]

    static func answer(rateLimitFirst: Int) -> @Sendable (Int, String) -> WebhookReceiver.Reply {
        { n, body in
            if n <= rateLimitFirst {
                return WebhookReceiver.Reply(
                    status: 429, headers: ["Retry-After: 3", "X-Ratelimit-Limit: 10", "X-Ratelimit-Remaining: 0", "X-Ratelimit-Reset: 3"],
                    body: "limit exceeded\n")
            }
            func bad(_ id: String, _ why: String) -> WebhookReceiver.Reply {
                WebhookReceiver.Reply(status: 400, body: #"{"id":""# + id + #"","message":""# + why + #"","detailed_error":"","request_id":"r","status_code":400}"#)
            }
            guard let m = jsonObject(body) else { return bad("web.incoming_webhook.parse.app_error", "Unable to parse incoming data") }
            if !Set(m.keys).isSubset(of: keys) { return bad("web.incoming_webhook.parse.app_error", "unknown fields") }
            let text = m["text"] as? String ?? ""
            if text.isEmpty && m["attachments"] == nil { return bad("web.incoming_webhook.text.app_error", "No text specified") }
            if text.count > 16383 { return bad("web.incoming_webhook.text.length.app_error", "text too long") }
            return WebhookReceiver.Reply(status: 200, body: "ok")
        }
    }
}

extension ChatChannelTests {
    /// Pushover: a 5xx is retried, then the message is taken with the application token and
    /// user key (both from files) in the body; an unknown user key is a 400, tried once; neither
    /// key shows anywhere.
    @Test func pushoverRetriesA5xxAndAnUnknownUserIsFinal() async throws {
        let token = "a" + String(repeating: "0", count: 16) + String(UInt32.random(in: 0...UInt32.max), radix: 36).padding(toLength: 13, withPad: "z", startingAt: 0)
        let user = "u" + String(repeating: "1", count: 16) + String(UInt32.random(in: 0...UInt32.max), radix: 36).padding(toLength: 13, withPad: "y", startingAt: 0)
        let other = "u" + String(repeating: "9", count: 29)
        let pushover = try WebhookReceiver(reply: PushoverSchema.answer(failFirst: 1, token: token, user: user))
        // Its own receiver, so which notifier meets the 500 is not a race.
        let refusing = try WebhookReceiver(reply: PushoverSchema.answer(failFirst: 0, token: token, user: user))
        let scratch = ScratchFolder()
        defer { scratch.remove() }
        let tokenFile = try Self.secretFile(scratch, token)
        let userFile = try Self.secretFile(scratch, user)
        let watched = try await NotifierTests.Watched(
            "buzzed",
            notifiers: """
                  - { name: po, type: pushover, url: "http://127.0.0.1:\(pushover.port)/1/messages.json", token_file: \(tokenFile.path), user_file: \(userFile.path) }
                  - { name: po-other, type: pushover, url: "http://127.0.0.1:\(refusing.port)/1/messages.json", token_file: \(tokenFile.path), user: \(other) }
                """,
            notify: ["po", "po-other"])
        let (target, component, vitals) = (watched.target, watched.component, watched.vitals)
        defer { vitals.stop() }
        target.close()
        #expect(await pushover.waitFor { $0.count == 1 }, "Pushover took nothing; log:\n\(vitals.stderr.suffix(1500))")
        let message = try #require(jsonObject(pushover.bodies[0]))
        #expect((message["title"] as? String)?.hasPrefix("FIRING: \(component)-down") == true && message["priority"] as? Int == 1)
        try target.open()
        #expect(await pushover.waitFor { $0.count == 2 }, "Pushover took no resolve")
        let alerts = try await vitals.waitFor("/alerts") { _, b in b.contains(#""notifier":"po-other""#) }.body
        let attempts = try NotifierTests.attempts(alerts)
        let wrong = attempts.filter { $0["notifier"] as? String == "po-other" }
        #expect(wrong.first?["outcome"] as? String == "rejected" && wrong.first?["status_code"] as? Int == 400, "\(wrong)")
        #expect(refusing.requests == wrong.count, "a 400 was retried")
        #expect(attempts.contains { $0["notifier"] as? String == "po" && $0["status_code"] as? Int == 500 && $0["outcome"] as? String == "failure" })
        let metrics = try await vitals.waitFor("/metrics") { _, b in b.contains(#"vitals_alerts_sent_total{notifier="po",result="success"} 2"#) }
        for view in [alerts, metrics.body, vitals.stderr] {
            for secret in [token, user, other] { #expect(!view.contains(secret), "a Pushover key leaked: \(view.prefix(400))") }
        }
    }
}

/// Pushover's Message API as documented (pushover.net/api): `200 {"status":1,"request":...}`;
/// a 4xx with `{"status":0,"errors":[...]}` for a bad request (not to be repeated); 5xx to be
/// retried later; 429 when the application's monthly quota is spent.
enum PushoverSchema {
    static let keys: Set = [
        "token", "user", "message", "attachment", "attachment_base64", "attachment_type", "device", "html", "priority", "sound", "timestamp",
        "title", "ttl", "url", "url_title", "monospace", "retry", "expire", "callback", "tags",
    ]

    static func answer(failFirst: Int, token: String, user: String) -> @Sendable (Int, String) -> WebhookReceiver.Reply {
        { n, body in
            if n <= failFirst { return WebhookReceiver.Reply(status: 500, body: "") }
            func bad(_ field: String, _ why: String) -> WebhookReceiver.Reply {
                WebhookReceiver.Reply(status: 400, body: #"{""# + field + #"":"invalid","errors":[""# + why + #""],"status":0,"request":"r"}"#)
            }
            guard let m = jsonObject(body) else { return bad("message", "message cannot be blank") }
            if !Set(m.keys).isSubset(of: keys) { return bad("message", "unknown parameters") }
            guard m["token"] as? String == token else { return bad("token", "application token is invalid") }
            guard m["user"] as? String == user else { return bad("user", "user identifier is not a valid user, group, or subscribed user key") }
            guard let message = m["message"] as? String, !message.isEmpty, message.count <= 1024 else { return bad("message", "message is invalid") }
            if ((m["title"] as? String) ?? "").count > 250 { return bad("title", "title is too long") }
            if ((m["url"] as? String) ?? "").count > 512 || ((m["url_title"] as? String) ?? "").count > 100 { return bad("url", "url is too long") }
            if let p = m["priority"] {
                guard let p = p as? Int, (-2...2).contains(p) else { return bad("priority", "priority is invalid") }
                if p == 2 && (m["retry"] == nil || m["expire"] == nil) { return bad("retry", "retry and expire are required for priority 2") }
            }
            return WebhookReceiver.Reply(status: 200, body: #"{"status":1,"request":"req-\#(n)"}"#)
        }
    }
}

extension ChatChannelTests {
    /// Google Chat: the space's webhook (key and token in the query) takes the message after
    /// a 429 RESOURCE_EXHAUSTED (no Retry-After: the backoff); neither key nor token shows.
    @Test func googleChatRetriesItsRateLimitAndKeepsItsKey() async throws {
        let chat = try WebhookReceiver(reply: GoogleChatSchema.answer(rateLimitFirst: 1))
        let key = "AIzaSy" + String(UInt64.random(in: 0...UInt64.max), radix: 36)
        let watched = try await NotifierTests.Watched(
            "spaced",
            notifiers: "  - { name: gchat, type: google_chat, url: \"http://127.0.0.1:\(chat.port)/v1/spaces/AAAA/messages?key=\(key)&token=\(key)T\" }",
            notify: ["gchat"])
        let (target, component, vitals) = (watched.target, watched.component, watched.vitals)
        defer { vitals.stop() }
        target.close()
        #expect(await chat.waitFor { $0.count == 1 }, "Google Chat took nothing; log:\n\(vitals.stderr.suffix(1500))")
        #expect(chat.requests == 2)
        let text = try #require(jsonObject(chat.bodies[0])?["text"] as? String)
        #expect(text.hasPrefix("*FIRING: \(component)-down*"), "\(text)")
        try target.open()
        #expect(await chat.waitFor { $0.count == 2 }, "Google Chat took no resolve")
        try await Self.expectSentTwiceKeeping([key], notifier: "gchat", vitals)
    }
}

/// Google Chat's `spaces.messages.create` through an incoming webhook, as documented: `200`
/// with the created Message; `400 {"error":{"code":400,"status":"INVALID_ARGUMENT",...}}`; `429`
/// with `"status":"RESOURCE_EXHAUSTED"`. A message's text is at most 4,096 characters.
enum GoogleChatSchema {
    static let keys: Set = ["text", "cardsV2", "cards", "thread", "fallbackText", "accessoryWidgets", "privateMessageViewer"]

    static func answer(rateLimitFirst: Int) -> @Sendable (Int, String) -> WebhookReceiver.Reply {
        { n, body in
            func error(_ code: Int, _ status: String, _ message: String) -> WebhookReceiver.Reply {
                WebhookReceiver.Reply(status: code, body: #"{"error":{"code":\#(code),"message":""# + message + #"","status":""# + status + #""}}"#)
            }
            if n <= rateLimitFirst { return error(429, "RESOURCE_EXHAUSTED", "Resource has been exhausted (e.g. check quota).") }
            guard let m = jsonObject(body) else { return error(400, "INVALID_ARGUMENT", "Invalid JSON payload received.") }
            if !Set(m.keys).isSubset(of: keys) { return error(400, "INVALID_ARGUMENT", "Unknown name in the payload.") }
            let text = m["text"] as? String ?? ""
            if text.isEmpty && m["cardsV2"] == nil { return error(400, "INVALID_ARGUMENT", "Message cannot be empty.") }
            if text.utf16.count > 4096 { return error(400, "INVALID_ARGUMENT", "Message text is too long.") }
            return WebhookReceiver.Reply(status: 200, body: #"{"name":"spaces/AAAA/messages/m\#(n)","text":"x"}"#)
        }
    }
}

/// ntfy's publish API as documented (docs.ntfy.sh/publish, "Publish as JSON", "Limitations"):
/// `200` with the message as JSON; `400 {"code":40024,...}` for a bad request; `429
/// {"code":42901,"http":429,"error":"limit reached: too many requests"}` (no Retry-After).
enum NtfySchema {
    static let keys: Set = [
        "topic", "message", "title", "tags", "priority", "actions", "click", "attach", "markdown", "icon", "filename", "delay", "email", "call",
    ]

    static func answer(rateLimitFirst: Int) -> @Sendable (Int, String) -> WebhookReceiver.Reply {
        { n, body in
            if n <= rateLimitFirst {
                return WebhookReceiver.Reply(status: 429, body: #"{"code":42901,"http":429,"error":"limit reached: too many requests, please be nice"}"#)
            }
            func bad(_ why: String) -> WebhookReceiver.Reply {
                WebhookReceiver.Reply(status: 400, body: #"{"code":40024,"http":400,"error":"invalid request: "# + why + #""}"#)
            }
            guard let m = jsonObject(body) else { return bad("invalid JSON") }
            if !Set(m.keys).isSubset(of: keys) { return bad("unknown fields") }
            guard let topic = m["topic"] as? String, topic.range(of: "^[-_A-Za-z0-9]{1,64}$", options: .regularExpression) != nil else {
                return bad("invalid topic")
            }
            if let p = m["priority"], !((p as? Int).map { (1...5).contains($0) } ?? false) { return bad("priority invalid") }
            if let t = m["tags"], !(t is [String]) { return bad("tags must be strings") }
            for k in ["message", "title", "click"] where m[k] != nil && !(m[k] is String) { return bad("\(k) must be a string") }
            if ((m["message"] as? String) ?? "").utf8.count > 4096 { return bad("message over 4096 bytes would be an attachment") }
            return WebhookReceiver.Reply(status: 200, body: #"{"id":"x\#(n)","time":1800000000,"event":"message","topic":""# + topic + #""}"#)
        }
    }
}

/// The Bot API's sendMessage as documented (core.telegram.org/bots/api#sendmessage,
/// "Formatting options" for HTML, "Making requests" for the answers): `200 {"ok":true,
/// "result":Message}`; `400 {"ok":false,"error_code":400,"description":"Bad Request: ..."}`; a
/// flood limit `429` with `parameters.retry_after` in the body.
enum TelegramSchema {
    static let keys: Set = [
        "business_connection_id", "chat_id", "message_thread_id", "text", "parse_mode", "entities", "link_preview_options",
        "disable_notification", "protect_content", "allow_paid_broadcast", "message_effect_id", "reply_parameters", "reply_markup",
    ]
    static let tags: Set = ["b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "span", "tg-spoiler", "a", "code", "pre", "blockquote", "tg-emoji"]

    static func answer(rateLimitFirst: Int, chat: Int64) -> @Sendable (Int, String) -> WebhookReceiver.Reply {
        { n, body in
            if n <= rateLimitFirst {
                return WebhookReceiver.Reply(
                    status: 429, body: #"{"ok":false,"error_code":429,"description":"Too Many Requests: retry after 3","parameters":{"retry_after":3}}"#)
            }
            func bad(_ why: String) -> WebhookReceiver.Reply {
                WebhookReceiver.Reply(status: 400, body: #"{"ok":false,"error_code":400,"description":"Bad Request: "# + why + #""}"#)
            }
            guard let m = jsonObject(body) else { return bad("invalid JSON") }
            if !Set(m.keys).isSubset(of: keys) { return bad("unknown parameters") }
            guard let text = m["text"] as? String else { return bad("message text is empty") }
            if let mode = m["parse_mode"], mode as? String != "HTML" { return bad("unsupported parse_mode") }
            guard let plain = parseHTML(text) else { return bad("can't parse entities") }
            if plain.isEmpty { return bad("message text is empty") }
            if plain.utf16.count > 4096 { return bad("message is too long") }
            guard (m["chat_id"] as? NSNumber)?.int64Value == chat else { return bad("chat not found") }
            return WebhookReceiver.Reply(
                status: 200, body: #"{"ok":true,"result":{"message_id":\#(n),"date":1800000000,"chat":{"id":\#(chat),"type":"supergroup"},"text":"x"}}"#)
        }
    }

    /// The text Telegram would show, or nil where its HTML parser refuses: an unknown or
    /// unclosed tag, a `<` or `&` that starts nothing it knows.
    static func parseHTML(_ html: String) -> String? {
        var out = ""
        var open: [String] = []
        var rest = Substring(html)
        while let ch = rest.first {
            if ch == "<" {
                guard let end = rest.firstIndex(of: ">") else { return nil }
                let inside = rest[rest.index(after: rest.startIndex)..<end]
                let closing = inside.hasPrefix("/")
                let name = String((closing ? inside.dropFirst() : inside).prefix { $0 != " " })
                guard tags.contains(name) else { return nil }
                if closing {
                    guard open.popLast() == name else { return nil }
                } else {
                    open.append(name)
                }
                rest = rest[rest.index(after: end)...]
            } else if ch == "&" {
                // Telegram: "All numerical HTML entities are supported", and of the named ones
                // only these four.
                if rest.hasPrefix("&#"), let semi = rest.firstIndex(of: ";") {
                    let digits = rest[rest.index(rest.startIndex, offsetBy: 2)..<semi]
                    let value = digits.first == "x" ? UInt32(digits.dropFirst(), radix: 16) : UInt32(digits)
                    guard let value, let scalar = Unicode.Scalar(value) else { return nil }
                    out.unicodeScalars.append(scalar)
                    rest = rest[rest.index(after: semi)...]
                    continue
                }
                guard let entity = ["&lt;": "<", "&gt;": ">", "&amp;": "&", "&quot;": "\""].first(where: { rest.hasPrefix($0.key) }) else { return nil }
                out += entity.value
                rest = rest.dropFirst(entity.key.count)
            } else {
                out.append(ch)
                rest = rest.dropFirst()
            }
        }
        return open.isEmpty ? out : nil
    }
}

/// Discord's Execute Webhook as documented (discord.com/developers/docs/resources/webhook,
/// "Execute Webhook", and "Embed Limits" in resources/message): `204` with no body for a valid
/// message; `400 {"code":50035,"message":"Invalid Form Body",...}` otherwise; `429` with a
/// `Retry-After` header and `{"message":"You are being rate limited.","retry_after":...,"global":false}`.
enum DiscordSchema {
    static let topLevel: Set = [
        "content", "username", "avatar_url", "tts", "embeds", "allowed_mentions", "components", "files", "payload_json", "attachments",
        "flags", "thread_name", "applied_tags", "poll",
    ]
    static let embedKeys: Set = [
        "title", "type", "description", "url", "timestamp", "color", "footer", "image", "thumbnail", "video", "provider", "author", "fields",
    ]

    /// Rate-limits the first `rateLimitFirst` requests, then judges each by the schema.
    static func answer(rateLimitFirst: Int) -> @Sendable (Int, String) -> WebhookReceiver.Reply {
        { n, body in
            if n <= rateLimitFirst {
                return WebhookReceiver.Reply(
                    status: 429, headers: ["Retry-After: 3", "X-RateLimit-Scope: user"],
                    body: #"{"message": "You are being rate limited.", "retry_after": 3.0, "global": false}"#)
            }
            let errors = problems(body)
            guard errors.isEmpty else {
                return WebhookReceiver.Reply(status: 400, body: #"{"code": 50035, "message": "Invalid Form Body: "# + errors.joined(separator: "; ") + #""}"#)
            }
            return WebhookReceiver.Reply(status: 204)
        }
    }

    static func problems(_ body: String) -> [String] {
        guard let m = jsonObject(body) else { return ["not a JSON object"] }
        var out: [String] = []
        if !Set(m.keys).isSubset(of: topLevel) { out.append("unknown keys \(Set(m.keys).subtracting(topLevel).sorted())") }
        let content = m["content"] as? String ?? ""
        if content.utf16.count > 2000 { out.append("content: must be 2000 or fewer in length") }
        let embeds = m["embeds"] as? [[String: Any]] ?? []
        if content.isEmpty && embeds.isEmpty { out.append("Cannot send an empty message") }
        if embeds.count > 10 { out.append("embeds: at most 10") }
        for e in embeds {
            if !Set(e.keys).isSubset(of: embedKeys) { out.append("unknown embed keys") }
            var total = 0
            func text(_ key: String, _ value: Any?, max: Int) {
                guard let value else { return }
                guard let s = value as? String else { return out.append("\(key) must be a string") }
                if s.utf16.count > max { out.append("\(key) longer than \(max)") }
                total += s.utf16.count
            }
            text("title", e["title"], max: 256)
            text("description", e["description"], max: 4096)
            text("footer.text", (e["footer"] as? [String: Any])?["text"], max: 2048)
            if let c = e["color"], !((c as? Int).map { (0...0xFFFFFF).contains($0) } ?? false) { out.append("color must be 0 to 0xFFFFFF") }
            if let t = e["timestamp"], (t as? String).flatMap(AlertingTests.date) == nil { out.append("timestamp is not ISO 8601") }
            let fields = e["fields"] as? [[String: Any]] ?? []
            if fields.count > 25 { out.append("fields: at most 25") }
            for f in fields {
                if (f["name"] as? String)?.isEmpty ?? true { out.append("field name is required") }
                if (f["value"] as? String)?.isEmpty ?? true { out.append("field value is required") }
                text("field name", f["name"], max: 256)
                text("field value", f["value"], max: 1024)
                if let i = f["inline"], !(i is Bool) { out.append("inline must be a boolean") }
            }
            if total > 6000 { out.append("embed text over 6000") }
        }
        if let a = m["allowed_mentions"] {
            guard let mentions = a as? [String: Any], let parse = mentions["parse"] as? [String] else { return out + ["allowed_mentions.parse must be a list"] }
            if !Set(parse).isSubset(of: ["roles", "users", "everyone"]) { out.append("allowed_mentions.parse is invalid") }
        }
        return out
    }
}

/// A Microsoft Teams Workflows webhook ("Post to a channel when a webhook request is
/// received") as its trigger documents it: `202 Accepted` with no body for a message whose
/// attachment is an Adaptive Card; `400` with `{"error":{"code":"InvalidRequestContent",...}}`
/// otherwise (Power Automate's answer), and `429` with `Retry-After` when throttled. The card is
/// checked against the Adaptive Card 1.4 schema's rules for the elements Vitals uses.
enum TeamsSchema {
    static func answer(rateLimitFirst: Int) -> @Sendable (Int, String) -> WebhookReceiver.Reply {
        { n, body in
            if n <= rateLimitFirst {
                return WebhookReceiver.Reply(
                    status: 429, headers: ["Retry-After: 3"],
                    body: #"{"error":{"code":"WorkflowTriggerIsThrottled","message":"Rate limit is exceeded. Try again in 3 seconds."}}"#)
            }
            let errors = problems(body)
            guard errors.isEmpty else {
                return WebhookReceiver.Reply(
                    status: 400, body: #"{"error":{"code":"InvalidRequestContent","message":""# + errors.joined(separator: "; ") + #""}}"#)
            }
            return WebhookReceiver.Reply(status: 202)
        }
    }

    static func problems(_ body: String) -> [String] {
        if body.utf8.count > 28 * 1024 { return ["message over 28 KB"] }
        guard let m = jsonObject(body) else { return ["not a JSON object"] }
        guard m["type"] as? String == "message" else { return ["type must be message"] }
        guard let attachments = m["attachments"] as? [[String: Any]], attachments.count == 1, let a = attachments.first else {
            return ["one attachment expected"]
        }
        guard a["contentType"] as? String == "application/vnd.microsoft.card.adaptive" else { return ["not an Adaptive Card"] }
        guard let card = a["content"] as? [String: Any], card["type"] as? String == "AdaptiveCard" else { return ["content is not an AdaptiveCard"] }
        var out: [String] = []
        if !["1.0", "1.1", "1.2", "1.3", "1.4", "1.5"].contains(card["version"] as? String ?? "") { out.append("version unsupported") }
        guard let elements = card["body"] as? [[String: Any]], !elements.isEmpty else { return out + ["body is empty"] }
        for e in elements {
            switch e["type"] as? String {
            case "TextBlock":
                if (e["text"] as? String)?.isEmpty ?? true { out.append("TextBlock.text is required") }
                if let c = e["color"], !["Default", "Dark", "Light", "Accent", "Good", "Warning", "Attention"].contains(c as? String ?? "") { out.append("bad color") }
                if let w = e["weight"], !["Default", "Lighter", "Bolder"].contains(w as? String ?? "") { out.append("bad weight") }
                if let s = e["size"], !["Default", "Small", "Medium", "Large", "ExtraLarge"].contains(s as? String ?? "") { out.append("bad size") }
                for k in ["wrap", "isSubtle"] where e[k] != nil && !(e[k] is Bool) { out.append("\(k) must be a boolean") }
            case "FactSet":
                guard let facts = e["facts"] as? [[String: Any]], !facts.isEmpty,
                    facts.allSatisfy({ $0["title"] is String && $0["value"] is String })
                else { out.append("FactSet.facts need title and value"); continue }
            default:
                out.append("unknown element \(e["type"] ?? "nil")")
            }
        }
        for action in card["actions"] as? [[String: Any]] ?? [] {
            if action["type"] as? String != "Action.OpenUrl" || !((action["url"] as? String)?.hasPrefix("http") ?? false) { out.append("bad action") }
        }
        return out
    }
}

extension ChatChannelTests {
    /// Opsgenie: the first create is rate limited (429 with Retry-After, waited out), then the
    /// alert is created with the key (from `api_key_file`) in `Authorization: GenieKey`; the
    /// resolve closes it by its alias at its own URL, through the same queue; a malformed key
    /// is Opsgenie's 422, tried once; neither key shows anywhere.
    @Test func opsgenieCreatesThenClosesByAliasAndA422IsFinal() async throws {
        let key = UUID().uuidString.lowercased()
        let malformed = "not-a-key-" + String(UInt64.random(in: 0...UInt64.max), radix: 36)
        let genie = try WebhookReceiver(exchange: OpsgenieSchema.answer(rateLimitFirst: 1, key: key))
        // Its own receiver, so which notifier meets the 429 is not a race.
        let refusing = try WebhookReceiver(exchange: OpsgenieSchema.answer(rateLimitFirst: 0, key: key))
        let scratch = ScratchFolder()
        defer { scratch.remove() }
        let keyFile = try Self.secretFile(scratch, key)
        let watched = try await NotifierTests.Watched(
            "paged",
            notifiers: """
                  - { name: genie, type: opsgenie, url: "http://127.0.0.1:\(genie.port)/", api_key_file: \(keyFile.path), priority: P2 }
                  - { name: genie-bad, type: opsgenie, url: "http://127.0.0.1:\(refusing.port)", api_key: "\(malformed)" }
                """,
            notify: ["genie", "genie-bad"])
        let (target, component, vitals) = (watched.target, watched.component, watched.vitals)
        defer { vitals.stop() }
        let started = Date()
        target.close()
        #expect(await genie.waitFor { $0.count == 1 }, "Opsgenie created no alert; log:\n\(vitals.stderr.suffix(1500))")
        #expect(genie.arrivals.first.map { $0.timeIntervalSince(started) >= 3 } == true, "the Retry-After was not waited out")
        let create = try #require(jsonObject(genie.bodies[0]))
        let alias = try #require(create["alias"] as? String)
        #expect(alias.hasPrefix("vitals/vitals/\(component)-down/\(component)") && create["priority"] as? String == "P2", "\(create)")
        #expect((create["message"] as? String)?.hasPrefix("\(component) unhealthy") == true, "\(create)")
        try target.open()
        #expect(await genie.waitFor { $0.count == 2 }, "Opsgenie closed nothing")
        let unreserved = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
        let encoded = try #require(alias.addingPercentEncoding(withAllowedCharacters: unreserved))
        #expect(genie.headers.contains("POST /v2/alerts/\(encoded)/close?identifierType=alias HTTP/1.1"), "\(genie.headers.filter { $0.hasPrefix("POST") })")
        #expect(jsonObject(genie.bodies[1])?["user"] as? String == "Vitals")

        let alerts = try await vitals.waitFor("/alerts") { _, b in b.contains(#""notifier":"genie-bad""#) }.body
        let attempts = try NotifierTests.attempts(alerts)
        let bad = attempts.filter { $0["notifier"] as? String == "genie-bad" }
        #expect(bad.first?["outcome"] as? String == "rejected" && bad.first?["status_code"] as? Int == 422, "\(bad)")
        #expect(bad.allSatisfy { $0["outcome"] as? String == "rejected" } && refusing.requests == bad.count, "a 422 was retried: \(bad)")
        let limited = attempts.first { $0["notifier"] as? String == "genie" && $0["status_code"] as? Int == 429 }
        #expect(limited?["error"] as? String == "HTTP 429, Retry-After 3s", "\(attempts)")
        try await Self.expectSentTwiceKeeping([key, malformed], notifier: "genie", vitals)
    }
}

/// Opsgenie's Alert API v2 as its OpenAPI definition (opsgenie/opsgenie-oas, definitions/
/// alert.yaml: `CreateAlertPayload`, `CloseAlertPayload`; paths/alert.yaml) and the Alert API
/// documentation's field limits give it: `POST /v2/alerts` and `POST /v2/alerts/{identifier}
/// /close?identifierType=alias`, `Authorization: GenieKey KEY`; `202 {"result":"Request will be
/// processed","took":..,"requestId":..}`; `422 {"message":..,"took":..,"requestId":..}` for a
/// payload or key it refuses; `429` with its `X-RateLimit-*` headers when throttled (here with
/// `Retry-After` too). The checks are written from those documents by hand: the definition
/// itself is not on this machine to validate against.
enum OpsgenieSchema {
    static let action: Set = ["user", "note", "source"]
    static let create: Set = action.union(["message", "alias", "description", "responders", "visibleTo", "actions", "tags", "details", "entity", "priority"])

    static func answer(rateLimitFirst: Int, key: String) -> @Sendable (Int, String, String) -> WebhookReceiver.Reply {
        { n, head, body in
            func reply(_ status: Int, _ text: String, headers: [String] = []) -> WebhookReceiver.Reply {
                WebhookReceiver.Reply(status: status, headers: headers, body: #"{"\#(status == 202 ? "result" : "message")":"\#(text)","took":0.01,"requestId":"r-\#(n)"}"#)
            }
            if n <= rateLimitFirst {
                return reply(429, "Too many requests", headers: ["Retry-After: 3", "X-RateLimit-State: THROTTLED", "X-RateLimit-Period-In-Sec: 60"])
            }
            let lines = head.split(separator: "\r\n").map(String.init)
            let auth = lines.first { $0.lowercased().hasPrefix("authorization:") }.map { String($0.dropFirst("authorization:".count)).trimmingCharacters(in: .whitespaces) }
            guard auth == "GenieKey \(key)" else { return reply(422, "Key format is not valid!") }
            guard lines.contains(where: { $0.lowercased() == "content-type: application/json" }) else { return reply(415, "Unsupported Media Type") }
            guard let m = jsonObject(body) else { return reply(422, "Could not parse the request body") }
            func string(_ k: String, max: Int) -> Bool { m[k] == nil || ((m[k] as? String).map { $0.count <= max } ?? false) }
            let requestLine = lines.first ?? ""
            if requestLine == "POST /v2/alerts HTTP/1.1" {
                if !Set(m.keys).isSubset(of: create) { return reply(422, "unknown fields") }
                guard let message = m["message"] as? String, !message.isEmpty, message.count <= 130 else { return reply(422, "Message can not be empty or longer than 130.") }
                guard string("alias", max: 512), string("description", max: 15000), string("entity", max: 512), string("source", max: 100), string("user", max: 100)
                else { return reply(422, "field too long") }
                if let p = m["priority"], !["P1", "P2", "P3", "P4", "P5"].contains(p as? String ?? "") { return reply(422, "Priority should be one of [P1, P2, P3, P4, P5]") }
                if let t = m["tags"] { guard let tags = t as? [String], tags.count <= 20, tags.allSatisfy({ $0.count <= 50 }) else { return reply(422, "bad tags") } }
                if let d = m["details"] {
                    guard let details = d as? [String: Any], details.values.allSatisfy({ $0 is String }),
                        details.reduce(0, { $0 + $1.key.count + (($1.value as? String)?.count ?? 0) }) <= 8000
                    else { return reply(422, "details must map strings to strings, 8000 characters in all") }
                }
                return reply(202, "Request will be processed")
            }
            if requestLine.hasPrefix("POST /v2/alerts/"), requestLine.hasSuffix("/close?identifierType=alias HTTP/1.1") {
                if !Set(m.keys).isSubset(of: action) { return reply(422, "unknown fields") }
                guard string("user", max: 100), string("source", max: 100), string("note", max: 25000) else { return reply(422, "field too long") }
                return reply(202, "Request will be processed")
            }
            return reply(404, "No handler found")
        }
    }
}

extension ChatChannelTests {
    /// A notifier's `template` through the daemon: the receiver gets the text as rendered, the
    /// values escaped for Mattermost's Markdown (the component's `_`), the template's own `**`
    /// kept; the resolve renders its own branch.
    @Test func aTemplatedMessageArrivesAsRendered() async throws {
        let mattermost = try WebhookReceiver(reply: MattermostSchema.answer(rateLimitFirst: 0))
        let watched = try await NotifierTests.Watched(
            "tmpl_ated",
            notifiers: """
                  - name: mm
                    type: mattermost
                    url: "http://127.0.0.1:\(mattermost.port)/hooks/k"
                    template:
                      title: "**{{tag}}** {{alert}} ({{service}})"
                      body: |
                        {{#components}}
                        - {{name}} is {{status}} since {{since}}
                        {{/components}}
                        {{#ends_at}}back at {{ends_at}}{{/ends_at}}
                """,
            notify: ["mm"])
        let (target, component, vitals) = (watched.target, watched.component, watched.vitals)
        defer { vitals.stop() }
        target.close()
        #expect(await mattermost.waitFor { $0.count == 1 }, "Mattermost took no post; log:\n\(vitals.stderr.suffix(1500))")
        let escaped = component.replacingOccurrences(of: "_", with: "\\_")
        let firing = try #require(jsonObject(mattermost.bodies[0])?["text"] as? String)
        let lines = firing.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        #expect(lines.first == "**FIRING** \(escaped)-down (vitals)", "\(firing)")
        #expect(lines.count == 4 && lines[1].hasPrefix("- \(escaped) is unhealthy since 20") && lines[1].hasSuffix("Z"), "\(firing)")
        #expect(lines.dropFirst(2) == ["", ""], "no ends_at while firing: \(firing)")
        try target.open()
        #expect(await mattermost.waitFor { $0.count == 2 }, "Mattermost took no resolve")
        let resolved = try #require(jsonObject(mattermost.bodies[1])?["text"] as? String)
        #expect(resolved.hasPrefix("**RESOLVED** \(escaped)-down (vitals)\n- \(escaped) is healthy since \nback at 20"), "\(resolved)")
    }
}
