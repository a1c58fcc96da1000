import Testing
@testable import VitalsConfig

/// `${VAR}`, `${VAR:-default}` and `$$` in any scalar, before the value is typed.
struct SubstitutionTests {
    @Test(arguments: [
        ("${HOST}", ["HOST": "db"], "db"),
        ("${HOST:-localhost}", [:], "localhost"),
        ("${HOST:-localhost}", ["HOST": ""], "localhost"),
        ("${HOST:-localhost}", ["HOST": "db"], "db"),
        ("${A}-${B:-b}", ["A": "a"], "a-b"),
        ("$$HOME", [:], "$HOME"),
        ("cost: 5$", [:], "cost: 5$"),
        ("${EMPTY}", ["EMPTY": ""], ""),
        ("${X:-}", [:], ""),
    ] as [(String, [String: String], String)])
    func substitutes(text: String, env: [String: String], expected: String) throws {
        let c = try parsed("components:\n  - name: a\n    type: http\n    url: http://x/\n    body: '\(text)'\n", env: env)
        guard case .http(let h) = c.components[0].probe else { Issue.record("not http"); return }
        #expect(h.body == expected)
    }

    @Test func substitutionHappensBeforeTyping() throws {
        let c = try parsed(
            "server:\n  listen: \"${HOST:-127.0.0.1}:${PORT}\"\ndefaults:\n  interval: ${EVERY}\n  history: ${KEEP}\ncomponents:\n  - name: a\n    type: memory\n    critical: ${CRIT}\n",
            env: ["PORT": "9999", "EVERY": "1m", "KEEP": "7", "CRIT": "false"])
        #expect(c.server.listen == ListenAddress(host: "127.0.0.1", port: 9999))
        #expect(c.defaults.interval == .seconds(60) && c.defaults.history == 7)
        #expect(c.components[0].critical == false)
    }

    @Test(arguments: [
        ("${NOPE}", "c.yaml:2:13: defaults.interval: environment variable NOPE is not set (use ${NOPE:-default} for a default)"),
        ("\"${NOPE\"", "c.yaml:2:13: defaults.interval: unterminated ${ (write $$ for a literal $)"),
        ("\"${1X}\"", "c.yaml:2:13: defaults.interval: ${1X} is not a variable name (letters, digits and _, not starting with a digit)"),
    ])
    func badReferencesAreErrorsAtTheScalar(value: String, expected: String) {
        #expect(errors("defaults:\n  interval: \(value)\n") == [expected])
    }
}
