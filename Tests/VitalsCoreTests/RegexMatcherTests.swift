import Foundation
import Testing
import VitalsConfig
@testable import VitalsCore

/// The linear-time regex engine behind `matches`, `body_regex`, `answer_regex` and tcp `expect`.
struct RegexMatcherTests {
    func m(_ pattern: String, _ text: String) throws -> Bool { RegexMatcher(try RegexProgram(pattern)).matches(text) }

    @Test(arguments: [
        ("abc", "xxabcxx", true), ("abc", "abx", false), ("^abc", "xabc", false), ("abc$", "abcx", false), ("abc$", "abc\n", true), ("abc\\z", "abc\n", false), ("abc$", "abc\n\n", false), ("^$", "", true),
        ("a.c", "a-c", true), ("a.c", "a\nc", false), ("DOWN|FAIL", "ALL FAIL", true), ("DOWN|FAIL", "UP", false),
        ("colou?r", "color", true), ("ab+c", "ac", false), ("ab+c", "abbbc", true), ("ab*c", "ac", true),
        ("^x{3}$", "xxx", true), ("^x{3}$", "xxxx", false), ("^x{2,}$", "xxxx", true), ("^x{2,3}$", "xxxx", false), ("a{,2}", "a{,2}", true),
        (#"^10\.\d+\.\d+\.\d+$"#, "10.0.0.5", true), (#"^10\."#, "100.0.0.1", false), (#"\w+@\w+"#, "ops@example", true),
        (#"\s"#, "nospace", false), (#"\S+"#, "  x ", true), (#"\D"#, "123", false),
        ("[a-c]+x", "bcax", true), ("[^a-c]", "abc", false), (#"[\d_]"#, "_", true), ("[]a]", "]", true), ("[a-]", "-", true),
        (#"\bcat\b"#, "a cat.", true), (#"\bcat\b"#, "concat", false), (#"\Bcat"#, "concat", true),
        ("(?:ab)+$", "ababab", true), ("(?<word>ab)c", "abc", true), ("(?i)hello", "HeLLo", true), ("(?i)[a-z]+$", "ABC", true), ("hello", "HELLO", false),
        ("a*?b", "aab", true), (#""status":\s*"U."#, #"{"status": "UP"}"#, true), (#"\x41\t"#, "A\t", true), ("é+", "café", true),
        ("(a|b)*c", "ababx", false), ("(a*)*b", "aaab", true), ("", "anything", true),
    ])
    func matchesLikeARegexShould(pattern: String, text: String, expected: Bool) throws {
        #expect(try m(pattern, text) == expected, "/\(pattern)/ on \(text)")
    }

    /// Backtracking engines take exponential time here; this one takes at most (n + 1) × the
    /// program's size steps, and the test asserts the count, not a time.
    @Test(arguments: ["(a*)*b", "(a|a)*b", "(a+)+b", "(a|aa)*c", "(x+x+)+y"])
    func pathologicalPatternsCostLinearSteps(pattern: String) throws {
        let program = try RegexProgram(pattern)
        let text = String(repeating: pattern.hasPrefix("(x") ? "x" : "a", count: 10_000)
        let (outcome, steps) = RegexMatcher(program).search(text)
        #expect(outcome == .noMatch)
        #expect(steps <= (text.unicodeScalars.count + 1) * program.instructions.count, "\(steps) steps for \(program.instructions.count) instructions")
        // And doubling the text doubles the steps, give or take the start.
        let (_, twice) = RegexMatcher(program).search(text + text)
        #expect(twice <= 2 * steps + 4 * program.instructions.count)
    }

    @Test func aBudgetRunOutGivesUp() throws {
        let program = try RegexProgram("(a|b|c|d)*z")
        let (outcome, steps) = RegexMatcher(program).search(String(repeating: "abcd", count: 10_000), maxSteps: 1000)
        #expect(outcome == .gaveUp)
        #expect(steps > 1000 && steps < 1000 + 100)
    }

    @Test(arguments: [
        ("(", "missing ) for the ( here", 0), ("a)", "unbalanced ) in regex", 1), ("*a", "nothing to repeat", 0), ("a**", "a repeat of a repeat: put the inner one in a group", 0),
        ("[a", "missing ] for the [ here", 0), (#"(a)\1"#, "back-references are not supported", 3), ("(?!a)", "look-around and inline flags are not supported (only (?: ), (?<name> ) and a leading (?i))", 0),
        (#"\p{L}"#, "unknown escape \\p", 0), ("a{3,1}", "repeat {3,1} has its bounds reversed", 1), ("[z-a]", "range out of order in class", 0), ("a++", "possessive quantifiers are not supported", 2),
        ("x\\", "trailing \\ in regex", 1),
    ])
    func refusedPatternsSayWhereAndWhy(pattern: String, message: String, offset: Int) {
        do {
            _ = try RegexProgram(pattern)
            Issue.record("/\(pattern)/ compiled")
        } catch {
            #expect(error.message == message)
            #expect(error.offset == offset)
        }
    }

    @Test func sizeIsBounded() {
        #expect(throws: RegexProgram.CompileError.self) { try RegexProgram(String(repeating: "a", count: 1025)) }
        #expect(throws: RegexProgram.CompileError.self) { try RegexProgram("(a{1000}){1000}") }
    }
}
