import Foundation
import Logging
import Synchronization
import Testing
import VitalsConfig
@testable import VitalsServer

/// `POST /api/v1/alerts/ID/ack` as routing sees it: method, token, content type and body are
/// checked in that order, and only then is alerting asked.
struct AlertAckTests {
    /// Alerting's side: records what it was asked, answers for `db-down:db` only.
    final class FakeAlerting: Sendable {
        let calls = Mutex<[(id: String, by: String, comment: String)]>([])
        func acknowledge(_ id: String, _ by: String, _ comment: String) -> String? {
            calls.withLock { $0.append((id, by, comment)) }
            return id == "db-down:db" ? #"{"id":"db-down:db","acknowledged":{"by":"alice"}}"# : nil
        }
        var count: Int { calls.withLock { $0.count } }
    }

    static func routes(token: String? = "t0k", alerting: FakeAlerting) -> HealthRoutes {
        let (snapshot, readiness) = FakeHealthSource.sample()
        return HealthRoutes(
            source: FakeHealthSource(snapshot: snapshot, readiness: readiness), token: token.map { Secret($0) },
            extras: ServerExtras(acknowledge: { alerting.acknowledge($0, $1, $2) }))
    }

    static func post(
        _ path: String = "/api/v1/alerts/db-down:db/ack", body: String = #"{"by":"alice","comment":"on it"}"#,
        type: String? = "application/json", token: String? = "t0k"
    ) -> HealthRequest {
        HealthRequest(method: "POST", uri: path, authorization: token.map { "Bearer \($0)" }, contentType: type, body: Array(body.utf8))
    }

    @Test func aFiringAlertIsAcknowledged() async throws {
        let alerting = FakeAlerting()
        let r = Self.routes(alerting: alerting)
        #expect(r.rendersSlowly(Self.post()), "the ack is answered off the event loop")
        let ok = await r.answerSlowly(Self.post())
        #expect(ok.status.code == 200)
        #expect(ok.headers.first(name: "content-type") == "application/json")
        #expect(ok.bodyString.contains(#""by":"alice""#))
        let call = try #require(alerting.calls.withLock { $0.first })
        #expect(call.id == "db-down:db" && call.by == "alice" && call.comment == "on it")
    }

    @Test func theTokenIsCheckedBeforeAnythingIsRevealed() async {
        let alerting = FakeAlerting()
        let r = Self.routes(alerting: alerting)
        for token in [nil, "wrong"] {
            let denied = await r.answerSlowly(Self.post(token: token))
            #expect(denied.status.code == 401)
            #expect(denied.headers.first(name: "www-authenticate") != nil)
            // Not 404 for an unknown id: without the token nobody learns which alerts exist.
            #expect(await r.answerSlowly(Self.post("/api/v1/alerts/nope:x/ack", token: token)).status.code == 401)
        }
        #expect(alerting.count == 0)
        // Without a configured token, none is needed.
        #expect(await Self.routes(token: nil, alerting: alerting).answerSlowly(Self.post(token: nil)).status.code == 200)
    }

    @Test func onlyPOST() async {
        let alerting = FakeAlerting()
        let r = Self.routes(alerting: alerting)
        for method in ["GET", "HEAD", "PUT", "DELETE"] {
            var request = Self.post()
            request.method = method
            let answer = await r.answerSlowly(request)
            #expect(answer.status.code == 405, "\(method)")
            #expect(answer.headers.first(name: "allow") == "POST")
        }
        // POST elsewhere is still refused with the methods those endpoints take.
        let elsewhere = r.answer(HealthRequest(method: "POST", uri: "/alerts", authorization: "Bearer t0k"))
        #expect(elsewhere.status.code == 405)
        #expect(elsewhere.headers.first(name: "allow") == "GET, HEAD")
        #expect(alerting.count == 0)
    }

    @Test func anAlertThatIsNotFiringIs404() async {
        let alerting = FakeAlerting()
        let r = Self.routes(alerting: alerting)
        let missing = await r.answerSlowly(Self.post("/api/v1/alerts/db-down:other/ack"))
        #expect(missing.status.code == 404)
        #expect(alerting.count == 1)
    }

    /// Percent-encoded ids are decoded (`%3A` is how some clients send `:`).
    @Test func theIDIsPercentDecoded() async {
        let alerting = FakeAlerting()
        let r = Self.routes(alerting: alerting)
        #expect(await r.answerSlowly(Self.post("/api/v1/alerts/db-down%3Adb/ack")).status.code == 200)
        #expect(alerting.calls.withLock { $0.map(\.id) } == ["db-down:db"])
    }

    @Test func pathsBesideTheAckAreGuardedNotFound() async {
        let r = Self.routes(alerting: FakeAlerting())
        for path in ["/api/v1/alerts", "/api/v1/alerts/db-down:db", "/api/v1/alerts//ack", "/api/v1/alerts/a/b/ack", "/api/v1/alerts/db-down:db/ack/x"] {
            #expect(RouteTable.vitals.match(path[...])?.route.template == "/api/", "\(path)")
            #expect(await r.answerSlowly(HealthRequest(uri: path)).status.code == 401, "\(path)")
            #expect(await r.answerSlowly(HealthRequest(uri: path, authorization: "Bearer t0k")).status.code == 404, "\(path)")
        }
        #expect(RouteTable.vitals.match("/api/v1/alerts/db-down:db/ack")?.parameters == ["id": "db-down:db"])
    }

    @Test(arguments: [
        (nil, #"{"by":"a"}"#, 415),
        ("application/x-www-form-urlencoded", #"{"by":"a"}"#, 415),
        ("text/plain", #"{"by":"a"}"#, 415),
        ("application/json", "", 400),
        ("application/json", "{", 400),
        ("application/json", #"["alice"]"#, 400),
        ("application/json", #"{}"#, 400),
        ("application/json", #"{"by":""}"#, 400),
        ("application/json", #"{"by":"  "}"#, 400),
        ("application/json", #"{"by":42}"#, 400),
        ("application/json", #"{"by":"a\nb"}"#, 400),
        ("application/json", #"{"by":"a","comment":7}"#, 400),
        ("application/json", #"{"by":"a","author":"b"}"#, 400),
        ("application/json", #"{"by":"a","comment":null}"#, 200),
        ("application/json; charset=utf-8", #"{"by":"a"}"#, 200),
        ("Application/JSON", #"{"by":"a","comment":"x"}"#, 200),
    ] as [(String?, String, Int)])
    func theBodyIsChecked(type: String?, body: String, status: Int) async {
        let alerting = FakeAlerting()
        let answer = await Self.routes(alerting: alerting).answerSlowly(Self.post(body: body, type: type))
        #expect(answer.status.code == status, "\(type ?? "no type") \(body): \(answer.bodyString)")
        #expect(alerting.count == (status == 200 ? 1 : 0), "alerting was asked about a refused body")
    }

    @Test func textsAreBounded() {
        func parse(by: String, comment: String) -> Int {
            let body = try! JSONSerialization.data(withJSONObject: ["by": by, "comment": comment])
            switch AckRequest.parse(body: Array(body), contentType: "application/json") {
            case .success: return 200
            case .failure(let refusal): return refusal.status
            }
        }
        #expect(parse(by: String(repeating: "a", count: AckRequest.maxByLength), comment: "") == 200)
        #expect(parse(by: String(repeating: "a", count: AckRequest.maxByLength + 1), comment: "") == 400)
        #expect(parse(by: "a", comment: String(repeating: "c", count: AckRequest.maxCommentLength)) == 200)
        #expect(parse(by: "a", comment: String(repeating: "c", count: AckRequest.maxCommentLength + 1)) == 400)
        // Characters, as the OpenAPI document's maxLength counts them: 1,024 two-byte ones fit.
        #expect(parse(by: "a", comment: String(repeating: "é", count: AckRequest.maxCommentLength)) == 200)
        #expect(parse(by: String(repeating: "é", count: AckRequest.maxByLength + 1), comment: "") == 400)
        // Newlines are fine in a comment (a quoted log line), not in a name.
        #expect(parse(by: "a", comment: "line one\nline two") == 200)
    }

    /// The OpenAPI document's pattern for `by` and the server agree on every kind of text
    /// (schemathesis generates from the pattern and expects the server to agree).
    @Test func theDocumentedPatternForByIsTheServersRule() throws {
        let document = try #require(try JSONSerialization.jsonObject(with: Data(OpenAPIDocument.json.utf8)) as? [String: Any])
        let schemas = try #require((document["components"] as? [String: Any])?["schemas"] as? [String: Any])
        let by = try #require(((schemas["Acknowledgement"] as? [String: Any])?["properties"] as? [String: Any])?["by"] as? [String: Any])
        let pattern = try NSRegularExpression(pattern: try #require(by["pattern"] as? String))
        let samples = [
            "alice", " alice ", "a b", "", " ", "\t", "\u{00A0}", "\u{2028}", "\u{3000}x", "\u{FEFF}", "x\u{0001}", "x\ny", "x\u{0085}",
            "\u{200B}", "名前", "o'neil <on@example.com>", "\u{2003}\u{2003}", "é",
            // Line and paragraph separators anywhere; only invisible or format characters.
            "x\u{2028}y", "alice\u{2029}", "\u{200B}\u{200B}", "\u{202E}", "\u{202E}alice", "\u{00AD}", "alice\u{200B}",
            "\u{2060}\u{FEFF}", "\u{3000}\u{180E}", "\u{061C}", "\u{FFFB}", "🙂", "\u{E0001}", "x\u{E0001}",
        ]
        for text in samples {
            // The whole text, as ECMA-262's `$` means it (ICU's also matches before a final NEL).
            let whole = NSRange(text.startIndex..., in: text)
            let documented = pattern.firstMatch(in: text, range: whole)?.range == whole
            let body = try JSONSerialization.data(withJSONObject: ["by": text])
            let accepted = if case .success = AckRequest.parse(body: Array(body), contentType: "application/json") { true } else { false }
            #expect(documented == accepted, "\(text.unicodeScalars.map { String($0.value, radix: 16) }): document \(documented), server \(accepted)")
        }
    }

    /// `by` is refused when it holds a line or paragraph separator, or only invisible text.
    @Test func byIsOneVisibleLine() {
        func accepted(_ by: String) -> Bool {
            let body = try! JSONSerialization.data(withJSONObject: ["by": by])
            if case .success = AckRequest.parse(body: Array(body), contentType: "application/json") { return true }
            return false
        }
        #expect(!accepted("alice\u{2028}bob"))
        #expect(!accepted("\u{200B}"))
        #expect(!accepted("\u{202E}\u{2066}\u{00A0}"))
        #expect(accepted("\u{202E}alice"))
        #expect(accepted("ali\u{200B}ce"))
    }

    /// The table of invisible characters is exactly the Basic Multilingual Plane's Cc, Cf, Zs,
    /// Zl and Zp, as the Unicode tables of this Swift runtime have them.
    @Test func theInvisibleTableIsTheUnicodeCategories() {
        let categories: Set<Unicode.GeneralCategory> = [.control, .format, .spaceSeparator, .lineSeparator, .paragraphSeparator]
        var wrong: [String] = []
        for value in UInt32(0)...0xFFFF {
            guard let scalar = Unicode.Scalar(value) else { continue }  // surrogates
            if categories.contains(scalar.properties.generalCategory) != ByText.isInvisible(scalar) { wrong.append(String(value, radix: 16)) }
        }
        #expect(wrong.isEmpty, "\(wrong)")
        for scalar in (UInt32(0)...0xFFFF).compactMap({ Unicode.Scalar($0) }) where ByText.isForbidden(scalar) {
            #expect([.control, .lineSeparator, .paragraphSeparator].contains(scalar.properties.generalCategory))
        }
    }

    /// On a real socket: a body in two chunks is put together; one over 64 KiB is refused.
    @Test func theServerCollectsTheBody() async throws {
        let alerting = FakeAlerting()
        let routes = Self.routes(token: nil, alerting: alerting)
        let port = Mutex(0)
        let server = try await HealthServer(
            listen: ListenAddress(host: "127.0.0.1", port: 0), routes: routes, logger: Logger(label: "ack-test"),
            limits: ServingLimits(), onListening: { p in port.withLock { $0 = p } }
        ).bind()
        let p = port.withLock { $0 }
        let first = #"{"by":"alice","comment":""#, second = String(repeating: "x", count: 900) + #""}"#
        let chunked = String(first.utf8.count, radix: 16) + "\r\n" + first + "\r\n" + String(second.utf8.count, radix: 16) + "\r\n" + second
            + "\r\n0\r\n\r\n"
        let answer = RawClient(port: p).map { c in
            c.send("POST /api/v1/alerts/db-down:db/ack HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n")
            c.send(chunked)
            return c.read(until: "}}", timeout: .seconds(5)).text
        }
        #expect(answer?.hasPrefix("HTTP/1.1 200") == true, "\(answer ?? "no connection")")
        #expect(alerting.calls.withLock { $0.first?.comment.count } == 900)

        let refused = RawClient(port: p).map { c in
            c.send("POST /api/v1/alerts/db-down:db/ack HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 70000\r\n\r\n")
            c.send(String(repeating: " ", count: 70000))
            return c.read(until: "\r\n\r\n", timeout: .seconds(5)).text
        }
        #expect(refused?.hasPrefix("HTTP/1.1 413") == true, "\(refused ?? "no connection")")
        #expect(alerting.count == 1)
        await AbuseTests.stop(server)
    }
}
