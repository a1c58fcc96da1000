import Foundation
import Testing
import VitalsTestSupport

/// The status page and a component page in a real headless Chromium with JavaScript disabled:
/// every component's name and status is on the page a person sees, text from a dependency
/// stays text, nothing is loaded from anywhere and nothing is blocked by the page's own policy
/// (Chromium logs both on its console), and a screenshot is taken. Set VITALS_TEST_SCREENSHOTS
/// to a folder to keep the screenshots and look at them.
@Suite(.serialized, .enabled(if: TestEnvironment.serversAvailable, TestEnvironment.skipReason))
struct StatusPageBrowserTests {
    /// What an exec plugin says: markup, quotes and an ampersand in its message and in a
    /// perfdata label (observations are named by their labels).
    static let plugin = #"""
        #!/bin/sh
        echo "WARNING: <script>alert('x')</script> \"quoted\" & <b>bold</b> | '<i>odd'=5;1;10"
        exit 1
        """#

    /// A daemon with healthy, unhealthy (critical and not), degraded and grouped components,
    /// on SQLite so the pages read roll-ups, and a target it can open and close.
    struct Setup {
        let vitals: VitalsProcess
        let target: TCPTarget
        let folder: ScratchFolder

        init(extraServer: String = "") throws {
            folder = ScratchFolder()
            let script = folder.url.appendingPathComponent("check_hostile")
            try StatusPageBrowserTests.plugin.write(to: script, atomically: true, encoding: .utf8)
            try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: script.path)
            target = try TCPTarget()
            try target.open()
            let closed = try FreePort.pick()
            let body = """
                defaults: { interval: 300ms, timeout: 200ms, failure_threshold: 1 }
                storage: { type: sqlite, path: "\(folder.path)/state.db" }
                components:
                  - { name: web, type: tcp, groups: [edge], address: "127.0.0.1:\(target.port)" }
                  - { name: orders-db, type: tcp, groups: [core], address: "127.0.0.1:\(closed)" }
                  - { name: cache, type: tcp, critical: false, groups: [core], address: "127.0.0.1:\(closed)" }
                  - { name: plugin, type: exec, command: ["\(script.path)"] }
                  - { name: memory, type: memory }

                """
            vitals = try VitalsProcess(configBody: body, extraServer: extraServer)
        }

        var base: String { "http://127.0.0.1:\(vitals.port)" }

        func stop() {
            vitals.stop()
            target.close()
            folder.remove()
        }
    }

    static let expected: [(name: String, status: String)] = [
        ("web", "✓ healthy"), ("orders-db", "✗ unhealthy"), ("cache", "✗ unhealthy"), ("plugin", "! degraded"), ("memory", "✓ healthy"),
    ]

    /// What Chromium made of a page: the DOM after parsing, its console, the screenshot.
    struct Load {
        var dom: String
        var console: [String]
        var screenshot: Data
    }

    /// Loads `url` with scripts off: the DOM and a screenshot in one run, within a minute.
    static func load(_ url: String, name: String, in folder: ScratchFolder) throws -> Load {
        let chromium = try TestEnvironment.require("VITALS_TEST_CHROMIUM")
        let png = folder.url.appendingPathComponent(name + ".png")
        let out = folder.url.appendingPathComponent(name + ".dom")
        let err = folder.url.appendingPathComponent(name + ".log")
        FileManager.default.createFile(atPath: out.path, contents: nil)
        FileManager.default.createFile(atPath: err.path, contents: nil)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/timeout")
        p.arguments = [
            "60", chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-javascript", "--user-data-dir=" + folder.path + "/profile-" + name,
            "--enable-logging=stderr", "--v=0", "--window-size=1280,1400", "--screenshot=" + png.path, "--dump-dom", url,
        ]
        p.standardOutput = try FileHandle(forWritingTo: out)
        p.standardError = try FileHandle(forWritingTo: err)
        try p.run()
        p.waitUntilExit()
        #expect(p.terminationStatus == 0, "chromium failed on \(url)")
        let log = try String(contentsOf: err, encoding: .utf8)
        if let keep = ProcessInfo.processInfo.environment["VITALS_TEST_SCREENSHOTS"] {
            try? FileManager.default.createDirectory(atPath: keep, withIntermediateDirectories: true)
            try? FileManager.default.removeItem(atPath: keep + "/" + name + ".png")
            try? FileManager.default.copyItem(atPath: png.path, toPath: keep + "/" + name + ".png")
        }
        return Load(
            dom: try String(contentsOf: out, encoding: .utf8),
            // Blocked loads and policy violations are console messages.
            console: log.split(separator: "\n").filter { $0.contains("CONSOLE") }.map(String.init),
            screenshot: (try? Data(contentsOf: png)) ?? Data())
    }

    /// Nothing from another origin, no script, nothing blocked, a real screenshot.
    static func checkSelfContained(_ page: Load, _ what: String) {
        #expect(page.console.isEmpty, "\(what): the console says something was blocked or failed:\n\(page.console.joined(separator: "\n"))")
        #expect(!page.dom.contains("<script"), "\(what): a script element in the DOM")
        #expect(!page.dom.contains(" src="), "\(what): the page loads a resource")
        for match in page.dom.matches(of: /href="([^"]*)"/) {
            let href = String(match.1)
            #expect(!href.contains("://") && !href.hasPrefix("//"), "\(what): a link to another origin: \(href)")
        }
        #expect(page.screenshot.starts(with: [0x89, 0x50, 0x4E, 0x47]) && page.screenshot.count > 10_000, "\(what): no screenshot")
    }

    /// A row of the status page: the name links to the component, and the status cell right
    /// after it has the status's words and its class (the colour: `h`, `d`, `u` or `n`, the
    /// initial of the status; unknown's is `n`).
    static func row(_ dom: String, _ name: String, _ status: String) -> Bool {
        let word = status.split(separator: " ").last.map(String.init) ?? status
        let cls = word == "unknown" ? "n" : String(word.prefix(1))
        return dom.contains("components/\(name)\"><bdi>\(name)</bdi></a><br><small>non-critical</small></td><td class=\"st \(cls)\">\(status)<")
            || dom.contains("components/\(name)\"><bdi>\(name)</bdi></a></td><td class=\"st \(cls)\">\(status)<")
    }

    /// The component page's heading: its name and status, not a badge elsewhere on the page
    /// (the status changes and the results show the same words).
    static func heading(_ dom: String, _ name: String, _ status: String, _ cls: String) -> Bool {
        dom.contains("<h1><bdi>\(name)</bdi> <span class=\"st \(cls)\">\(status)</span></h1>")
    }

    @Test func theStatusPageAndAComponentPageRenderWithScriptsOff() async throws {
        let setup = try Setup()
        defer { setup.stop() }
        try await setup.vitals.waitFor("/api/v1/components/plugin") { s, b in s == 200 && b.contains("\"status\":\"degraded\"") }
        try await setup.vitals.waitFor("/health") { _, b in b.contains("\"unhealthy\":2") }

        let status = try Self.load(setup.base + "/", name: "status", in: setup.folder)
        Self.checkSelfContained(status, "/")
        for (name, word) in Self.expected {
            #expect(Self.row(status.dom, name, word), "\(name) is not shown \(word)")
        }
        #expect(status.dom.contains("✗ Partial outage"))
        #expect(status.dom.contains("Group <bdi>core</bdi>") && status.dom.contains("Group <bdi>edge</bdi>") && status.dom.contains("Other components"))
        // The plugin's markup is text on the page: in the DOM as escaped text, never elements.
        #expect(status.dom.contains("&lt;script&gt;alert('x')&lt;/script&gt; \"quoted\" &amp; &lt;b&gt;bold&lt;/b&gt;"))
        #expect(!status.dom.contains("<b>bold"))
        #expect(status.dom.contains("<meta http-equiv=\"refresh\" content=\"30\">"))

        let component = try Self.load(setup.base + "/components/plugin", name: "component", in: setup.folder)
        Self.checkSelfContained(component, "/components/plugin")
        #expect(Self.heading(component.dom, "plugin", "! degraded", "d"))
        #expect(component.dom.contains("&lt;i&gt;odd"), "the observation named by the plugin")
        #expect(!component.dom.contains("<i>odd"))
        for section in ["Status changes", "Uptime", "Latency"] {
            #expect(component.dom.contains("<section><h2>\(section)</h2>"), "no \(section) section")
        }
        #expect(component.dom.contains(/<section><h2>Last [0-9]+ results<\/h2><table>/), "no table of the last results")
        let missing = try Self.load(setup.base + "/components/nothing", name: "missing", in: setup.folder)
        #expect(missing.dom.contains("unknown component"))
    }

    /// What Chromium's layout came to at one width (Fixtures/page_width.py).
    struct Layout: Decodable {
        var scrollWidth: Int
        var clientWidth: Int
        var log: [String]
    }

    /// Lays `url` out `width` CSS pixels wide, scripts off, and keeps a full-page screenshot.
    static func layout(_ url: String, width: Int, name: String, in folder: ScratchFolder) throws -> Layout {
        let chromium = try TestEnvironment.require("VITALS_TEST_CHROMIUM")
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/page_width.py")
        let png = folder.url.appendingPathComponent("\(name)-\(width).png")
        let out = folder.url.appendingPathComponent("\(name)-\(width).json")
        FileManager.default.createFile(atPath: out.path, contents: nil)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/timeout")
        // python3 from PATH: the one `pip` (scripts/build/install-deps.sh) gave websocket-client to.
        p.arguments = ["60", "/usr/bin/env", "python3", script.path, chromium, url, String(width), png.path]
        p.standardOutput = try FileHandle(forWritingTo: out)
        p.standardError = FileHandle.nullDevice
        try p.run()
        p.waitUntilExit()
        #expect(p.terminationStatus == 0, "page_width.py failed on \(url) at \(width) px")
        if let keep = ProcessInfo.processInfo.environment["VITALS_TEST_SCREENSHOTS"] {
            try? FileManager.default.createDirectory(atPath: keep, withIntermediateDirectories: true)
            try? FileManager.default.removeItem(atPath: keep + "/\(name)-\(width).png")
            try? FileManager.default.copyItem(atPath: png.path, toPath: keep + "/\(name)-\(width).png")
        }
        return try JSONDecoder().decode(Layout.self, from: Data(contentsOf: out))
    }

    /// At a phone's 390 px, a tablet's 768 and a desktop's 1280, no page scrolls sideways and
    /// nothing is blocked by the policy; the components are one table, so their columns line
    /// up across groups.
    @Test func thePagesFitAPhoneATabletAndADesktop() async throws {
        let setup = try Setup()
        defer { setup.stop() }
        try await setup.vitals.waitFor("/api/v1/components/plugin") { s, b in s == 200 && b.contains("\"status\":\"degraded\"") }
        try await setup.vitals.waitFor("/health") { _, b in b.contains("\"unhealthy\":2") }
        for width in [390, 768, 1280] {
            for (path, name) in [("/", "status"), ("/components/plugin", "component")] {
                let layout = try Self.layout(setup.base + path, width: width, name: name, in: setup.folder)
                // A desktop's scroll bar takes its 15 px from the width (a phone's overlays the page).
                #expect(layout.clientWidth <= width && layout.clientWidth >= width - 20, "\(path) was laid out \(layout.clientWidth) px wide, not \(width)")
                #expect(layout.scrollWidth <= layout.clientWidth, "\(path) at \(width) px scrolls sideways: \(layout.scrollWidth) px of content")
                #expect(layout.log.isEmpty, "\(path) at \(width) px: \(layout.log)")
            }
        }
        let status = try Self.load(setup.base + "/", name: "aligned", in: setup.folder)
        #expect(status.dom.matches(of: /<table class="cs">/).count == 1, "the groups are not one table")
        for (name, word) in Self.expected {
            #expect(Self.row(status.dom, name, word), "\(name) is not shown \(word)")
        }
    }

    /// `public_status: true` with a token: the pages open without it and then say how things
    /// stand but not why (no message, no observation); through a proxy that adds the token, the
    /// same pages say why. The rest still needs the token.
    @Test func aPublicStatusPageShowsNoMessagesWithoutTheToken() async throws {
        let tokenFile = FileManager.default.temporaryDirectory.appendingPathComponent("vitals-token-\(UUID().uuidString)")
        try "page-t0ken\n".write(to: tokenFile, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: tokenFile) }
        let setup = try Setup(extraServer: "  detailed_token_file: \"\(tokenFile.path)\"\n  public_status: true\n")
        defer { setup.stop() }
        let auth = ["Authorization": "Bearer page-t0ken"]
        try await setup.vitals.waitFor("/api/v1/components/plugin", headers: auth) { s, b in s == 200 && b.contains("\"status\":\"degraded\"") }
        try await setup.vitals.waitFor("/health") { _, b in b.contains("\"unhealthy\":2") }
        #expect(try await setup.vitals.get("/health/detailed").status == 401)
        #expect(try await setup.vitals.get("/api/v1/components").status == 401)

        let open = try Self.load(setup.base + "/", name: "public-status", in: setup.folder)
        Self.checkSelfContained(open, "public /")
        for (name, word) in Self.expected {
            #expect(Self.row(open.dom, name, word), "\(name) is not shown \(word) on the public page")
        }
        let openComponent = try Self.load(setup.base + "/components/plugin", name: "public-component", in: setup.folder)
        Self.checkSelfContained(openComponent, "public /components/plugin")
        #expect(Self.heading(openComponent.dom, "plugin", "! degraded", "d"), "the public component page's heading")
        for page in [open, openComponent] {
            #expect(!page.dom.contains("connection refused") && !page.dom.contains("quoted"), "a message on the public page")
            #expect(!page.dom.contains("odd"), "an observation on the public page")
        }

        // The same pages with the token, through a proxy that adds it.
        let proxy = Process()
        proxy.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/auth_proxy.py")
        proxy.arguments = [script.path, setup.base, "page-t0ken"]
        let portPipe = Pipe()
        proxy.standardOutput = portPipe
        // Not the test's own output: `swift test` would wait for a pipe it holds.
        proxy.standardError = FileHandle.nullDevice
        try proxy.run()
        defer {
            // SIGKILL: a child of Foundation's Process starts with SIGTERM blocked.
            kill(proxy.processIdentifier, SIGKILL)
            proxy.waitUntilExit()
        }
        let line = String(decoding: portPipe.fileHandleForReading.availableData, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        let port = try #require(Int(line), "the proxy did not say its port: \(line)")
        let full = try Self.load("http://127.0.0.1:\(port)/", name: "token-status", in: setup.folder)
        Self.checkSelfContained(full, "/ with the token")
        #expect(full.dom.contains("connection refused"))
        let fullComponent = try Self.load("http://127.0.0.1:\(port)/components/plugin", name: "token-component", in: setup.folder)
        #expect(fullComponent.dom.contains("&lt;i&gt;odd") && fullComponent.dom.contains("quoted"))
    }
}
