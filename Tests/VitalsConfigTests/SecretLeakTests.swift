import Foundation
import Testing
@testable import VitalsConfig

/// No error message quotes a secret: passwords, DSNs, tokens, notifier URLs, header and env
/// values, values read from `K_file`, nor the YAML around a syntax error.
struct SecretLeakTests {
    static let secret = "sup3rs3cret"

    @Test func badSecretValuesAreDescribedNeverQuoted() throws {
        let dir = try ConfigFolder()
        let tokenFile = try dir.write("token", "")
        let addressFile = try dir.write("addr", "bad address \(Self.secret)")
        let yaml = """
            server:
              detailed_token_file: \(tokenFile)
            components:
              - name: db
                type: postgres
                dsn: "mysql \(Self.secret)"
                password: [\(Self.secret)]
              - name: api
                type: http
                url: "ftp://user:\(Self.secret)@host/"
                headers: { Authorization: { nested: \(Self.secret) } }
              - name: cache
                type: redis
                address_file: \(addressFile)
              - name: legacy
                type: mysql
                dsn: "mysql://vitals:\(Self.secret)@"
              - name: job
                type: exec
                command: [x]
                env: { TOKEN: [\(Self.secret)] }
            storage: { type: postgres, dsn: "\(Self.secret)" }
            notifiers:
              - { name: chat, type: slack, url: "hooks.slack.com/\(Self.secret)", headers: { X-Key: { a: \(Self.secret) } } }
            """
        let found = errors(yaml)
        #expect(found.count == 11, "\(found)")
        #expect(found.allSatisfy { !$0.contains(Self.secret) }, "\(found)")
    }

    @Test(arguments: [
        // Yams' own descriptions would quote these lines (or, for duplicate keys, the whole file).
        "server:\n  detailed_token: \(secret)\n  detailed_token: \(secret)\n",
        "components:\n  - name: a\n    password: \"\(secret)\n",
        "components:\n  - name: a\n    password: \(secret)\u{07}\n",
        "x: [\(secret)\n",
    ])
    func yamlErrorsDoNotQuoteTheDocument(yaml: String) {
        let found = errors(yaml)
        #expect(found.count == 1, "\(found)")
        #expect(found.allSatisfy { !$0.contains(Self.secret) }, "\(found)")
    }

    @Test func secretDescriptionsAreRedacted() {
        #expect("\(Secret(Self.secret))" == "<redacted>")
        #expect(String(reflecting: Secret(Self.secret)) == "<redacted>")
    }
}
