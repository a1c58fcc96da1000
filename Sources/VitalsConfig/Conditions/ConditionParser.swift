/// The conditions language (spec section 12), parsed once when the config loads:
///
///     condition  := or
///     or         := and ('||' and)*
///     and        := unary ('&&' unary)*
///     unary      := '!' unary | comparison
///     comparison := operand (('==' | '!=' | '<' | '<=' | '>' | '>=' | 'contains') operand
///                            | 'matches' STRING)?
///     operand    := '(' or ')' | 'len' '(' operand ')' | literal | reference
///     reference  := NAME | 'body' step* | 'header' '.' NAME
///     step       := '.' NAME | '[' INDEX ']' | '[' STRING ']'
///     literal    := NUMBER | DURATION (300ms, 72h, 1h30m) | STRING ('..' or "..") | true | false | null
///
/// `&&` binds tighter than `||`, `!` tighter than both, as in C. Bounded cost: a condition has
/// at most `maxLength` characters and nests at most `maxDepth` deep, and a `matches` pattern
/// is compiled here, once. Every error carries the offset of the token it is about.
public enum ConditionParser {
    public static let maxLength = 1024
    public static let maxDepth = 32

    /// `names`: the observations the probe type reports, which a name other than `status`,
    /// `latency`, `body` and `header` must be one of (a typo is an error at load, not a
    /// condition that never holds); nil accepts any (a plugin's perfdata labels).
    public static func parse(_ text: String, names: Set<String>? = nil) throws(ConditionSyntaxError) -> ConditionExpression {
        let scalars = Array(text.unicodeScalars)
        guard scalars.count <= maxLength else {
            throw ConditionSyntaxError(offset: maxLength, message: "condition longer than \(maxLength) characters")
        }
        var p = Parser(text: scalars, tokens: try ConditionLexer.tokens(scalars), names: names)
        let e = try p.or(depth: 0)
        if p.peek.kind != .end { throw p.error("expected && or || or the end of the condition, found \(p.peek.shown)") }
        try p.requireCondition(e.expression, at: e.start, what: e.source)
        return e.expression
    }
}

struct ConditionToken: Equatable {
    enum Kind: Equatable {
        case name(String)
        case number(Double)
        case duration(Duration)
        case string(String)
        case symbol(String)
        case end
    }
    var kind: Kind
    var offset: Int
    var length: Int

    /// For messages: `"status"`, `"=="`, `the end of the condition`.
    var shown: String {
        switch kind {
        case .end: "the end of the condition"
        case .string: "a string"
        case .name(let n): "\"\(n)\""
        case .symbol(let s): "\"\(s)\""
        case .number, .duration: "a number"
        }
    }
}

enum ConditionLexer {
    static func tokens(_ s: [Unicode.Scalar]) throws(ConditionSyntaxError) -> [ConditionToken] {
        var out: [ConditionToken] = []
        var i = 0
        func isNameStart(_ c: Unicode.Scalar) -> Bool { c.isASCII && (c.properties.isAlphabetic || c == "_") }
        func isNamePart(_ c: Unicode.Scalar) -> Bool { isNameStart(c) || ("0"..."9").contains(c) || c == "-" }
        func isDigit(_ c: Unicode.Scalar) -> Bool { ("0"..."9").contains(c) }
        while i < s.count {
            let c = s[i]
            let start = i
            if c == " " || c == "\t" || c == "\n" || c == "\r" {
                i += 1
                continue
            }
            if isNameStart(c) {
                while i < s.count, isNamePart(s[i]) { i += 1 }
                out.append(ConditionToken(kind: .name(String(String.UnicodeScalarView(s[start..<i]))), offset: start, length: i - start))
            } else if isDigit(c) || (c == "-" && i + 1 < s.count && isDigit(s[i + 1])) {
                i += 1
                while i < s.count, isDigit(s[i]) || s[i] == "." || (s[i].isASCII && s[i].properties.isAlphabetic) { i += 1 }
                let text = String(String.UnicodeScalarView(s[start..<i]))
                if text.unicodeScalars.contains(where: { $0.properties.isAlphabetic }) {
                    guard !text.hasPrefix("-"), let d = Units.duration(text) else {
                        throw ConditionSyntaxError(offset: start, message: "\"\(text)\" is neither a number nor a duration such as 300ms, 2s, 5m, 72h or 7d")
                    }
                    out.append(ConditionToken(kind: .duration(d), offset: start, length: i - start))
                } else {
                    guard let v = Double(text), v.isFinite else { throw ConditionSyntaxError(offset: start, message: "\"\(text)\" is not a number") }
                    out.append(ConditionToken(kind: .number(v), offset: start, length: i - start))
                }
            } else if c == "'" || c == "\"" {
                i += 1
                var value = String.UnicodeScalarView()
                var closed = false
                while i < s.count {
                    let d = s[i]
                    if d == c {
                        closed = true
                        i += 1
                        break
                    }
                    // `\'`, `\"` and `\\` escape; any other backslash is kept, so a regex's `\.` stays one.
                    if d == "\\", i + 1 < s.count, s[i + 1] == c || s[i + 1] == "\\" {
                        value.append(s[i + 1])
                        i += 2
                        continue
                    }
                    value.append(d)
                    i += 1
                }
                guard closed else { throw ConditionSyntaxError(offset: start, message: "string not closed: \(c) missing") }
                out.append(ConditionToken(kind: .string(String(value)), offset: start, length: i - start))
            } else {
                let two = i + 1 < s.count ? String(String.UnicodeScalarView([c, s[i + 1]])) : ""
                if ["==", "!=", "<=", ">=", "&&", "||"].contains(two) {
                    i += 2
                    out.append(ConditionToken(kind: .symbol(two), offset: start, length: 2))
                } else if "<>!().[]".unicodeScalars.contains(c) {
                    i += 1
                    out.append(ConditionToken(kind: .symbol(String(c)), offset: start, length: 1))
                } else {
                    let hint: String
                    switch c {
                    case "=": hint = " (use == to compare)"
                    case "&": hint = " (use && for and)"
                    case "|": hint = " (use || for or)"
                    default: hint = ""
                    }
                    throw ConditionSyntaxError(offset: start, message: "unexpected character \"\(c)\"\(hint)")
                }
            }
        }
        out.append(ConditionToken(kind: .end, offset: s.count, length: 0))
        return out
    }
}

/// Recursive descent over the tokens.
private struct Parser {
    let text: [Unicode.Scalar]
    let tokens: [ConditionToken]
    let names: Set<String>?
    var index = 0

    /// A parsed piece, where it starts and its source text.
    struct Parsed {
        var expression: ConditionExpression
        var start: Int
        var end: Int
        var source: String
    }

    init(text: [Unicode.Scalar], tokens: [ConditionToken], names: Set<String>?) {
        self.text = text
        self.tokens = tokens
        self.names = names
    }

    var peek: ConditionToken { tokens[index] }

    func error(_ message: String, at offset: Int? = nil) -> ConditionSyntaxError {
        ConditionSyntaxError(offset: offset ?? peek.offset, message: message)
    }

    mutating func next() -> ConditionToken {
        let t = tokens[index]
        if t.kind != .end { index += 1 }
        return t
    }

    func isSymbol(_ s: String) -> Bool { peek.kind == .symbol(s) }
    func isName(_ s: String) -> Bool { peek.kind == .name(s) }

    func source(_ start: Int, _ end: Int) -> String { String(String.UnicodeScalarView(text[start..<end])) }

    func parsed(_ e: ConditionExpression, _ start: Int, _ end: Int) -> Parsed { Parsed(expression: e, start: start, end: end, source: source(start, end)) }

    func checkDepth(_ depth: Int) throws(ConditionSyntaxError) {
        if depth > ConditionParser.maxDepth { throw error("condition nested deeper than \(ConditionParser.maxDepth) levels") }
    }

    mutating func or(depth: Int) throws(ConditionSyntaxError) -> Parsed { try chain("||", depth: depth) }

    /// `a || b || c` over `&&` chains, `a && b && c` over unary terms; both sides must be conditions.
    mutating func chain(_ symbol: String, depth: Int) throws(ConditionSyntaxError) -> Parsed {
        func side(_ p: inout Parser) throws(ConditionSyntaxError) -> Parsed {
            if symbol == "||" { return try p.chain("&&", depth: depth) }
            return try p.unary(depth: depth)
        }
        var lhs = try side(&self)
        while isSymbol(symbol) {
            _ = next()
            let rhs = try side(&self)
            try requireCondition(lhs.expression, at: lhs.start, what: lhs.source)
            try requireCondition(rhs.expression, at: rhs.start, what: rhs.source)
            let joined: ConditionExpression = symbol == "||" ? .or(lhs.expression, rhs.expression) : .and(lhs.expression, rhs.expression)
            lhs = parsed(joined, lhs.start, rhs.end)
        }
        return lhs
    }

    mutating func unary(depth: Int) throws(ConditionSyntaxError) -> Parsed {
        if isSymbol("!") {
            try checkDepth(depth + 1)
            let bang = next()
            let inner = try unary(depth: depth + 1)
            try requireCondition(inner.expression, at: inner.start, what: inner.source)
            return parsed(.not(inner.expression), bang.offset, inner.end)
        }
        return try comparison(depth: depth)
    }

    static let comparisons: [String: ConditionOperator] = ["==": .equal, "!=": .notEqual, "<": .less, "<=": .lessOrEqual, ">": .greater, ">=": .greaterOrEqual]

    mutating func comparison(depth: Int) throws(ConditionSyntaxError) -> Parsed {
        let lhs = try operand(depth: depth)
        let op: ConditionOperator
        switch peek.kind {
        case .symbol(let s) where Self.comparisons[s] != nil: op = Self.comparisons[s]!
        case .name("contains"): op = .contains
        case .name("matches"):
            _ = next()
            try requireValue(lhs)
            let rhs = next()
            guard case .string(let pattern) = rhs.kind else {
                throw error("matches takes a regular expression in quotes, like matches '^ok', found \(rhs.shown)", at: rhs.offset)
            }
            let program: RegexProgram
            do {
                program = try RegexProgram(pattern)
            } catch {
                // Past the opening quote; exact unless the string has escapes before the error.
                throw self.error("regex: \(error.message)", at: rhs.offset + 1 + error.offset)
            }
            return try ended(parsed(.matches(lhs.expression, program), lhs.start, rhs.offset + rhs.length))
        default: return lhs
        }
        _ = next()
        try requireValue(lhs)
        let rhs = try operand(depth: depth)
        try requireValue(rhs)
        return try ended(parsed(.compare(op, lhs.expression, rhs.expression), lhs.start, rhs.end))
    }

    /// `a < b < c` is refused rather than read one of two ways.
    func ended(_ p: Parsed) throws(ConditionSyntaxError) -> Parsed {
        switch peek.kind {
        case .symbol(let s) where Self.comparisons[s] != nil:
            throw error("a comparison cannot be compared again: join the two with && (or use parentheses)")
        case .name("contains"), .name("matches"):
            throw error("a comparison cannot be compared again: join the two with && (or use parentheses)")
        default: return p
        }
    }

    mutating func operand(depth: Int) throws(ConditionSyntaxError) -> Parsed {
        let t = peek
        switch t.kind {
        case .symbol("("):
            try checkDepth(depth + 1)
            _ = next()
            let inner = try or(depth: depth + 1)
            guard isSymbol(")") else { throw error("expected ) to close the ( at character \(t.offset + 1), found \(peek.shown)") }
            let close = next()
            return parsed(inner.expression, t.offset, close.offset + 1)
        case .number(let v):
            _ = next()
            return parsed(.literal(.number(v, source(t.offset, t.offset + t.length))), t.offset, t.offset + t.length)
        case .duration(let d):
            _ = next()
            return parsed(.literal(.duration(d)), t.offset, t.offset + t.length)
        case .string(let s):
            _ = next()
            return parsed(.literal(.string(s)), t.offset, t.offset + t.length)
        case .name("true"), .name("false"):
            _ = next()
            return parsed(.literal(.bool(t.kind == .name("true"))), t.offset, t.offset + t.length)
        case .name("null"):
            _ = next()
            return parsed(.literal(.null), t.offset, t.offset + t.length)
        case .name("len"):
            _ = next()
            guard isSymbol("(") else { throw error("expected ( after len, as in len(body.items)") }
            try checkDepth(depth + 1)
            let open = next()
            let inner = try operand(depth: depth + 1)
            try requireValue(inner)
            guard isSymbol(")") else { throw error("expected ) to close len( at character \(open.offset + 1), found \(peek.shown)") }
            let close = next()
            let src = source(t.offset, close.offset + 1)
            return parsed(.length(inner.expression, source: src), t.offset, close.offset + 1)
        case .name("contains"), .name("matches"):
            throw error("\(t.shown) needs a value before it, as in body contains 'ok'")
        case .name(let name):
            return try reference(name)
        default:
            throw error("expected a value (a name such as status, latency, body or header.NAME, a number, a duration or a string), found \(t.shown)")
        }
    }

    mutating func reference(_ name: String) throws(ConditionSyntaxError) -> Parsed {
        let start = next()
        var end = start.offset + start.length
        func done(_ r: ConditionReference) -> Parsed { parsed(.reference(r, source: source(start.offset, end)), start.offset, end) }
        switch name {
        case "body":
            var steps: [JSONPath.Step] = []
            while isSymbol(".") || isSymbol("[") {
                let open = next()
                if open.kind == .symbol(".") {
                    guard case .name(let key) = peek.kind else { throw error("expected a key after the dot, as in body.status") }
                    let k = next()
                    steps.append(.key(key))
                    end = k.offset + k.length
                } else {
                    let inner = next()
                    switch inner.kind {
                    case .number(let v) where v >= 0 && v == v.rounded() && v < 1e9: steps.append(.index(Int(v)))
                    case .string(let key): steps.append(.key(key))
                    default: throw error("expected an index such as [0] or a key such as [\"a.b\"], found \(inner.shown)", at: inner.offset)
                    }
                    guard isSymbol("]") else { throw error("expected ] to close the [ at character \(open.offset + 1)") }
                    let close = next()
                    end = close.offset + 1
                }
            }
            return done(steps.isEmpty ? .body : .json(JSONPath(steps: steps)))
        case "header":
            guard isSymbol(".") else { throw error("expected .NAME after header, as in header.content-type") }
            _ = next()
            guard case .name(let header) = peek.kind else { throw error("expected a header name after header., as in header.content-type") }
            let h = next()
            end = h.offset + h.length
            return done(.header(header.lowercased()))
        default:
            if isSymbol(".") || isSymbol("[") {
                throw error("only body has keys and indexes (body.a.b[0]), and header names (header.NAME): \(name) has none")
            }
            switch name {
            case "status": return done(.status)
            case "latency": return done(.latency)
            default:
                if let names, !names.contains(name) {
                    let all = ["status", "latency", "body", "header"] + names.sorted()
                    let near = KeySuggestion.nearest(to: name, in: all).map { " (did you mean \($0)?)" } ?? ""
                    throw error("unknown name \(name)\(near): this probe type has \(all.joined(separator: ", "))", at: start.offset)
                }
                return done(.named(name))
            }
        }
    }

    /// `&&`, `||` and `!` take conditions: a bare number or string is a mistake caught here.
    func requireCondition(_ e: ConditionExpression, at offset: Int, what: String) throws(ConditionSyntaxError) {
        switch e {
        case .literal(.bool), .compare, .matches, .not, .and, .or, .reference: return
        case .length: throw error("\(what) is a number, not a condition: compare it, as in \(what) > 0", at: offset)
        case .literal: throw error("\(what) is a value, not a condition: compare it with ==, <, contains or matches", at: offset)
        }
    }

    /// A comparison's sides are values; `(a == b) == c` is refused.
    func requireValue(_ p: Parsed) throws(ConditionSyntaxError) {
        switch p.expression {
        case .compare, .matches, .not, .and, .or:
            throw error("\(p.source) is a condition, not a value: it cannot be compared", at: p.start)
        default: return
        }
    }
}
