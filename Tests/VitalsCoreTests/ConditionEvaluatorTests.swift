import Foundation
import Testing
import VitalsConfig
@testable import VitalsCore

/// The one evaluator of conditions: types, missing values, JSON paths, headers, durations.
struct ConditionEvaluatorTests {
    static let body = #"{"status":"UP","items":[],"checks":[{"name":"db","ok":true,"ms":1.50}],"count":3,"k.d":"dotted"}"#

    static func subject(body: String? = Self.body, status: ConditionValue? = .number(200, text: nil), latency: Duration = .milliseconds(120)) -> ConditionSubject {
        ConditionSubject(
            latency: latency, status: status, body: body.map { Array($0.utf8) },
            header: { ["content-type": "application/json; charset=utf-8", "x-count": "7"][$0] },
            observations: [Observation("cert_expiry", 5 * 86_400, unit: "seconds"), Observation("response_bytes", 80, unit: "bytes"), Observation("server", text: "nginx")],
            named: ["answers": .json(.array([.string("10.0.0.5"), .string("10.0.0.6")]))])
    }

    func outcome(_ text: String, _ subject: ConditionSubject = subject()) throws -> ConditionOutcome {
        var e = ConditionEvaluator(subject)
        return e.evaluate(try Condition(parsing: text))
    }

    @Test(arguments: [
        "status == 200", "status != 500", "status >= 200 && status < 300", "status == '200'",
        "body.status == 'UP'", "body.status != 'DOWN'", "len(body.items) == 0", "len(body.checks) > 0", "body.checks[0].name == 'db'",
        "body.checks[0].ok", "body.checks[0].ok == true", "body.checks[0].ms == 1.5", "body.checks[0].ms == '1.50'", "body.count >= 3",
        #"body["k.d"] == 'dotted'"#, "body contains '\"status\":\"UP\"'", "body matches '\"items\":\\[\\]'", "len(body) > 10",
        "header.content-type contains 'json'", "header.Content-Type matches '^application/'", "header.x-count == 7",
        "latency < 300ms", "latency > 0.1", "latency <= 120ms", "cert_expiry > 72h", "cert_expiry < 6d", "response_bytes < 100",
        "server == 'nginx'", "answers contains '10.0.0.6'", "answers matches '^10\\.0\\.0\\.5$'", "!(answers contains '10.0.0.9')",
        "status == 500 || body.status == 'UP'", "!(status == 500)", "body.missing == null || true",
    ])
    func holds(_ text: String) throws {
        let o = try outcome(text)
        #expect(o.passed, "\(text): \(o.check.observed)")
    }

    @Test func failuresNameTheValuesRead() throws {
        let items = try outcome("len(body.items) > 0")
        #expect(!items.passed)
        #expect(items.check.observed == "len(body.items) = 0")
        #expect(items.failureMessage == #"condition "len(body.items) > 0" failed: len(body.items) = 0"#)
        let two = try outcome("status == 200 && latency < 100ms")
        #expect(two.check.observed == "status = 200, latency = 120ms")
        #expect(try outcome("body.status == 'DOWN'").check.observed == #"body.status = "UP""#)
        #expect(try outcome("cert_expiry > 7d").check.observed == "cert_expiry = 5d")
        #expect(try outcome("body.checks[0] == 1").check.observed == #"body.checks[0] = {"name":"db","ok":true,"ms":1.50}"#)
    }

    /// A missing value or a wrong type leaves the condition undecided: it fails with the reason,
    /// and `!` does not turn that into a pass.
    @Test(arguments: [
        ("body.items[5] == 1", "body.items[5] not found"), ("!(body.nope == 1)", "body.nope not found"), ("header.x-nope == 'a'", "no header x-nope in the response"),
        ("nope > 1", "no observation nope in this result"), ("len(body.count) > 0", "len() of 3, which is not a string, list or object"),
        ("body.status > 3", #"cannot compare "UP" with 3 by >"#), ("body.count contains 3", "3 is not a string, list or object: it contains nothing"),
        ("body.status", #""UP" is not true or false"#), ("!(body.status == 'x') && body.q == 1", "body.q not found"),
    ])
    func undecidedFailsWithItsReason(text: String, reason: String) throws {
        let o = try outcome(text)
        #expect(!o.passed)
        #expect(o.reason == reason)
        #expect(o.failureMessage == "condition \"\(text)\" failed: \(reason)")
    }

    @Test func undecidedGivesWayToADecidedOr() throws {
        #expect(try outcome("body.nope == 1 || status == 200").passed)
        #expect(try !outcome("body.nope == 1 && status == 500").passed)
        #expect(try outcome("body.nope == 1 && status == 500").reason == nil)
    }

    @Test func aBodyThatIsNotJSONOrNoneAtAll() throws {
        let html = try outcome("body.status == 'UP'", Self.subject(body: "<html>"))
        #expect(html.reason == "body is not JSON")
        #expect(try outcome("body contains 'html'", Self.subject(body: "<html>")).passed)
        #expect(try outcome("body contains 'x'", Self.subject(body: nil)).reason == "this probe reads no body")
        #expect(try outcome("status == 0", Self.subject(status: nil)).reason == "this probe reports no status")
    }

    @Test func olderKeysKeepTheirMessages() throws {
        var e = ConditionEvaluator(Self.subject(status: .number(503, text: nil)))
        let outcomes = e.evaluate([
            .status(in: .kubelet), .bodyContains("ok"), try .bodyRegex("DOWN|FAIL"), .json(JSONPath("$.status")!, equals: "DOWN"),
            .json(JSONPath("$.checks[3].name")!, equals: "db"), .bodyNotContains("UP"), try .answerRegex("^192\\."),
        ])
        #expect(outcomes.map(\.failureMessage) == [
            "status 503 not in 200-399", #"body does not contain "ok""#, "body does not match /DOWN|FAIL/", #"json $.status is "UP", expected "DOWN""#,
            "json $.checks[3].name not found", #"body contains "UP""#, #"no answer matches "^192\.""#,
        ])
        #expect(outcomes.failureMessage?.hasPrefix("status 503 not in 200-399; body does not match /DOWN|FAIL/; json") == true)
        var html = ConditionEvaluator(Self.subject(body: "<p>"))
        #expect(html.evaluate(.json(JSONPath("$.status")!, equals: "UP")).failureMessage == "body is not JSON")
    }

    @Test func aResultTakesTheOutcomes() throws {
        var e = ConditionEvaluator(Self.subject())
        var ok = ProbeResult(success: true, latency: .milliseconds(120), message: "status 200")
        ok.apply(e.evaluate([try Condition(parsing: "status == 200")]))
        #expect(ok.success && ok.message == "status 200")
        #expect(ok.conditions == [ConditionCheck(condition: "status == 200", passed: true, observed: "status = 200")])
        var bad = ok
        bad.apply(e.evaluate([try Condition(parsing: "status == 200"), try Condition(parsing: "len(body.items) > 0")]))
        #expect(!bad.success)
        #expect(bad.message == #"condition "len(body.items) > 0" failed: len(body.items) = 0"#)
        var already = ProbeResult(success: false, latency: .zero, message: "NOT_SERVING")
        already.apply(e.evaluate([try Condition(parsing: "latency < 1ms")]))
        #expect(already.message == #"NOT_SERVING; condition "latency < 1ms" failed: latency = 120ms"#)
    }

    /// A regex's budget is shared by every condition of a result: a hostile body costs a bounded
    /// number of steps, and the condition says it gave up.
    @Test func regexBudgetIsBounded() throws {
        let subject = Self.subject(body: String(repeating: "a", count: 5000))
        var e = ConditionEvaluator(subject, maxSteps: 10_000)
        let o = e.evaluate(try Condition(parsing: "body matches '(a|aa)*b'"))
        #expect(!o.passed)
        #expect(o.reason?.hasPrefix("regex /(a|aa)*b/ gave up after") == true)
    }
}
