/// A regular expression compiled for a Pike VM (`VitalsCore/RegexMatcher.swift`): the engine
/// behind `matches` in conditions and behind `body_regex`, `answer_regex` and the tcp `expect`.
///
/// Why not `NSRegularExpression` or POSIX `regexec`: both backtrack, so a pattern like `(a*)*b`
/// on a long body of `a`s takes exponential time, and a target controls the body. A Pike VM
/// runs every alternative in lock step, so a match costs at most (text length + 1) × (program
/// size) steps, whatever the pattern: linear in the text, like RE2 and Go's regexp. The price is
/// the features that need backtracking: no back-references and no look-around.
///
/// The subset (RE2-like): literals; `.` (any character but a newline); classes `[abc]`,
/// `[^a-z0-9_]`; `\d \D \w \W \s \S`; escapes `\n \r \t \f \v \0 \xHH` and any punctuation
/// escaped; anchors `^` `$` (start and end of the text, `$` also before a final newline),
/// `\A` `\z` and `\b \B`; groups `( )`, `(?: )`,
/// `(?<name> )`; `|`; `* + ? {n} {n,} {n,m}`, each also lazy with a `?` after it (which
/// changes nothing for a yes/no match); a leading `(?i)` for a match that ignores case.
/// Anything else (`\1`, `(?=`, `(?!`, `(?<=`, `\p{..}`, possessive `*+`) is refused when the
/// config loads, with the position of the offending part.
public struct RegexProgram: Sendable, Equatable, CustomStringConvertible {
    public enum Instruction: Sendable, Equatable {
        /// One character, compared case-folded when the program ignores case.
        case char(Unicode.Scalar)
        /// Any character but `\n`.
        case any
        /// A class: an index into `classes`.
        case set(Int)
        /// Continue at both targets (the first preferred; the VM does not care).
        case split(Int, Int)
        case jump(Int)
        case textStart
        /// `$` also before a newline that ends the text (as ICU, PCRE and Python read it); `\z` not.
        case textEnd(beforeFinalNewline: Bool)
        case wordBoundary(Bool)
        case match
    }

    /// Ranges of scalars, and whether the class is negated.
    public struct CharacterClass: Sendable, Equatable {
        public var ranges: [ClosedRange<UInt32>]
        public var negated: Bool

        public func contains(_ c: Unicode.Scalar) -> Bool {
            let v = c.value
            return ranges.contains { $0.contains(v) } != negated
        }
    }

    /// The pattern as written.
    public let pattern: String
    public let instructions: [Instruction]
    public let classes: [CharacterClass]
    public let ignoresCase: Bool

    /// Bounds on what a config may ask for: the pattern's length, a counted repetition's count,
    /// and the compiled program's size (a `{1000}` of a large group multiplies it).
    public static let maxPatternLength = 1024
    public static let maxRepeat = 1000
    public static let maxInstructions = 20_000

    public var description: String { pattern }

    public static func == (a: RegexProgram, b: RegexProgram) -> Bool { a.pattern == b.pattern }

    /// Why a pattern was refused, and where (an offset in unicode scalars into the pattern).
    public struct CompileError: Error, Sendable, Equatable, CustomStringConvertible {
        public var offset: Int
        public var message: String
        public var description: String { message }
    }

    public init(_ pattern: String) throws(CompileError) {
        guard pattern.unicodeScalars.count <= Self.maxPatternLength else {
            throw CompileError(offset: 0, message: "regex longer than \(Self.maxPatternLength) characters")
        }
        var parser = RegexParser(Array(pattern.unicodeScalars))
        let node = try parser.parseAll()
        var emitter = RegexEmitter()
        try emitter.emit(node)
        emitter.append(.match)
        self.pattern = pattern
        instructions = emitter.program
        classes = parser.classes
        ignoresCase = parser.ignoresCase
    }
}

/// The pattern's syntax tree.
indirect enum RegexNode {
    case empty
    case char(Unicode.Scalar)
    case any
    case set(Int)
    case concat([RegexNode])
    case alternation([RegexNode])
    case repeated(RegexNode, min: Int, max: Int?)
    case textStart
    case textEnd(beforeFinalNewline: Bool)
    case wordBoundary(Bool)
}

/// Recursive descent over the pattern's scalars.
struct RegexParser {
    let s: [Unicode.Scalar]
    var i = 0
    var classes: [RegexProgram.CharacterClass] = []
    var ignoresCase = false
    var depth = 0

    init(_ s: [Unicode.Scalar]) { self.s = s }

    typealias Failure = RegexProgram.CompileError
    func fail(_ message: String, at offset: Int? = nil) -> Failure { Failure(offset: offset ?? i, message: message) }

    mutating func parseAll() throws(Failure) -> RegexNode {
        if s.starts(with: Array("(?i)".unicodeScalars)) {
            ignoresCase = true
            i = 4
        }
        let node = try alternation()
        if i < s.count { throw fail("unbalanced ) in regex") }
        return node
    }

    private var peek: Unicode.Scalar? { i < s.count ? s[i] : nil }

    mutating func alternation() throws(Failure) -> RegexNode {
        var branches = [try concatenation()]
        while peek == "|" {
            i += 1
            branches.append(try concatenation())
        }
        return branches.count == 1 ? branches[0] : .alternation(branches)
    }

    mutating func concatenation() throws(Failure) -> RegexNode {
        var items: [RegexNode] = []
        while let c = peek, c != "|", c != ")" {
            let atomStart = i
            var atom = try self.atom()
            while let q = peek, q == "*" || q == "+" || q == "?" || q == "{" {
                if case .textStart = atom { throw fail("nothing to repeat", at: i) }
                guard let (min, max) = try quantifier() else { break }
                if case .repeated = atom { throw fail("a repeat of a repeat: put the inner one in a group", at: atomStart) }
                atom = .repeated(atom, min: min, max: max)
                if peek == "?" { i += 1 }  // lazy: the same yes/no answer
                if peek == "+" { throw fail("possessive quantifiers are not supported") }
            }
            items.append(atom)
        }
        return items.isEmpty ? .empty : items.count == 1 ? items[0] : .concat(items)
    }

    /// `*`, `+`, `?`, `{n}`, `{n,}`, `{n,m}`; nil for a `{` that is no quantifier (a literal).
    mutating func quantifier() throws(Failure) -> (Int, Int?)? {
        let start = i
        switch s[i] {
        case "*": i += 1; return (0, nil)
        case "+": i += 1; return (1, nil)
        case "?": i += 1; return (0, 1)
        default: break
        }
        i += 1
        func number() -> Int? {
            var v: Int?
            while let c = peek, ("0"..."9").contains(c) {
                v = (v ?? 0) * 10 + Int(c.value - 48)
                if v! > 100_000 { v = 100_000 }
                i += 1
            }
            return v
        }
        guard let min = number() else {
            i = start
            return nil
        }
        var max: Int? = min
        if peek == "," {
            i += 1
            max = number()
        }
        guard peek == "}" else {
            i = start
            return nil
        }
        i += 1
        if min > RegexProgram.maxRepeat || (max ?? 0) > RegexProgram.maxRepeat {
            throw fail("repeat count over \(RegexProgram.maxRepeat)", at: start)
        }
        if let max, max < min { throw fail("repeat {\(min),\(max)} has its bounds reversed", at: start) }
        return (min, max)
    }

    mutating func atom() throws(Failure) -> RegexNode {
        let c = s[i]
        switch c {
        case "(":
            depth += 1
            if depth > 100 { throw fail("regex nested deeper than 100 groups") }
            let open = i
            i += 1
            if peek == "?" {
                let rest = String(String.UnicodeScalarView(s[i..<min(i + 3, s.count)]))
                if rest.hasPrefix("?:") {
                    i += 2
                } else if rest.hasPrefix("?<"), !rest.hasPrefix("?<="), !rest.hasPrefix("?<!") {
                    i += 2
                    while let n = peek, n != ">" { i += 1 }
                    guard peek == ">" else { throw fail("unterminated group name", at: open) }
                    i += 1
                } else {
                    throw fail("look-around and inline flags are not supported (only (?: ), (?<name> ) and a leading (?i))", at: open)
                }
            }
            let inner = try alternation()
            guard peek == ")" else { throw fail("missing ) for the ( here", at: open) }
            i += 1
            depth -= 1
            // Kept a group, so that `(a*)*` is a repeat of a group, not of a repeat.
            return .concat([inner])
        case ")": throw fail("unbalanced ) in regex")
        case "*", "+", "?": throw fail("nothing to repeat")
        case ".": i += 1; return .any
        case "^": i += 1; return .textStart
        case "$": i += 1; return .textEnd(beforeFinalNewline: true)
        case "[": return try characterClass()
        case "\\":
            let start = i
            i += 1
            guard let e = peek else { throw fail("trailing \\ in regex", at: start) }
            i += 1
            switch e {
            case "b": return .wordBoundary(true)
            case "B": return .wordBoundary(false)
            case "A": return .textStart
            case "z": return .textEnd(beforeFinalNewline: false)
            default:
                i -= 2
                return try escapeInClass(false)
            }
        default:
            i += 1
            return .char(c)
        }
    }

    /// An escape at `i` (a backslash): a single character, or a class for `\d` and the like.
    mutating func escapeInClass(_ inClass: Bool) throws(Failure) -> RegexNode {
        let start = i
        i += 1
        let e = s[i]
        i += 1
        switch e {
        case "d", "D", "w", "W", "s", "S":
            let lower = Unicode.Scalar(String(e).lowercased())!
            return .set(addClass(Self.shorthand(lower), negated: e != lower))
        case "n": return .char("\n")
        case "r": return .char("\r")
        case "t": return .char("\t")
        case "f": return .char("\u{0C}")
        case "v": return .char("\u{0B}")
        case "0": return .char("\u{00}")
        case "x":
            guard i + 2 <= s.count, let v = UInt32(String(String.UnicodeScalarView(s[i..<i + 2])), radix: 16) else {
                throw fail("\\x takes two hex digits", at: start)
            }
            i += 2
            return .char(Unicode.Scalar(v)!)
        default:
            if e.properties.isAlphabetic || ("0"..."9").contains(e) {
                let what = ("1"..."9").contains(e) ? "back-references are not supported" : "unknown escape \\\(e)"
                throw fail(what, at: start)
            }
            return .char(e)
        }
    }

    static func shorthand(_ c: Unicode.Scalar) -> [ClosedRange<UInt32>] {
        switch c {
        case "d": [48...57]
        case "w": [48...57, 65...90, 95...95, 97...122]
        default: [9...13, 32...32]  // s
        }
    }

    mutating func addClass(_ ranges: [ClosedRange<UInt32>], negated: Bool) -> Int {
        classes.append(RegexProgram.CharacterClass(ranges: ranges, negated: negated))
        return classes.count - 1
    }

    mutating func characterClass() throws(Failure) -> RegexNode {
        let open = i
        i += 1
        var negated = false
        if peek == "^" {
            negated = true
            i += 1
        }
        var ranges: [ClosedRange<UInt32>] = []
        var first = true
        while let c = peek, c != "]" || first {
            first = false
            var low: UInt32
            if c == "\\" {
                switch try escapeInClass(true) {
                case .char(let ch): low = ch.value
                case .set(let index):
                    let cls = classes[index]
                    if cls.negated {
                        // `[\D]`, `[^\W]`: the complement of the shorthand's ranges.
                        var next: UInt32 = 0
                        for r in cls.ranges {
                            if r.lowerBound > next { ranges.append(next...(r.lowerBound - 1)) }
                            next = r.upperBound + 1
                        }
                        ranges.append(next...0x10FFFF)
                    } else {
                        ranges += cls.ranges
                    }
                    continue
                default: throw fail("unexpected escape in a class", at: i)
                }
            } else {
                low = c.value
                i += 1
            }
            if peek == "-", i + 1 < s.count, s[i + 1] != "]" {
                i += 1
                var high: UInt32
                if peek == "\\" {
                    guard case .char(let ch) = try escapeInClass(true) else { throw fail("a range cannot end in a class", at: i) }
                    high = ch.value
                } else {
                    high = s[i].value
                    i += 1
                }
                guard low <= high else { throw fail("range out of order in class", at: open) }
                ranges.append(low...high)
                low = 0
                continue
            }
            ranges.append(low...low)
        }
        guard peek == "]" else { throw fail("missing ] for the [ here", at: open) }
        i += 1
        return .set(addClass(ranges, negated: negated))
    }
}

/// Turns the tree into instructions (Thompson's construction).
struct RegexEmitter {
    var program: [RegexProgram.Instruction] = []

    mutating func append(_ i: RegexProgram.Instruction) { program.append(i) }

    mutating func emit(_ node: RegexNode) throws(RegexProgram.CompileError) {
        guard program.count <= RegexProgram.maxInstructions else {
            throw RegexProgram.CompileError(offset: 0, message: "regex too large once compiled (over \(RegexProgram.maxInstructions) steps): use smaller repeat counts")
        }
        switch node {
        case .empty: break
        case .char(let c): append(.char(c))
        case .any: append(.any)
        case .set(let i): append(.set(i))
        case .textStart: append(.textStart)
        case .textEnd(let b): append(.textEnd(beforeFinalNewline: b))
        case .wordBoundary(let b): append(.wordBoundary(b))
        case .concat(let items): for item in items { try emit(item) }
        case .alternation(let branches):
            var jumps: [Int] = []
            for (n, branch) in branches.enumerated() {
                if n < branches.count - 1 {
                    let split = program.count
                    append(.split(split + 1, 0))
                    try emit(branch)
                    jumps.append(program.count)
                    append(.jump(0))
                    program[split] = .split(split + 1, program.count)
                } else {
                    try emit(branch)
                }
            }
            for j in jumps { program[j] = .jump(program.count) }
        case .repeated(let inner, let min, let max):
            for _ in 0..<min { try emit(inner) }
            if let max {
                var splits: [Int] = []
                for _ in min..<max {
                    splits.append(program.count)
                    append(.split(program.count + 1, 0))
                    try emit(inner)
                }
                for s in splits { program[s] = .split(s + 1, program.count) }
            } else {
                let loop = program.count
                append(.split(loop + 1, 0))
                try emit(inner)
                append(.jump(loop))
                program[loop] = .split(loop + 1, program.count)
            }
        }
    }
}
