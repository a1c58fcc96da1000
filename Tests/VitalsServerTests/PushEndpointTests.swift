import Foundation
import Synchronization
import Testing
import VitalsConfig
import VitalsCore
@testable import VitalsServer

/// `/api/v1/push/NAME` as routing sees it (spec section 12): the component's own token, never
/// the API's; 404 and 401 after the same checks; strict, bounded parameters; 429 with
/// `Retry-After`. The push's way into the store is `PushWatchTests`' and the daemon's.
struct PushEndpointTests {
    static let token = "s3cret-push-token-0001"

    /// The daemon's side: one push component, `backup`; records what it is given.
    final class FakeReceiver: PushReceiver {
        let received = Mutex<[(String, ProbeResult)]>([])
        let answer = Mutex<PushReceipt>(.recorded)
        func token(of name: String) -> Secret? { name == "backup" ? Secret(PushEndpointTests.token) : nil }
        func receive(_ name: String, _ result: ProbeResult) async -> PushReceipt {
            received.withLock { $0.append((name, result)) }
            return answer.withLock { $0 }
        }
        var results: [ProbeResult] { received.withLock { $0.map(\.1) } }
    }

    static func routes(_ receiver: FakeReceiver, apiToken: String? = "api-token") -> HealthRoutes {
        let (snapshot, readiness) = FakeHealthSource.sample()
        var extras = ServerExtras()
        extras.push = receiver
        return HealthRoutes(source: FakeHealthSource(snapshot: snapshot, readiness: readiness), token: apiToken.map { Secret($0) }, extras: extras)
    }

    static func request(
        _ method: String = "POST", _ path: String = "/api/v1/push/backup", bearer: String? = token, body: String = "",
        type: String? = "application/x-www-form-urlencoded"
    ) -> HealthRequest {
        HealthRequest(method: method, uri: path, authorization: bearer.map { "Bearer \($0)" }, contentType: body.isEmpty ? nil : type, body: Array(body.utf8))
    }

    @Test func aPushWithItsTokenIsRecordedWithoutTheAPIToken() async throws {
        let receiver = FakeReceiver()
        let r = Self.routes(receiver)
        #expect(r.rendersSlowly(Self.request()))
        let ok = await r.answerSlowly(Self.request(body: "status=down&msg=disk%20full&duration=1500ms&exit_code=3"))
        #expect(ok.status.code == 200)
        let result = try #require(receiver.results.first)
        #expect(!result.success && result.message == "disk full" && result.latency == .milliseconds(1500))
        #expect(result.number("exit_code") == 3)
        // GET with the token in the query string, for tools that cannot set a header.
        let get = await r.answerSlowly(Self.request("GET", "/api/v1/push/backup?token=\(Self.token)&duration=2s", bearer: nil))
        #expect(get.status.code == 200)
        #expect(receiver.results.last?.success == true && receiver.results.last?.latency == .seconds(2))
        #expect(receiver.results.last?.message == "push received")
        // HEAD checks and records nothing; the API's token is no push token.
        #expect(await r.answerSlowly(Self.request("HEAD")).status.code == 200)
        #expect(await r.answerSlowly(Self.request(bearer: "api-token")).status.code == 401)
        // The API's token in the header does not hide a right one in the query string.
        #expect(await r.answerSlowly(Self.request("GET", "/api/v1/push/backup?token=\(Self.token)", bearer: "api-token")).status.code == 200)
        #expect(receiver.results.count == 3)
    }

    @Test func aWrongTokenIs401AndANameThatIsNoPushComponent404() async {
        let receiver = FakeReceiver()
        let r = Self.routes(receiver)
        for bearer in [nil, "wrong", String(Self.token.dropLast()), Self.token + "x"] {
            let denied = await r.answerSlowly(Self.request(bearer: bearer))
            #expect(denied.status.code == 401, "\(bearer ?? "none")")
            #expect(denied.headers.first(name: "www-authenticate") != nil)
        }
        for path in ["/api/v1/push/nope", "/api/v1/push/orders-db"] {
            #expect(await r.answerSlowly(Self.request("POST", path)).status.code == 404)
            #expect(await r.answerSlowly(Self.request("POST", path, bearer: "wrong")).status.code == 404)
        }
        #expect(receiver.results.isEmpty)
        // Without push components configured at all: 404 too.
        let bare = HealthRoutes(source: FakeHealthSource(snapshot: FakeHealthSource.sample().0, readiness: FakeHealthSource.sample().1), token: nil)
        #expect(await bare.answerSlowly(Self.request()).status.code == 404)
        #expect(await r.answerSlowly(Self.request("PUT")).status.code == 405)
    }

    @Test func aPushTooSoonIs429WithRetryAfterAndAFailedForwardIs503() async {
        let receiver = FakeReceiver()
        let r = Self.routes(receiver)
        receiver.answer.withLock { $0 = .tooSoon(retryAfter: .milliseconds(300)) }
        let limited = await r.answerSlowly(Self.request())
        #expect(limited.status.code == 429)
        #expect(limited.headers.first(name: "retry-after") == "1")
        receiver.answer.withLock { $0 = .failed("postgres: timed out") }
        let failed = await r.answerSlowly(Self.request())
        #expect(failed.status.code == 503)
        #expect(failed.bodyString.contains("timed out"))
    }

    @Test func badParametersAre400AndNothingIsRecorded() async {
        let receiver = FakeReceiver()
        let r = Self.routes(receiver)
        for body in [
            "status=sideways", "duration=-1", "duration=1e309", "duration=NaN", "duration=5", "exit_code=x", "exit_code=99999999999",
            "stauts=down", "status=up&status=down", "msg=a&msg=b",
        ] {
            let answer = await r.answerSlowly(Self.request(body: body))
            #expect(answer.status.code == 400, "\(body)")
            #expect(answer.bodyString.count < 200)
        }
        #expect(await r.answerSlowly(Self.request(body: #"{"status":"down"}"#, type: "application/json")).status.code == 415)
        #expect(receiver.results.isEmpty)
    }

    @Test func aBodyPastTheCapIs413() async {
        let receiver = FakeReceiver()
        let r = Self.routes(receiver)
        let big = "msg=" + String(repeating: "a", count: PushRequest.maxBodyBytes)
        #expect(await r.answerSlowly(Self.request(body: big)).status.code == 413)
        #expect(receiver.results.isEmpty)
    }

    @Test func theMessageIsOneBoundedLine() {
        #expect(PushRequest.oneLine("line one\nline two\r\n\u{1B}[31mred\u{7}") == "line one line two [31mred")
        #expect(PushRequest.oneLine("  <b>bold</b>  ") == "<b>bold</b>", "markup stays text; pages escape it")
        let long = PushRequest.oneLine(String(repeating: "é", count: 10_000))
        #expect(long.count == PushRequest.maxMessageLength && long.hasSuffix("..."))
        // exit_code alone decides, status absent.
        let q = Query("exit_code=0")
        #expect((try? PushRequest.result(query: q, body: Query(nil)).get())?.success == true)
        #expect((try? PushRequest.result(query: Query("exit_code=1"), body: Query(nil)).get())?.success == false)
        #expect((try? PushRequest.result(query: Query("exit_code=1"), body: Query(nil)).get())?.message == "push reported down")
    }
}
