import VitalsConfig

/// Runs a `RegexProgram` over a text as a Pike VM: all threads advance together one character
/// at a time, each instruction at most once per position, so a search costs at most
/// (characters + 1) × (instructions) steps, whatever the pattern (`(a*)*b` on 10,000 `a`s
/// included). `maxSteps` caps even that: a huge body and a large program give up rather than
/// hold a core, and the condition fails saying so.
public struct RegexMatcher: Sendable {
    public let program: RegexProgram
    /// About a quarter of a second of one core in a release build.
    public static let defaultMaxSteps = 50_000_000

    public init(_ program: RegexProgram) { self.program = program }

    public enum Outcome: Sendable, Equatable {
        case matched
        case noMatch
        /// The step budget ran out before an answer.
        case gaveUp
    }

    /// Whether the pattern matches anywhere in `text`, and the steps it took.
    public func search(_ text: String, maxSteps: Int = defaultMaxSteps) -> (outcome: Outcome, steps: Int) {
        let input = Array(text.unicodeScalars)
        let code = program.instructions
        let n = code.count
        // Two sparse sets of program counters: the threads at this position and the next.
        var current = SparseSet(capacity: n)
        var next = SparseSet(capacity: n)
        var stack: [Int] = []
        stack.reserveCapacity(n)
        var steps = 0

        func isWord(_ c: Unicode.Scalar?) -> Bool {
            guard let c else { return false }
            return c.isASCII && (c.properties.isAlphabetic || ("0"..."9").contains(c) || c == "_")
        }

        /// Follows jumps, splits and assertions from `pc` at position `at`, adding the
        /// character-consuming instructions reached to `set`. True when `match` is reached.
        func addThread(_ set: inout SparseSet, _ pc: Int, at: Int) -> Bool {
            stack.append(pc)
            while let pc = stack.popLast() {
                guard set.insert(pc) else { continue }
                steps += 1
                switch code[pc] {
                case .match: return true
                case .jump(let to): stack.append(to)
                case .split(let a, let b):
                    stack.append(b)
                    stack.append(a)
                case .textStart: if at == 0 { stack.append(pc + 1) }
                case .textEnd(let beforeFinalNewline):
                    if at == input.count || (beforeFinalNewline && at == input.count - 1 && input[at] == "\n") { stack.append(pc + 1) }
                case .wordBoundary(let wanted):
                    let before = at > 0 ? input[at - 1] : nil
                    let after = at < input.count ? input[at] : nil
                    if (isWord(before) != isWord(after)) == wanted { stack.append(pc + 1) }
                case .char, .any, .set: break
                }
            }
            return false
        }

        func consumes(_ instruction: RegexProgram.Instruction, _ c: Unicode.Scalar) -> Bool {
            switch instruction {
            case .char(let want):
                if want == c { return true }
                return program.ignoresCase && Self.fold(want) == Self.fold(c)
            case .any: return c != "\n"
            case .set(let i):
                let cls = program.classes[i]
                if cls.contains(c) { return true }
                guard program.ignoresCase else { return false }
                return cls.contains(Self.fold(c)) || cls.contains(Self.upper(c))
            default: return false
            }
        }

        for at in 0...input.count {
            // Unanchored: a new thread starts at every position.
            if addThread(&current, 0, at: at) { return (.matched, steps) }
            if steps > maxSteps { return (.gaveUp, steps) }
            guard at < input.count else { break }
            let c = input[at]
            next.clear()
            for pc in current.members where consumes(code[pc], c) {
                if addThread(&next, pc + 1, at: at + 1) { return (.matched, steps) }
            }
            swap(&current, &next)
            next.clear()
        }
        return (.noMatch, steps)
    }

    /// The whole-text convenience: true only for a match (a budget run out is no match).
    public func matches(_ text: String) -> Bool { search(text).outcome == .matched }

    static func fold(_ c: Unicode.Scalar) -> Unicode.Scalar {
        c.properties.lowercaseMapping.unicodeScalars.count == 1 ? c.properties.lowercaseMapping.unicodeScalars.first! : c
    }

    static func upper(_ c: Unicode.Scalar) -> Unicode.Scalar {
        c.properties.uppercaseMapping.unicodeScalars.count == 1 ? c.properties.uppercaseMapping.unicodeScalars.first! : c
    }
}

/// Program counters in insertion order with O(1) insert, test and clear (Briggs and Torczon).
struct SparseSet {
    private var dense: [Int]
    private var sparse: [Int]
    private(set) var count = 0

    init(capacity: Int) {
        dense = Array(repeating: 0, count: capacity)
        sparse = Array(repeating: 0, count: capacity)
    }

    /// False when already present.
    mutating func insert(_ v: Int) -> Bool {
        let s = sparse[v]
        if s < count && dense[s] == v { return false }
        sparse[v] = count
        dense[count] = v
        count += 1
        return true
    }

    mutating func clear() { count = 0 }

    var members: ArraySlice<Int> { dense[0..<count] }
}
