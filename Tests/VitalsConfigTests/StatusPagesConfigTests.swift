import Foundation
import Testing
@testable import VitalsConfig

/// `status_pages:`: each page's keys, what it shows, its logo read into memory with a cap, and
/// clear errors for what cannot be served.
struct StatusPagesConfigTests {
    static let components = """
        components:
          - { name: web, type: memory, groups: [checkout] }
          - { name: pay, type: memory, groups: [payments] }
          - { name: db, type: memory }

        """

    @Test func aPageWithEveryKey() throws {
        let folder = try ConfigFolder()
        try folder.write("logo.svg", "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 10 10\"><rect width=\"10\" height=\"10\"/></svg>\n")
        let file = try folder.write("c.yaml", Self.components + """
            status_pages:
              - slug: public
                title: "Acme status"
                description: "Current status of Acme's services"
                logo_file: logo.svg
                links: [{ title: Support, url: "https://acme.example/support" }]
                groups: [checkout, payments]
                public: true
              - { slug: internal, title: Internal, components: [db, web] }
            """)
        let config = try ConfigLoader.load(file: file, environment: [:])
        #expect(config.statusPages.count == 2)
        let page = config.statusPages[0]
        #expect(page.slug == "public" && page.title == "Acme status" && page.isPublic)
        #expect(page.description == "Current status of Acme's services")
        #expect(page.logoSVG?.hasPrefix("<svg") == true)
        #expect(page.links == [StatusPageSpec.Link(title: "Support", url: "https://acme.example/support")])
        #expect(page.shows("web", groups: ["checkout"]) && !page.shows("db", groups: []))
        #expect(config.statusPages[1].components == ["db", "web"] && !config.statusPages[1].isPublic)
        #expect(config.statusPages[1].shows("db", groups: []) && !config.statusPages[1].shows("pay", groups: ["payments"]))
    }

    @Test func whatCannotBeServedIsRefused() throws {
        let folder = try ConfigFolder()
        try folder.write("big.svg", "<svg>" + String(repeating: "x", count: StatusPageSpec.maxLogoBytes) + "</svg>")
        try folder.write("not.svg", "GIF89a")
        let file = try folder.write("c.yaml", Self.components + """
            status_pages:
              - { slug: "Bad Slug", title: A }
              - { slug: a, title: A, logo_file: big.svg }
              - { slug: b, title: B, logo_file: not.svg, groups: [nope] }
              - { slug: c, title: C, components: [ghost], links: [{ title: x, url: "javascript:alert(1)" }] }
              - { slug: c, title: C2, groups: [checkout], components: [web] }
              - { slug: d }
            """)
        let messages = loadErrors(file).map(\.description).joined(separator: "\n")
        #expect(messages.contains("status_pages[0].slug: expected 1 to 64 of a-z, 0-9 and -"))
        #expect(messages.contains("status_pages[1].logo_file: the logo is"))
        #expect(messages.contains("status_pages[2].logo_file: expected an SVG image"))
        #expect(messages.contains("status_pages[2].groups[0]: no component is in a group named \"nope\""))
        #expect(messages.contains("status_pages[3].components[0]: no component is named \"ghost\""))
        #expect(messages.contains("status_pages[3].links[0].url: expected an http:// or https:// URL"))
        #expect(messages.contains("status_pages[4].slug: another page has the slug \"c\""))
        #expect(messages.contains("status_pages[4].components: set groups or components, not both"))
        #expect(messages.contains("status_pages[5]: missing required key title"))
    }
}
