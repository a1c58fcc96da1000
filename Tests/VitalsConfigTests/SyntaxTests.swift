import Testing
@testable import VitalsConfig

/// The small grammars of config values.
struct SyntaxTests {
    @Test(arguments: [("orders-db", true), ("a", true), ("0.x_y-z", true), ("Orders", false), ("-a", false), ("_a", false), ("", false), ("a b", false), ("é", false)])
    func names(name: String, valid: Bool) {
        #expect(Syntax.isName(name) == valid)
    }

    /// Alert names as Prometheus users write them; still no leading punctuation, spaces or non-ASCII.
    @Test(arguments: [("OrdersDown", true), ("orders_db_down", true), ("orders-db-down", true), ("A", true), ("9Lives", true), ("_Orders", false), ("-a", false), ("", false), ("Orders Down", false), ("Ördersdown", false), ("a/b", false)])
    func alertNames(name: String, valid: Bool) {
        #expect(Syntax.isAlertName(name) == valid)
    }

    @Test(arguments: [("db:5432", true), ("[::1]:6379", true), ("10.0.0.1:1", true), (":80", false), ("db", false), ("db:0", false), ("db:65536", false), ("a b:1", false), ("::1:80", false)])
    func hostPorts(address: String, valid: Bool) {
        #expect(Syntax.isHostPort(address) == valid)
    }

    @Test(arguments: [
        ("0.0.0.0:8080", ListenAddress(host: "0.0.0.0", port: 8080)), (":9090", ListenAddress(host: "0.0.0.0", port: 9090)),
        ("[::1]:8080", ListenAddress(host: "::1", port: 8080)),
    ])
    func listenAddresses(text: String, expected: ListenAddress) {
        #expect(ListenAddress(parsing: text) == expected)
    }

    @Test(arguments: [
        ("$", true), ("$.status", true), ("$.a.b[0].c", true), ("$[2]", true), (#"$["key with.dots"]"#, true), ("$['k'][0]", true),
        ("status", false), ("$.", false), ("$.a[x]", false), ("$.a[-1]", false), ("$a", false), (#"$["open"#, false),
    ])
    func jsonPaths(path: String, valid: Bool) {
        #expect((JSONPath(path) != nil) == valid)
    }

    /// The config accepts the quoted-key form the HTTP probe documents and follows (the
    /// config's own copy of the rule once refused it).
    @Test func quotedKeysPassTheConfigCheck() throws {
        let yaml = """
            components:
              - name: api
                type: http
                url: "http://127.0.0.1:1/"
                expect: { json: { path: '$["build.version"]', equals: "1" } }

            """
        let config = try ConfigLoader.parse(yaml: yaml, file: "c.yaml", environment: [:])
        guard case .http(let h) = config.components.first?.probe else { Issue.record("not http"); return }
        #expect(h.expect.json?.path == #"$["build.version"]"#)
    }

    @Test(arguments: [
        ("PING\\r\\n", Array("PING\r\n".utf8)), ("\\x00\\xff", [0, 255]), ("a\\tb\\\\c\\0", Array("a\tb\\c\0".utf8)), ("plain", Array("plain".utf8)),
    ])
    func escapes(text: String, bytes: [UInt8]) {
        #expect(Escapes.decode(text) == bytes)
    }

    @Test(arguments: ["\\", "\\q", "\\x0", "\\xg0", "\\x+1"])
    func badEscapes(text: String) {
        #expect(Escapes.decode(text) == nil)
    }

    @Test func maintenanceStarts() {
        #expect(Syntax.maintenanceStart("Sun 02:00")! == (1, nil, 2, 0))
        #expect(Syntax.maintenanceStart("saturday 23:59")! == (7, nil, 23, 59))
        #expect(Syntax.maintenanceStart("2:05")! == (nil, nil, 2, 5))
        // Once, on a date.
        #expect(Syntax.maintenanceStart("2026-12-24 02:00")! == (nil, CivilDate(year: 2026, month: 12, day: 24), 2, 0))
        #expect(Syntax.maintenanceStart("2028-02-29 23:30")! == (nil, CivilDate(year: 2028, month: 2, day: 29), 23, 30))
        for bad in [
            "Sunx 02:00", "02:60", "24:00", "02", "Sun", "Sun 02:00 UTC", "02:5", ":30", "2026-02-30 02:00", "2027-02-29 02:00",
            "10000-01-01 02:00", "2026-13-01 02:00", "2026-1-01 02:00", "2026-12-24", "2026-12-24 25:00",
        ] {
            #expect(Syntax.maintenanceStart(bad) == nil, "\(bad)")
        }
    }

    @Test(arguments: [("postgres://u@h/db", true), ("postgresql://h", true), ("host=db dbname=x", true), ("mysql://h", false), ("", false)])
    func dsns(dsn: String, valid: Bool) {
        #expect(Syntax.isDSN(dsn) == valid)
    }

    @Test func suggestionsAreForTyposOnly() {
        #expect(KeySuggestion.nearest(to: "adress", in: ["address", "send"]) == "address")
        #expect(KeySuggestion.nearest(to: "ftp", in: ["tcp", "http"]) == nil)
        #expect(KeySuggestion.nearest(to: "colour", in: ["critical", "groups"]) == nil)
    }
}
