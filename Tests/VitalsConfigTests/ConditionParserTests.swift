import Testing
@testable import VitalsConfig

/// The conditions language: every operator, precedence, literals, references, limits, and the
/// offset of each error (which the config turns into FILE:LINE:COL, tested below too).
struct ConditionParserTests {
    func parse(_ s: String) throws -> ConditionExpression { try Condition(parsing: s).expression }

    func error(_ s: String) -> ConditionSyntaxError? {
        do {
            _ = try Condition(parsing: s)
            return nil
        } catch {
            return error
        }
    }

    static let status = ConditionExpression.reference(.status, source: "status")
    static func n(_ v: Double, _ t: String) -> ConditionExpression { .literal(.number(v, t)) }

    @Test(arguments: [("==", ConditionOperator.equal), ("!=", .notEqual), ("<", .less), ("<=", .lessOrEqual), (">", .greater), (">=", .greaterOrEqual)])
    func everyComparison(symbol: String, op: ConditionOperator) throws {
        #expect(try parse("status \(symbol) 200") == .compare(op, Self.status, Self.n(200, "200")))
        // Spaces are optional.
        #expect(try parse("status\(symbol)200") == .compare(op, Self.status, Self.n(200, "200")))
    }

    @Test func containsMatchesAndLogic() throws {
        let body = ConditionExpression.reference(.body, source: "body")
        #expect(try parse("body contains 'ok'") == .compare(.contains, body, .literal(.string("ok"))))
        guard case .matches(let lhs, let program) = try parse(#"body matches "^U.\.$""#) else { throw Fail("not matches") }
        #expect(lhs == body)
        #expect(program.pattern == #"^U.\.$"#)
        let a = ConditionExpression.compare(.equal, Self.status, Self.n(200, "200"))
        let b = ConditionExpression.compare(.equal, Self.status, Self.n(204, "204"))
        let c = ConditionExpression.compare(.contains, body, .literal(.string("x")))
        // && binds tighter than ||; ! tighter than both.
        #expect(try parse("status == 200 || status == 204 && body contains 'x'") == .or(a, .and(b, c)))
        #expect(try parse("(status == 200 || status == 204) && body contains 'x'") == .and(.or(a, b), c))
        #expect(try parse("!status == 200 || status == 204") == .or(.not(a), b))
        #expect(try parse("!(status == 200 || status == 204)") == .not(.or(a, b)))
        #expect(try parse("!!(status == 200)") == .not(.not(a)))
        #expect(try parse("status == 200 && status == 204 && body contains 'x'") == .and(.and(a, b), c))
    }

    @Test func literals() throws {
        let latency = ConditionExpression.reference(.latency, source: "latency")
        #expect(try parse("latency < 300ms") == .compare(.less, latency, .literal(.duration(.milliseconds(300)))))
        #expect(try parse("cert_expiry > 72h") == .compare(.greater, .reference(.named("cert_expiry"), source: "cert_expiry"), .literal(.duration(.seconds(72 * 3600)))))
        #expect(try parse("latency <= 1h30m") == .compare(.lessOrEqual, latency, .literal(.duration(.seconds(5400)))))
        #expect(try parse("x == -1.5") == .compare(.equal, .reference(.named("x"), source: "x"), Self.n(-1.5, "-1.5")))
        #expect(try parse(#"body.s == "it's""#) == .compare(.equal, .reference(.json(JSONPath("$.s")!), source: "body.s"), .literal(.string("it's"))))
        #expect(try parse(#"body.s == 'say \'hi\' \\ \d'"#) == .compare(.equal, .reference(.json(JSONPath("$.s")!), source: "body.s"), .literal(.string(#"say 'hi' \ \d"#))))
        #expect(try parse("body.ok == true") == .compare(.equal, .reference(.json(JSONPath("$.ok")!), source: "body.ok"), .literal(.bool(true))))
        #expect(try parse("body.v != null") == .compare(.notEqual, .reference(.json(JSONPath("$.v")!), source: "body.v"), .literal(.null)))
        #expect(try parse("body.ok") == .reference(.json(JSONPath("$.ok")!), source: "body.ok"))
        #expect(try parse("false") == .literal(.bool(false)))
    }

    @Test func references() throws {
        #expect(try parse("header.Content-Type contains 'json'") == .compare(.contains, .reference(.header("content-type"), source: "header.Content-Type"), .literal(.string("json"))))
        #expect(try parse("len(body.items) > 0") == .compare(.greater, .length(.reference(.json(JSONPath("$.items")!), source: "body.items"), source: "len(body.items)"), Self.n(0, "0")))
        #expect(try parse(#"body.a.b[0]["k.d"] == 1"#) == .compare(.equal, .reference(.json(JSONPath(#"$.a.b[0]["k.d"]"#)!), source: #"body.a.b[0]["k.d"]"#), Self.n(1, "1")))
        #expect(try parse("response_bytes < 1000") == .compare(.less, .reference(.named("response_bytes"), source: "response_bytes"), Self.n(1000, "1000")))
        #expect(try Condition(parsing: "len(body) > 2 && header.x == 'y'").readsBody)
        #expect(try !Condition(parsing: "status == 200").readsBody)
    }

    /// Each mistake at the offset (0-based, in characters) of the token it is about.
    @Test(arguments: [
        ("status = 200", 7, "unexpected character \"=\" (use == to compare)"),
        ("status == ", 10, "expected a value (a name such as status, latency, body or header.NAME, a number, a duration or a string), found the end of the condition"),
        ("status == 200 &", 14, "unexpected character \"&\" (use && for and)"),
        ("(status == 200", 14, "expected ) to close the ( at character 1, found the end of the condition"),
        ("status == 200)", 13, "expected && or || or the end of the condition, found \")\""),
        ("body contains 'ok", 14, "string not closed: ' missing"),
        ("latency < 300xs", 10, "\"300xs\" is neither a number nor a duration such as 300ms, 2s, 5m, 72h or 7d"),
        ("body matches '(a'", 14, "regex: missing ) for the ( here"),
        ("body matches 'a\\1'", 15, "regex: back-references are not supported"),
        ("body matches '(?=a)'", 14, "regex: look-around and inline flags are not supported (only (?: ), (?<name> ) and a leading (?i))"),
        ("body matches status", 13, "matches takes a regular expression in quotes, like matches '^ok', found \"status\""),
        ("status < 1 < 2", 11, "a comparison cannot be compared again: join the two with && (or use parentheses)"),
        ("200", 0, "200 is a value, not a condition: compare it with ==, <, contains or matches"),
        ("status == 200 && len(body)", 17, "len(body) is a number, not a condition: compare it, as in len(body) > 0"),
        ("(status == 200) == true", 0, "(status == 200) is a condition, not a value: it cannot be compared"),
        ("header == 'x'", 7, "expected .NAME after header, as in header.content-type"),
        ("status.code == 1", 6, "only body has keys and indexes (body.a.b[0]), and header names (header.NAME): status has none"),
        ("body[x] == 1", 5, "expected an index such as [0] or a key such as [\"a.b\"], found \"x\""),
        ("len body", 4, "expected ( after len, as in len(body.items)"),
        ("contains 'x'", 0, "\"contains\" needs a value before it, as in body contains 'ok'"),
        ("status == 200 # note", 14, "unexpected character \"#\""),
    ])
    func errorsPointAtTheirToken(text: String, offset: Int, message: String) {
        let e = error(text)
        #expect(e?.message == message, "\(text)")
        #expect(e?.offset == offset, "\(text)")
    }

    @Test func limits() {
        let deep = String(repeating: "(", count: 40) + "status == 200" + String(repeating: ")", count: 40)
        #expect(error(deep)?.message == "condition nested deeper than \(ConditionParser.maxDepth) levels")
        #expect(error(deep)?.offset == ConditionParser.maxDepth)
        let nots = String(repeating: "!", count: 40) + "(status == 200)"
        #expect(error(nots)?.message == "condition nested deeper than \(ConditionParser.maxDepth) levels")
        let ok = String(repeating: "(", count: 30) + "status == 200" + String(repeating: ")", count: 30)
        #expect(error(ok) == nil)
        let long = "body contains '" + String(repeating: "x", count: 1100) + "'"
        #expect(error(long)?.message == "condition longer than 1024 characters")
        #expect(error("body matches 'a{1001}'")?.message == "regex: repeat count over 1000")
        #expect(error("body matches '(((a{100}){100}){100})'")?.message.hasPrefix("regex: regex too large once compiled") == true)
    }

    /// The conditions the older keys stand for read back as the language parses them.
    @Test func sugarReadsBackAsTheSameExpression() throws {
        let sugar: [Condition] = [
            .status(in: StatusCodeSet([200...200, 204...204])), .status(in: .kubelet), .bodyContains("it's \\"), .bodyNotContains("maintenance"),
            try .bodyRegex(#"^10\.\d+$"#), .json(JSONPath(#"$.a[0]["k.d"]"#)!, equals: "UP"), try .answerRegex("^10\\."),
        ]
        for s in sugar {
            #expect(try parse(s.source) == s.expression, "\(s.source)")
        }
        #expect(Condition.status(in: .kubelet).source == "status >= 200 && status <= 399")
        #expect(Condition.status(in: StatusCodeSet([200...200, 204...204])).source == "status == 200 || status == 204")
        #expect(Condition.json(JSONPath("$.status")!, equals: "UP").source == "body.status == 'UP'")
    }
}

/// In a config file: the error's line and column are those of the offending token inside the
/// YAML scalar, through plain, single- and double-quoted styles and their escapes.
struct ConditionConfigTests {
    static func c(_ expect: String) -> String {
        "components:\n  - name: a\n    type: http\n    url: http://127.0.0.1/\n    expect:\n" + expect
    }

    @Test(arguments: [
        // plain scalar in a block list: `status = 200` starts at column 11.
        ("      conditions:\n        - status = 200\n", "c.yaml:7:18: components[a].expect.conditions[0]: unexpected character \"=\" (use == to compare)"),
        // double quotes: one column for the quote.
        ("      conditions: [\"status == 200\", \"latency < 3xs\"]\n", "c.yaml:6:48: components[a].expect.conditions[1]: \"3xs\" is neither a number nor a duration such as 300ms, 2s, 5m, 72h or 7d"),
        // an escape before the token: `\\.` is two characters in the file, one in the value.
        ("      conditions:\n        - \"body matches '\\\\.(' && x\"\n", "c.yaml:7:29: components[a].expect.conditions[0]: regex: missing ) for the ( here"),
        // single quotes: '' is one quote in the value.
        ("      conditions:\n        - 'body contains ''x'' &&'\n", "c.yaml:7:34: components[a].expect.conditions[0]: expected a value (a name such as status, latency, body or header.NAME, a number, a duration or a string), found the end of the condition"),
        ("      conditions: [\"stauts_code == 200\"]\n", "c.yaml:6:21: components[a].expect.conditions[0]: unknown name stauts_code (did you mean status_code?): this probe type has status, latency, body, header, cert_expiry, cert_expiry_timestamp, http_version, redirects, response_bytes, status_code"),
        ("      conditions: status == 200\n", "c.yaml:6:19: components[a].expect.conditions: expected a list of conditions such as [\"status == 200\", \"latency < 300ms\"]"),
        ("      conditions:\n        - { a: 1 }\n", "c.yaml:7:11: components[a].expect.conditions[0]: expected a condition in quotes, such as \"status == 200\""),
    ])
    func errorsPointIntoTheCondition(expect: String, expected: String) {
        #expect(errors(Self.c(expect)) == [expected])
    }

    @Test func readsConditionsAndBodyNotContains() throws {
        let config = try parsed(Self.c("      status: 200\n      conditions: [\"len(body.items) > 0\", \"latency < 300ms\"]\n      body_not_contains: maintenance\n"))
        guard case .http(let h) = config.components[0].probe else { throw Fail("not http") }
        #expect(h.expect.conditions.conditions.map(\.source) == ["len(body.items) > 0", "latency < 300ms"])
        #expect(h.expect.conditions.bodyNotContains == "maintenance")
        #expect(try h.expect.allConditions().map(\.source) == ["status == 200", "!(body contains 'maintenance')", "len(body.items) > 0", "latency < 300ms"])
    }

    @Test func everyTypeWithConditionsTakesThem() throws {
        let yaml = """
            components:
              - { name: g, type: grpc, address: "127.0.0.1:1", expect: { conditions: ["status == 'SERVING'"] } }
              - { name: d, type: dns, query: example.com, expect: { rcode: NOERROR, conditions: ["answers contains '10.0.0.5'"], body_not_contains: "10.0.0.9" } }
              - { name: t, type: tcp, address: "127.0.0.1:22", expect: { regex: "^SSH-", conditions: ["body contains 'OpenSSH'"] } }
              - { name: e, type: exec, command: ["/bin/true"], expect: { conditions: ["status == 0"], body_not_contains: CRITICAL } }

            """
        let config = try parsed(yaml)
        guard case .grpc(let g) = config.components[0].probe, case .dns(let d) = config.components[1].probe,
            case .tcp(let t) = config.components[2].probe, case .exec(let e) = config.components[3].probe
        else { throw Fail("types") }
        #expect(g.expect.checks.map(\.source) == ["status == 'SERVING'"])
        #expect(d.expect.conditions.checks.map(\.source) == ["!(body contains '10.0.0.9')", "answers contains '10.0.0.5'"])
        #expect(t.expect == "^SSH-")
        #expect(t.conditions.checks.map(\.source) == ["body contains 'OpenSSH'"])
        #expect(e.expect.checks.map(\.source) == ["!(body contains 'CRITICAL')", "status == 0"])
        // gRPC has no body.
        #expect(errors("components:\n  - { name: g, type: grpc, address: \"127.0.0.1:1\", expect: { body_not_contains: x } }\n").first?.hasSuffix("components[g].expect.body_not_contains: unknown key") == true)
    }

    @Test func tooManyConditionsAreRefused() {
        let list = Array(repeating: "\"status == 200\"", count: ConditionExpectation.maxConditions + 1).joined(separator: ", ")
        #expect(errors(Self.c("      conditions: [\(list)]\n")) == ["c.yaml:6:19: components[a].expect.conditions: at most 64 conditions per component"])
    }
}

private struct Fail: Error, CustomStringConvertible {
    var description: String
    init(_ d: String) { description = d }
}
