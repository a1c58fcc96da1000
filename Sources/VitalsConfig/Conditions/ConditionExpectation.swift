import Yams

/// `expect: { conditions: [...], body_not_contains: "..." }`, the part of `expect` that every
/// probe type with conditions (`http`, `grpc`, `dns`, `tcp`, `exec`) shares.
public struct ConditionExpectation: Sendable, Equatable {
    /// As written, parsed at load; every one must hold.
    public var conditions: [Condition] = []
    /// Fails when the body (or what the probe read) contains this text.
    public var bodyNotContains: String? = nil
    public init() {}

    /// Past this a component's list is refused: each condition runs on every result.
    public static let maxConditions = 64

    /// What the probe evaluates, in order: `body_not_contains`, then the written conditions.
    public var checks: [Condition] { (bodyNotContains.map { [Condition.bodyNotContains($0)] } ?? []) + conditions }
}

/// Conditions generated from the older `expect` keys: the same evaluator judges them, and
/// their failures keep the wording those keys have always had.
extension Condition {
    /// `status: [200, "300-399"]`: `status == 200 || status >= 300 && status <= 399`.
    public static func status(in set: StatusCodeSet) -> Condition {
        let status = ConditionExpression.reference(.status, source: "status")
        func number(_ n: Int) -> ConditionExpression { .literal(.number(Double(n), String(n))) }
        var parts: [(String, ConditionExpression)] = set.ranges.map { r in
            if r.lowerBound == r.upperBound { return ("status == \(r.lowerBound)", .compare(.equal, status, number(r.lowerBound))) }
            return (
                "status >= \(r.lowerBound) && status <= \(r.upperBound)",
                .and(.compare(.greaterOrEqual, status, number(r.lowerBound)), .compare(.lessOrEqual, status, number(r.upperBound)))
            )
        }
        let first = parts.removeFirst()
        let expression = parts.reduce(first.1) { .or($0, $1.1) }
        let source = ([first.0] + parts.map(\.0)).joined(separator: " || ")
        return Condition(source: source, expression: expression, legacy: .statusIn(set.description))
    }

    /// `body_contains: ok`: `body contains 'ok'`.
    public static func bodyContains(_ needle: String) -> Condition {
        Condition(
            source: "body contains \(quoted(needle))",
            expression: .compare(.contains, .reference(.body, source: "body"), .literal(.string(needle))), legacy: .bodyContains(needle))
    }

    /// `body_not_contains: maintenance`: `!(body contains 'maintenance')`.
    public static func bodyNotContains(_ needle: String) -> Condition {
        Condition(
            source: "!(body contains \(quoted(needle)))",
            expression: .not(.compare(.contains, .reference(.body, source: "body"), .literal(.string(needle)))),
            legacy: .bodyNotContains(needle))
    }

    /// `body_regex: DOWN|FAIL`: `body matches 'DOWN|FAIL'`.
    public static func bodyRegex(_ pattern: String) throws(RegexProgram.CompileError) -> Condition {
        Condition(
            source: "body matches \(quoted(pattern))", expression: .matches(.reference(.body, source: "body"), try RegexProgram(pattern)),
            legacy: .bodyRegex(pattern))
    }

    /// `json: {path: $.status, equals: UP}`: `body.status == 'UP'`.
    public static func json(_ path: JSONPath, equals: String) -> Condition {
        let ref = "body" + path.text.dropFirst()
        return Condition(
            source: "\(ref) == \(quoted(equals))", expression: .compare(.equal, .reference(.json(path), source: ref), .literal(.string(equals))),
            legacy: .json(path: path.text, equals: equals))
    }

    /// dns `answer_regex`: `answers matches '^10\.'` (true when any answer matches).
    public static func answerRegex(_ pattern: String) throws(RegexProgram.CompileError) -> Condition {
        Condition(
            source: "answers matches \(quoted(pattern))",
            expression: .matches(.reference(.named("answers"), source: "answers"), try RegexProgram(pattern)), legacy: .answerRegex(pattern))
    }

    /// A string literal as the language reads it back: in single quotes, with `\'` and `\\`
    /// escaped only where the lexer would otherwise misread them.
    public static func quoted(_ s: String) -> String {
        var out = "'"
        let scalars = Array(s.unicodeScalars)
        for (i, c) in scalars.enumerated() {
            if c == "'" {
                out += "\\'"
            } else if c == "\\", i + 1 == scalars.count || scalars[i + 1] == "'" || scalars[i + 1] == "\\" {
                out += "\\\\"
            } else {
                out.unicodeScalars.append(c)
            }
        }
        return out + "'"
    }
}

extension ConfigParser {
    /// An `expect` mapping of `conditions` (and `body_not_contains` where the probe has a
    /// body), plus any `extra` keys the caller reads itself from the returned fields.
    func parseConditionExpect(_ f: Fields, body: Bool, names: Set<String>?, extra: [String] = []) -> (ConditionExpectation, Fields?) {
        var e = ConditionExpectation()
        guard let node = f.value("expect") else { return (e, nil) }
        let keys = ["conditions"] + (body ? ["body_not_contains"] : []) + extra
        guard let ef = Fields(node, reader: reader, file: f.file, path: f.sub("expect"), allowed: keys, structured: ["conditions"]) else { return (e, nil) }
        parseConditionKeys(ef, into: &e, names: names)
        return (e, ef)
    }

    /// Reads `conditions` and `body_not_contains` from an `expect` mapping into `e`. Each
    /// condition's error points into its text: file, line, and the column of the token.
    func parseConditionKeys(_ f: Fields, into e: inout ConditionExpectation, names: Set<String>?) {
        e.bodyNotContains = f.string("body_not_contains")
        guard let list = f.value("conditions") else { return }
        guard let items = list.sequence else {
            f.error("conditions", "expected a list of conditions such as [\"status == 200\", \"latency < 300ms\"]")
            return
        }
        if items.count > ConditionExpectation.maxConditions {
            f.error("conditions", "at most \(ConditionExpectation.maxConditions) conditions per component")
            return
        }
        for (i, item) in items.enumerated() {
            let path = "\(f.sub("conditions"))[\(i)]"
            guard item.scalar != nil else {
                reader.error(item, in: f.file, path, "expected a condition in quotes, such as \"status == 200\"")
                continue
            }
            guard let text = reader.substitute(item, file: f.file, path: path) else { continue }
            do {
                e.conditions.append(try Condition(parsing: text, names: names))
            } catch {
                // After `${VAR}` substitution the text no longer lines up with the file: the
                // error then points at the condition's start.
                let offset = text == item.scalar?.string ? error.offset : 0
                reader.error(at: ScalarColumns.location(of: offset, in: item, file: f.file, text: reader.texts[f.file]), path, error.message)
            }
        }
    }
}

/// Where character `offset` of a scalar's value sits in its file: the scalar's start moved
/// along its line, through quotes and escapes (`''` in single quotes; `\"`, `\\`, `\xHH`,
/// `\uHHHH` in double quotes). A scalar folded over several lines, or a block scalar, gives its
/// first line's best guess.
enum ScalarColumns {
    static func location(of offset: Int, in node: Node, file: String, text: String?) -> SourceLocation {
        var at = SourceLocation(file: file, line: node.mark?.line ?? 1, column: node.mark?.column ?? 1)
        guard let scalar = node.scalar, let text else { return at }
        switch scalar.style {
        case .literal, .folded:
            // The text starts on the next line, at the block's indentation.
            let lines = text.split(separator: "\n", omittingEmptySubsequences: false).dropFirst(at.line)
            if let first = lines.first(where: { !$0.allSatisfy(\.isWhitespace) }) {
                at.line += 1
                at.column = first.prefix { $0 == " " }.count + 1 + offset
            }
            return at
        case .singleQuoted, .doubleQuoted:
            let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
            guard at.line - 1 < lines.count else { return at }
            let raw = Array(lines[at.line - 1].unicodeScalars)
            var p = at.column - 1 + 1  // past the opening quote
            let double = scalar.style == .doubleQuoted
            for _ in 0..<offset {
                guard p < raw.count else { return at }  // folded onto another line: the start
                if double, raw[p] == "\\", p + 1 < raw.count {
                    switch raw[p + 1] {
                    case "x": p += 4
                    case "u": p += 6
                    case "U": p += 10
                    default: p += 2
                    }
                } else if !double, raw[p] == "'", p + 1 < raw.count, raw[p + 1] == "'" {
                    p += 2
                } else {
                    p += 1
                }
            }
            at.column = p + 1
            return at
        default:
            at.column += offset
            return at
        }
    }
}
