import Foundation
import Testing
import VitalsTestSupport

/// Incidents and announcements through the real daemon: posted with the token, refused with a
/// clear 4xx when bad (nothing stored), shown escaped on the page, in an Atom feed that a real
/// feed parser reads without complaint, and kept across a restart by SQLite and PostgreSQL.
@Suite(.serialized, .enabled(if: TestEnvironment.serversAvailable, TestEnvironment.skipReason))
struct IncidentDaemonTests {
    static let token = "inc-t0ken"
    static let auth = ["Authorization": "Bearer \(token)"]
    /// What a hostile or careless writer sends: markup, a closing style tag, a javascript: link,
    /// a right-to-left override.
    static let hostileTitle = "<script>alert(1)</script> </style> \u{202E}gnp.exe"
    static let hostileMessage = "See <a href=\"javascript:alert(2)\">here</a> & </style><b>now</b>\nsecond line"

    enum Backend: String, CaseIterable { case sqlite, postgres }

    /// A daemon on `backend`, with a token and one status page; `storage` is the storage section.
    static func daemon(storage: String, tokenFile: String) throws -> VitalsProcess {
        try VitalsProcess(
            configBody: """
                defaults: { interval: 300ms, timeout: 200ms }
                \(storage)components:
                  - { name: checkout, type: memory, groups: [shop] }
                  - { name: payments, type: memory, groups: [shop] }
                status_pages:
                  - { slug: public, title: "Acme status", groups: [shop], public: true }

                """, extraServer: "  detailed_token_file: \"\(tokenFile)\"\n")
    }

    /// feedparser's reading of an Atom document: whether it complained, and the entry titles.
    static func parseFeed(_ xml: String, in folder: ScratchFolder) throws -> (bozo: Bool, why: String, titles: [String]) {
        let file = folder.url.appendingPathComponent("feed-\(UUID().uuidString).atom")
        try xml.write(to: file, atomically: true, encoding: .utf8)
        let script = "import feedparser, json, sys\nd = feedparser.parse(sys.argv[1])\n"
            + "print(json.dumps({'bozo': bool(d.bozo), 'why': str(d.get('bozo_exception', '')), 'version': d.version, 'titles': [e.title for e in d.entries]}))"
        let out = try Tool.run("/usr/bin/env", ["python3", "-c", script, file.path])
        let json = try #require(jsonObject(out))
        #expect(json["version"] as? String == "atom10", "not read as Atom 1.0")
        return (json["bozo"] as? Bool ?? true, json["why"] as? String ?? "", json["titles"] as? [String] ?? [])
    }

    @Test(arguments: Backend.allCases)
    func incidentsArePostedShownFedAndKept(_ backend: Backend) async throws {
        let folder = ScratchFolder()
        defer { folder.remove() }
        let tokenFile = folder.url.appendingPathComponent("token").path
        try "\(Self.token)\n".write(toFile: tokenFile, atomically: true, encoding: .utf8)
        var database: PostgresStorageTests.Database?
        let storage: String
        switch backend {
        case .sqlite: storage = "storage: { type: sqlite, path: \"\(folder.path)/state.db\" }\n"
        case .postgres:
            database = try PostgresStorageTests.Database()
            storage = database!.storageSection
        }
        defer { database?.drop() }

        var vitals = try Self.daemon(storage: storage, tokenFile: tokenFile)
        try await vitals.waitFor("/health/startup") { s, _ in s == 200 }
        let body = try String(data: JSONSerialization.data(withJSONObject: [
            "title": Self.hostileTitle, "status": "investigating", "impact": "major", "components": ["checkout"], "message": Self.hostileMessage,
        ]), encoding: .utf8)!
        #expect(try await vitals.post("/api/v1/incidents", body).status == 401, "posted without the token")
        let created = try await vitals.post("/api/v1/incidents", body, headers: Self.auth)
        #expect(created.status == 201, "\(created.body)")
        let id = try #require(jsonObject(created.body)?["id"] as? Int)
        let update = try await vitals.post("/api/v1/incidents/\(id)/updates", #"{"status":"identified","message":"a bad deploy"}"#, headers: Self.auth)
        #expect(update.status == 200 && update.body.contains("\"status\":\"identified\""), "\(update.body)")
        let announcement = try await vitals.post(
            "/api/v1/incidents", #"{"type":"announcement","title":"New region","message":"eu-west is open","pages":["public"]}"#, headers: Self.auth)
        #expect(announcement.status == 201, "\(announcement.body)")

        // Bad input: a clear 4xx each, and nothing stored.
        let refused: [(String, String, Int, String)] = [
            ("/api/v1/incidents", #"{"title":"x","message":"y","components":["nope"]}"#, 404, "no component is named \"nope\""),
            ("/api/v1/incidents", #"{"title":"x","message":"y","pages":null}"#, 400, "pages must be a list of strings"),
            ("/api/v1/incidents", #"{"title":"x","message":"y","status":"fixed"}"#, 400, "status must be one of"),
            ("/api/v1/incidents", #"{"title":"x","message":"y","colour":"red"}"#, 400, "unknown key \"colour\""),
            ("/api/v1/incidents", #"{"title":"two\nlines","message":"y"}"#, 400, "title must be one line"),
            ("/api/v1/incidents", #"{"title":"x"}"#, 400, "message is required"),
            ("/api/v1/incidents", "{\"title\":\"x\",\"message\":\"" + String(repeating: "m", count: 4001) + "\"}", 400, "at most 4000"),
            ("/api/v1/incidents", "{\"title\":\"x\",\"message\":\"" + String(repeating: "m", count: 1_000_000) + "\"}", 413, "too large"),
            ("/api/v1/incidents/999/updates", #"{"status":"resolved","message":"y"}"#, 404, "no incident"),
            ("/api/v1/incidents/\(id)/updates", #"{"message":"y"}"#, 400, "status is required"),
        ]
        for (path, text, status, words) in refused {
            let answer = try await vitals.post(path, text, headers: Self.auth)
            #expect(answer.status == status && answer.body.contains(words), "\(path) \(text.prefix(60)): \(answer.status) \(answer.body.prefix(200))")
        }
        #expect(try await vitals.get("/api/v1/incidents?since=10000-01-01T00:00:00Z", headers: Self.auth).status == 400)
        #expect(try await vitals.get("/api/v1/incidents?page=0", headers: Self.auth).status == 400)
        let list = try await vitals.get("/api/v1/incidents", headers: Self.auth)
        #expect(jsonObject(list.body)?["total"] as? Int == 2, "something refused was stored: \(list.body)")

        // On the page, as text; the link is not a link.
        let page = try await vitals.get("/status/public")
        #expect(page.status == 200)
        #expect(page.body.contains("&lt;script&gt;alert(1)&lt;/script&gt; &lt;/style&gt; \u{202E}gnp.exe</bdi>"))
        #expect(page.body.contains("See &lt;a href=&quot;javascript:alert(2)&quot;&gt;here&lt;/a&gt;"))
        #expect(!page.body.contains("<script>") && !page.body.contains("href=\"javascript:"))
        #expect(page.body.contains("<section><h2>Announcements</h2>") && page.body.contains("<bdi>New region</bdi>"))
        // The feed, as a feed reader reads it.
        for path in ["/status/public/feed.atom", "/feed.atom"] {
            let feed = try await vitals.get(path)
            #expect(feed.status == 200 && feed.contentType.hasPrefix("application/atom+xml"), "\(path)")
            let parsed = try Self.parseFeed(feed.body, in: folder)
            #expect(!parsed.bozo, "\(path): feedparser: \(parsed.why)")
            #expect(parsed.titles == ["New region", "[Identified] " + Self.hostileTitle], "\(path): \(parsed.titles)")
        }

        // A restart on the same storage keeps them with their updates.
        vitals.stop()
        vitals = try Self.daemon(storage: storage, tokenFile: tokenFile)
        defer { vitals.stop() }
        try await vitals.waitFor("/health/startup") { s, _ in s == 200 }
        let kept = try await vitals.get("/api/v1/incidents", headers: Self.auth)
        let incidents = try #require(jsonObject(kept.body)?["incidents"] as? [[String: Any]])
        #expect(incidents.count == 2)
        let first = try #require(incidents.first { $0["id"] as? Int == id })
        #expect(first["title"] as? String == Self.hostileTitle && (first["updates"] as? [Any])?.count == 2)
        let next = try await vitals.post("/api/v1/incidents", #"{"title":"after","message":"restart"}"#, headers: Self.auth)
        #expect((jsonObject(next.body)?["id"] as? Int ?? 0) > id + 1, "an id was given twice after the restart")
    }

    /// An incident keeps at most 100 updates: the 101st is a 409 that says so.
    @Test func updatesAreBounded() async throws {
        let folder = ScratchFolder()
        defer { folder.remove() }
        let tokenFile = folder.url.appendingPathComponent("token").path
        try "\(Self.token)\n".write(toFile: tokenFile, atomically: true, encoding: .utf8)
        let vitals = try Self.daemon(storage: "", tokenFile: tokenFile)
        defer { vitals.stop() }
        try await vitals.waitFor("/health/startup") { s, _ in s == 200 }
        let created = try await vitals.post("/api/v1/incidents", #"{"title":"long","message":"start"}"#, headers: Self.auth)
        let id = try #require(jsonObject(created.body)?["id"] as? Int)
        for i in 1..<100 {
            let answer = try await vitals.post("/api/v1/incidents/\(id)/updates", #"{"status":"monitoring","message":"\#(i)"}"#, headers: Self.auth)
            #expect(answer.status == 200, "update \(i): \(answer.body)")
        }
        let over = try await vitals.post("/api/v1/incidents/\(id)/updates", #"{"status":"monitoring","message":"one more"}"#, headers: Self.auth)
        #expect(over.status == 409 && over.body.contains("100 updates"))
    }
}
