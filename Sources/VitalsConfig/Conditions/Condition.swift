/// One condition of a component's `expect.conditions` (or one built from an older `expect`
/// key): parsed once when the config loads and evaluated on every result by
/// `VitalsCore/ConditionEvaluator.swift`, the one evaluator of every `expect` key.
public struct Condition: Sendable, Equatable, CustomStringConvertible {
    /// The condition as written (or as generated from an older key): what messages, the
    /// component page and `/health/detailed` name.
    public let source: String
    public let expression: ConditionExpression
    /// For a condition built from an older key: the message it has always failed with.
    public let legacy: Legacy?

    public init(source: String, expression: ConditionExpression, legacy: Legacy? = nil) {
        self.source = source
        self.expression = expression
        self.legacy = legacy
    }

    /// Parses `text`; the error's offset points at the offending token. `names`: see
    /// `ConditionParser.parse`.
    public init(parsing text: String, names: Set<String>? = nil) throws(ConditionSyntaxError) {
        self.init(source: text, expression: try ConditionParser.parse(text, names: names))
    }

    public var description: String { source }

    /// Older `expect` keys, kept with the messages their users know.
    public enum Legacy: Sendable, Equatable {
        /// `status: [200, 204]`: `status 404 not in 200,204`.
        case statusIn(String)
        /// `body_contains`: `body does not contain "ok"`.
        case bodyContains(String)
        /// `body_regex`: `body does not match /DOWN|FAIL/`.
        case bodyRegex(String)
        /// `json: {path, equals}`: `json $.status is "DOWN", expected "UP"`.
        case json(path: String, equals: String)
        /// `body_not_contains`: `body contains "maintenance"`.
        case bodyNotContains(String)
        /// dns `answer_regex`: `no answer matches "^10\."`.
        case answerRegex(String)
    }

    /// Whether evaluating it reads the body (an HTTP probe says when the body it judged was cut).
    public var readsBody: Bool {
        expression.references.contains { r in
            switch r {
            case .body, .json: true
            default: false
            }
        }
    }
}

/// A condition's syntax tree. Every node that yields a value from the result keeps its source
/// text, so a failure can say `len(body.items) = 0`.
public indirect enum ConditionExpression: Sendable, Equatable {
    case literal(ConditionLiteral)
    case reference(ConditionReference, source: String)
    case length(ConditionExpression, source: String)
    case compare(ConditionOperator, ConditionExpression, ConditionExpression)
    /// `x matches 're'`: the pattern compiled when the config loads.
    case matches(ConditionExpression, RegexProgram)
    case not(ConditionExpression)
    case and(ConditionExpression, ConditionExpression)
    case or(ConditionExpression, ConditionExpression)

    /// Every reference the expression reads.
    public var references: [ConditionReference] {
        switch self {
        case .literal: []
        case .reference(let r, _): [r]
        case .length(let e, _), .not(let e), .matches(let e, _): e.references
        case .compare(_, let a, let b), .and(let a, let b), .or(let a, let b): a.references + b.references
        }
    }
}

public enum ConditionOperator: String, Sendable, Equatable, CaseIterable {
    case equal = "==", notEqual = "!=", less = "<", lessOrEqual = "<=", greater = ">", greaterOrEqual = ">="
    case contains
}

public enum ConditionLiteral: Sendable, Equatable {
    /// A number and its text as written.
    case number(Double, String)
    case string(String)
    case duration(Duration)
    case bool(Bool)
    case null
}

/// What a name in a condition reads from a result.
public enum ConditionReference: Sendable, Equatable {
    /// `status`: the HTTP status code, the gRPC serving status, the DNS rcode, the exit code.
    case status
    /// `latency`: the probe's latency, a duration.
    case latency
    /// `body`: the response body (or what a tcp probe read, a plugin's output) as text.
    case body
    /// `body.a.b[0]`, `body["k.d"]`: a value in the body parsed as JSON.
    case json(JSONPath)
    /// `header.content-type`: a response header, by name in any case.
    case header(String)
    /// Any other name: an observation of the result (`cert_expiry`, `response_bytes`, a
    /// perfdata label), or a value the probe offers by name (`answers`).
    case named(String)
}

/// A condition that does not parse, and where: `offset` in unicode scalars into its text.
public struct ConditionSyntaxError: Error, Sendable, Equatable, CustomStringConvertible {
    public var offset: Int
    public var message: String
    public init(offset: Int, message: String) {
        self.offset = offset
        self.message = message
    }
    public var description: String { message }
}
