import VitalsConfig

/// What conditions read from one probe run; each probe fills in what it has. Built per run,
/// never stored (the body may be a mebibyte).
public struct ConditionSubject {
    public var latency: Duration
    /// `status`; nil for a probe that has none (tcp).
    public var status: ConditionValue?
    /// `body`: the response body, what a tcp probe read, a plugin's output; nil for none.
    public var body: [UInt8]?
    /// `header.NAME`, asked with the name in lower case; the probe compares names in any case.
    public var header: (String) -> String?
    public var observations: [Observation]
    /// Values a probe offers by name besides its observations (dns: `answers`).
    public var named: [String: ConditionValue]

    public init(
        latency: Duration, status: ConditionValue? = nil, body: [UInt8]? = nil, header: @escaping (String) -> String? = { _ in nil },
        observations: [Observation] = [], named: [String: ConditionValue] = [:]
    ) {
        self.latency = latency
        self.status = status
        self.body = body
        self.header = header
        self.observations = observations
        self.named = named
    }
}

/// How one condition came out on one result, as `/health/detailed` and the component page show it.
public struct ConditionCheck: Sendable, Equatable {
    /// The condition's text.
    public var condition: String
    public var passed: Bool
    /// The values it read, `len(body.items) = 0, status = 200`, or why it could not be
    /// decided (`body is not JSON`).
    public var observed: String

    public init(condition: String, passed: Bool, observed: String) {
        self.condition = condition
        self.passed = passed
        self.observed = observed
    }
}

/// One condition evaluated: the check, and what a message needs.
public struct ConditionOutcome: Sendable {
    public var condition: Condition
    public var passed: Bool
    /// Each value read, by its source text: shown, and as text.
    public var values: [(source: String, shown: String, text: String)]
    /// Why it could not be decided (a missing value, a type mismatch, a regex out of steps).
    public var reason: String?

    public var check: ConditionCheck {
        let observed = reason ?? values.map { "\($0.source) = \($0.shown)" }.joined(separator: ", ")
        return ConditionCheck(condition: condition.source, passed: passed, observed: observed)
    }

    /// The failure as a message names it: `condition "len(body.items) > 0" failed: len(body.items) = 0`,
    /// or in an older key's own words (`status 503 not in 200-399`).
    public var failureMessage: String {
        let what = check.observed
        switch condition.legacy {
        case .statusIn(let set)?:
            return "status \(values.first?.text ?? "none") not in \(set)"
        case .bodyContains(let needle)?:
            return reason.map { "body: \($0)" } ?? "body does not contain \(TextExcerpt.quoted(needle))"
        case .bodyNotContains(let needle)?:
            return reason.map { "body: \($0)" } ?? "body contains \(TextExcerpt.quoted(needle))"
        case .bodyRegex(let pattern)?:
            return reason.map { "body: \($0)" } ?? "body does not match /\(pattern)/"
        case .answerRegex(let pattern)?:
            return reason.map { "answers: \($0)" } ?? "no answer matches \"\(pattern)\""
        case .json(let path, let equals)?:
            if let reason { return reason == ConditionEvaluator.notJSON ? reason : "json \(path) not found" }
            return "json \(path) is \(TextExcerpt.quoted(values.first?.text ?? "")), expected \(TextExcerpt.quoted(equals))"
        case nil:
            return "condition \"\(condition.source)\" failed: \(what)"
        }
    }
}

/// The one evaluator of conditions: those written in `expect.conditions` and those the older
/// `expect` keys stand for.
///
/// Three-valued: a value that is missing (a JSON path past an array's end, a header not sent,
/// a body that is not JSON) or of the wrong type makes its comparison undecided, `!` of
/// undecided is undecided, and an undecided condition fails with the reason. So `!(body.x == 1)`
/// does not pass because `body.x` is absent. Cost: one pass over the tree, the body decoded and
/// parsed as JSON at most once per result, and each regex a linear-time `RegexMatcher` run
/// under its step budget.
public struct ConditionEvaluator {
    public static let notJSON = "body is not JSON"

    private let subject: ConditionSubject
    private var text: String?
    private var document: JSONValue??
    private var values: [(source: String, shown: String, text: String)] = []
    /// Regex steps a result may spend across all its conditions.
    private var stepsLeft: Int

    public init(_ subject: ConditionSubject, maxSteps: Int = RegexMatcher.defaultMaxSteps) {
        self.subject = subject
        stepsLeft = maxSteps
    }

    enum Truth: Equatable {
        case yes, no
        case undecided(String)
    }

    /// Evaluates every condition (none short-circuits another: each failure is named).
    public mutating func evaluate(_ conditions: [Condition]) -> [ConditionOutcome] {
        conditions.map { evaluate($0) }
    }

    public mutating func evaluate(_ condition: Condition) -> ConditionOutcome {
        values = []
        let truth = truth(condition.expression)
        var reason: String?
        if case .undecided(let why) = truth { reason = why }
        return ConditionOutcome(condition: condition, passed: truth == .yes, values: values, reason: reason)
    }

    private mutating func truth(_ e: ConditionExpression) -> Truth {
        switch e {
        case .and(let a, let b): return either(a, b, decidedBy: .no)
        case .or(let a, let b): return either(a, b, decidedBy: .yes)
        case .not(let inner):
            switch truth(inner) {
            case .yes: return .no
            case .no: return .yes
            case let u: return u
            }
        case .compare(let op, let a, let b):
            switch (value(a), value(b)) {
            case (.failure(let why), _), (_, .failure(let why)): return .undecided(why.text)
            case (.success(let l), .success(let r)): return compare(op, l, r)
            }
        case .matches(let a, let program):
            switch value(a) {
            case .failure(let why): return .undecided(why.text)
            case .success(let v): return matches(v, RegexMatcher(program))
            }
        case .literal, .reference, .length:
            switch value(e) {
            case .failure(let why): return .undecided(why.text)
            case .success(.bool(let b)): return b ? .yes : .no
            case .success(let v): return .undecided("\(v.shown) is not true or false")
            }
        }
    }

    /// `&&` (decided by a no) and `||` (decided by a yes): a decisive side wins even over an
    /// undecided one; otherwise the first undecided reason, else the right side's answer.
    private mutating func either(_ a: ConditionExpression, _ b: ConditionExpression, decidedBy decisive: Truth) -> Truth {
        let l = truth(a)
        if l == decisive { return l }
        let r = truth(b)
        if r == decisive { return r }
        if case .undecided = l { return l }
        return r
    }

    struct Missing: Error {
        var text: String
    }

    /// `record`: whether the value is one a failure names (`len(body.items)`, not also `body.items`).
    private mutating func value(_ e: ConditionExpression, record recorded: Bool = true) -> Result<ConditionValue, Missing> {
        switch e {
        case .literal(let l):
            switch l {
            case .number(let v, let t): return .success(.number(v, text: t))
            case .string(let s): return .success(.string(s))
            case .duration(let d): return .success(.duration(d.seconds))
            case .bool(let b): return .success(.bool(b))
            case .null: return .success(.null)
            }
        case .reference(let r, let source):
            let v = lookup(r, source: source)
            return recorded ? record(source, v) : v
        case .length(let inner, let source):
            let measured: Result<ConditionValue, Missing> = value(inner, record: false).flatMap { v in
                switch v {
                case .string(let s): .success(.number(Double(s.count), text: nil))
                case .json(.array(let items)): .success(.number(Double(items.count), text: nil))
                case .json(.object(let members)): .success(.number(Double(members.count), text: nil))
                case .null: .success(.number(0, text: nil))
                default: .failure(Missing(text: "len() of \(v.shown), which is not a string, list or object"))
                }
            }
            return recorded ? record(source, measured) : measured
        default:
            return .failure(Missing(text: "a condition is not a value"))
        }
    }

    private mutating func record(_ source: String, _ v: Result<ConditionValue, Missing>) -> Result<ConditionValue, Missing> {
        if case .success(let value) = v, !values.contains(where: { $0.source == source }) {
            values.append((source, value.shown, value.text))
        }
        return v
    }

    private mutating func lookup(_ r: ConditionReference, source: String) -> Result<ConditionValue, Missing> {
        switch r {
        case .status:
            return subject.status.map { .success($0) } ?? .failure(Missing(text: "this probe reports no status"))
        case .latency:
            return .success(.duration(subject.latency.seconds))
        case .body:
            guard let text = bodyText() else { return .failure(Missing(text: "this probe reads no body")) }
            return .success(.string(text))
        case .json(let path):
            guard subject.body != nil else { return .failure(Missing(text: "this probe reads no body")) }
            guard let root = json() else { return .failure(Missing(text: Self.notJSON)) }
            guard let found = path.lookup(in: root) else { return .failure(Missing(text: "\(source) not found")) }
            return .success(ConditionValue(found))
        case .header(let name):
            guard let v = subject.header(name) else { return .failure(Missing(text: "no header \(name) in the response")) }
            return .success(.string(v))
        case .named(let name):
            if let v = subject.named[name] { return .success(v) }
            guard let o = subject.observations.first(where: { $0.name == name }) else {
                return .failure(Missing(text: "no observation \(name) in this result"))
            }
            switch o.value {
            case .number(let v): return .success(o.unit == "seconds" ? .duration(v) : .number(v, text: nil))
            case .text(let t): return .success(.string(t))
            }
        }
    }

    private mutating func bodyText() -> String? {
        if let text { return text }
        guard let body = subject.body else { return nil }
        let t = String(decoding: body, as: UTF8.self)
        text = t
        return t
    }

    private mutating func json() -> JSONValue? {
        if let document { return document }
        let parsed = subject.body.flatMap(JSONValue.parse)
        document = .some(parsed)
        return parsed
    }

    private func compare(_ op: ConditionOperator, _ l: ConditionValue, _ r: ConditionValue) -> Truth {
        func yes(_ b: Bool) -> Truth { b ? .yes : .no }
        switch op {
        case .equal, .notEqual:
            let same: Bool
            if let a = l.numeric, let b = r.numeric {
                same = a == b
            } else if case .string = l {
                same = l.text == r.text
            } else if case .string = r {
                same = l.text == r.text
            } else {
                same = l == r
            }
            return yes(same == (op == .equal))
        case .less, .lessOrEqual, .greater, .greaterOrEqual:
            let order: Int
            if let a = l.numeric, let b = r.numeric {
                guard !a.isNaN, !b.isNaN else { return .undecided("NaN cannot be compared") }
                order = a < b ? -1 : a > b ? 1 : 0
            } else if case .string(let a) = l, case .string(let b) = r {
                order = a < b ? -1 : a > b ? 1 : 0
            } else {
                return .undecided("cannot compare \(l.shown) with \(r.shown) by \(op.rawValue)")
            }
            switch op {
            case .less: return yes(order < 0)
            case .lessOrEqual: return yes(order <= 0)
            case .greater: return yes(order > 0)
            default: return yes(order >= 0)
            }
        case .contains:
            switch l {
            case .json(.array(let items)): return yes(items.contains { compare(.equal, ConditionValue($0), r) == .yes })
            case .json(.object(let members)): return yes(members.contains { $0.key == r.text })
            case .string(let s): return yes(s.contains(r.text))
            default: return .undecided("\(l.shown) is not a string, list or object: it contains nothing")
            }
        }
    }

    /// A string matches when the pattern is found in it; a list when any of its items does.
    private mutating func matches(_ v: ConditionValue, _ matcher: RegexMatcher) -> Truth {
        let texts: [String]
        if case .json(.array(let items)) = v { texts = items.map { ConditionValue($0).text } } else { texts = [v.text] }
        for t in texts {
            let (outcome, steps) = matcher.search(t, maxSteps: max(0, stepsLeft))
            stepsLeft -= steps
            switch outcome {
            case .matched: return .yes
            case .gaveUp: return .undecided("regex /\(matcher.program.pattern)/ gave up after \(steps) steps")
            case .noMatch: continue
            }
        }
        return .no
    }
}

extension [ConditionOutcome] {
    /// The failures, each named, joined for a result's one-line message; nil when all passed.
    public var failureMessage: String? {
        let failed = filter { !$0.passed }
        return failed.isEmpty ? nil : failed.map(\.failureMessage).joined(separator: "; ")
    }

    public var checks: [ConditionCheck] { map(\.check) }
}
