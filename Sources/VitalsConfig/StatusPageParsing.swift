import Foundation
import Yams

/// `status_pages:`: pages for customers, each naming what it shows.
extension ConfigParser {
    func parseStatusPages(_ node: Node, components: [ComponentSpec]) -> [StatusPageSpec] {
        if node.isNull { return [] }
        guard let seq = node.sequence else {
            reader.error(node, in: file, "status_pages", "expected a list of pages, got \(node.kindDescription)")
            return []
        }
        let names = Set(components.map(\.name))
        let groups = Set(components.flatMap(\.groups))
        var slugs: Set<String> = []
        var out: [StatusPageSpec] = []
        for (i, item) in seq.enumerated() {
            let keys = ["slug", "title", "description", "logo", "links", "groups", "components", "public"]
            guard let f = Fields(item, reader: reader, file: file, path: "status_pages[\(i)]", allowed: keys, structured: ["links", "groups", "components"])
            else { continue }
            f.require("slug")
            f.require("title")
            let slug = f.string("slug") ?? ""
            if f.has("slug") && !StatusPageSpec.isSlug(slug) {
                f.error("slug", "expected 1 to 64 of a-z, 0-9 and -" + f.got("slug", slug))
            } else if f.has("slug") && !slugs.insert(slug).inserted {
                f.error("slug", "another page has the slug \"\(slug)\"")
            }
            var page = StatusPageSpec(slug: slug, title: f.string("title") ?? "", description: f.string("description"), isPublic: f.bool("public") ?? false)
            if let svg = f.string("logo") {
                if svg.utf8.count > StatusPageSpec.maxLogoBytes {
                    f.error("logo", "the logo is \(svg.utf8.count) bytes; at most \(StatusPageSpec.maxLogoBytes) are served from memory")
                } else if !svg.contains("<svg") {
                    f.error("logo", "expected an SVG image (no <svg element found)")
                } else {
                    page.logoSVG = svg
                }
            }
            page.groups = f.stringList("groups") ?? []
            for (j, g) in page.groups.enumerated() where !groups.contains(g) {
                reader.error(f.value("groups")?.sequence?[j], in: file, f.sub("groups") + "[\(j)]", "no component is in a group named \"\(g)\"")
            }
            page.components = f.stringList("components") ?? []
            for (j, n) in page.components.enumerated() where !names.contains(n) {
                reader.error(f.value("components")?.sequence?[j], in: file, f.sub("components") + "[\(j)]", "no component is named \"\(n)\"")
            }
            if !page.groups.isEmpty && !page.components.isEmpty { f.error("components", "set groups or components, not both") }
            page.links = parseLinks(f.value("links"), path: f.sub("links"))
            out.append(page)
        }
        return out
    }

    private func parseLinks(_ node: Node?, path: String) -> [StatusPageSpec.Link] {
        guard let node, !node.isNull else { return [] }
        guard let seq = node.sequence else {
            reader.error(node, in: file, path, "expected a list of {title, url}, got \(node.kindDescription)")
            return []
        }
        var out: [StatusPageSpec.Link] = []
        for (i, item) in seq.enumerated() {
            guard let f = Fields(item, reader: reader, file: file, path: "\(path)[\(i)]", allowed: ["title", "url"]) else { continue }
            f.require("title")
            f.require("url")
            guard let title = f.string("title"), let url = f.string("url") else { continue }
            // Only http(s): a `javascript:` link on a page for customers is a script by another name.
            guard Syntax.isHTTPURL(url) else {
                f.error("url", "expected an http:// or https:// URL" + f.got("url", url))
                continue
            }
            out.append(StatusPageSpec.Link(title: title, url: url))
        }
        return out
    }
}
