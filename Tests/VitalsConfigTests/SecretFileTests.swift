import Foundation
import Testing
@testable import VitalsConfig

/// `K_file: PATH` reads K's value from a file, for every scalar key K.
struct SecretFileTests {
    @Test func valuesComeFromFilesWithTheTrailingNewlineTrimmed() throws {
        let dir = try ConfigFolder()
        try dir.write("dsn", "postgres://u:pw@db/app\n")
        try dir.write("pw", "s3cret\r\n")
        try dir.write("url", "https://hooks.example/x\n")
        try dir.write("addr", "cache:6379")
        let main = try dir.write(
            "main.yaml",
            """
            components:
              - { name: db, type: postgres, dsn_file: dsn, password_file: "${DIR}/pw" }
              - { name: cache, type: redis, address_file: addr, password_file: pw }
            storage: { type: postgres, dsn_file: dsn }
            notifiers:
              - { name: n, type: webhook, url_file: url }
            """)
        let c = try ConfigLoader.load(file: main, environment: ["DIR": dir.path])
        guard case .postgres(let pg) = c.components[0].probe, case .redis(let r) = c.components[1].probe else {
            Issue.record("wrong types")
            return
        }
        #expect(pg.dsn.value == "postgres://u:pw@db/app" && pg.password?.value == "s3cret")
        #expect(r.address == "cache:6379" && r.password?.value == "s3cret")
        #expect(c.storage.dsn?.value == "postgres://u:pw@db/app")
        #expect(c.notifiers[0].url.value == "https://hooks.example/x")
    }

    @Test(arguments: [
        ("    password: y\n    password_file: F\n", "c.yaml:6:5: components[a].password_file: set either password or password_file, not both"),
        ("    password_file: F\n    password: y\n", "c.yaml:5:5: components[a].password_file: set either password or password_file, not both"),
    ])
    func settingBothIsAnError(keys: String, expected: String) throws {
        let dir = try ConfigFolder()
        let f = try dir.write("pw", "x")
        #expect(errors("components:\n  - name: a\n    type: redis\n    address: h:1\n" + keys.replacingOccurrences(of: "F", with: f)) == [expected])
    }

    @Test func anUnreadableFileIsAnErrorNamingThePath() {
        #expect(errors("server:\n  detailed_token_file: /nonexistent/token\n") == ["c.yaml:2:24: server.detailed_token_file: cannot read /nonexistent/token"])
    }

    @Test func aValueReadFromAFileIsNeverQuoted() throws {
        let dir = try ConfigFolder()
        let f = try dir.write("addr", "not-an-address-s3cret")
        let found = errors("components:\n  - name: a\n    type: tcp\n    address_file: \(f)\n")
        #expect(found == ["c.yaml:4:19: components[a].address_file: expected host:port"])
    }

    @Test func structuredKeysHaveNoFileForm() {
        #expect(errors("components:\n  - name: a\n    type: http\n    url: http://x/\n    headers_file: /h\n") == [
            "c.yaml:5:5: components[a].headers_file: unknown key (headers is not a single value, so it cannot be read from a file)"
        ])
    }
}
