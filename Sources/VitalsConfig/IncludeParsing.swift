import Foundation
import Yams

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// `include:` globs, relative to the including file's folder. An included file holds
/// `components:` (and may include further files); its errors name it, its line and column.
extension ConfigParser {
    static let includeKeys = ["components", "include"]

    /// - Parameters:
    ///   - chain: canonical paths from the main file down to `including`: a match already on it
    ///     is a cycle.
    ///   - visited: every file read so far: a file matched again (overlapping globs, or two files
    ///     including a shared one) is read once.
    func parseIncludes(
        _ node: Node, from including: String, chain: [String], defaults: ComponentDefaults, visited: inout Set<String>
    ) -> [DeclaredComponent] {
        if node.isNull { return [] }
        let items: [Node]
        if let seq = node.sequence {
            items = Array(seq)
        } else if node.scalar != nil {
            items = [node]  // `include: probes/*.yaml`: one glob
        } else {
            reader.error(node, in: including, "include", "expected a list of file globs")
            return []
        }
        var out: [DeclaredComponent] = []
        for (i, item) in items.enumerated() {
            let itemPath = node.sequence == nil ? "include" : "include[\(i)]"
            guard let pattern = reader.substitute(item, file: including, path: itemPath) else { continue }
            let matches = Self.glob(pattern, relativeTo: including)
            if matches.isEmpty {
                reader.error(item, in: including, itemPath, "no file matches \(pattern)")
                continue
            }
            for match in matches {
                let canonical = Self.canonical(match)
                if let start = chain.firstIndex(of: canonical) {
                    let cycle = (chain[start...] + [canonical]).map(Self.display).joined(separator: " -> ")
                    reader.error(item, in: including, itemPath, "include cycle: \(cycle)")
                    continue
                }
                guard !visited.contains(canonical) else { continue }
                // `visited` holds the main file too. Past the cap a marker (no path is empty)
                // records that it was said, so the walk back up does not say it again.
                guard visited.count <= ConfigFile.maxIncluded else {
                    if visited.insert("").inserted {
                        reader.error(item, in: including, itemPath, "more than \(ConfigFile.maxIncluded) files included in all; include fewer, larger files")
                    }
                    return out
                }
                visited.insert(canonical)
                out += parseIncludedFile(match, chain: chain + [canonical], defaults: defaults, visited: &visited, item: item, including: including, itemPath: itemPath)
            }
        }
        return out
    }

    private func parseIncludedFile(
        _ path: String, chain: [String], defaults: ComponentDefaults, visited: inout Set<String>,
        item: Node, including: String, itemPath: String
    ) -> [DeclaredComponent] {
        let display = Self.display(path)
        let text: String
        switch ConfigFile.read(path) {
        case .success(let t): text = t
        case .failure(.unreadable):
            reader.error(item, in: including, itemPath, "cannot read \(display)")
            return []
        case .failure(let why):
            reader.error(item, in: including, itemPath, "\(display): \(why)")
            return []
        }
        guard let root = reader.compose(text, file: display) else { return [] }
        guard ConfigFile.looksLikeConfig(root, known: Self.topKeys) else {
            reader.error(item, in: including, itemPath, "\(display) is not a Vitals file: no top-level key is components or include")
            return []
        }
        guard
            let f = Fields(
                root, reader: reader, file: display, path: "", allowed: Self.includeKeys, structured: Set(Self.includeKeys),
                hint: { Self.topKeys.contains($0) ? "an included file holds only components and include; \($0) goes in the main config" : nil })
        else { return [] }
        var out: [DeclaredComponent] = []
        if let list = f.value("components") { out += parseComponents(list, file: display, defaults: defaults) }
        if let nested = f.value("include") {
            out += parseIncludes(nested, from: display, chain: chain, defaults: defaults, visited: &visited)
        }
        return out
    }

    /// Regular files matching `pattern` (relative to `file`'s folder), sorted. The folder part
    /// is escaped, so a folder named `[x]` is not read as a pattern.
    static func glob(_ pattern: String, relativeTo file: String) -> [String] {
        let full: String
        if pattern.hasPrefix("/") {
            full = pattern
        } else {
            let dir = (file as NSString).deletingLastPathComponent
            full = dir.isEmpty ? pattern : escapeGlob(dir) + "/" + pattern
        }
        var g = glob_t()
        defer { globfree(&g) }
        #if canImport(Glibc)
            let rc = Glibc.glob(full, 0, nil, &g)
        #else
            let rc = Darwin.glob(full, 0, nil, &g)
        #endif
        guard rc == 0 else { return [] }
        let paths = (0..<Int(g.gl_pathc)).compactMap { g.gl_pathv[$0].map { String(cString: $0) } }
        return paths.filter { path in
            var isDirectory: ObjCBool = false
            return FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) && !isDirectory.boolValue
        }.sorted()
    }

    static func escapeGlob(_ s: String) -> String {
        var out = ""
        for c in s {
            if "*?[]\\".contains(c) { out.append("\\") }
            out.append(c)
        }
        return out
    }

    /// `config/../probes/system.yaml` shows as `probes/system.yaml` (relative to the working
    /// directory when under it, absolute otherwise).
    static func display(_ path: String) -> String {
        let standardized = canonical(path)
        let cwd = FileManager.default.currentDirectoryPath + "/"
        return standardized.hasPrefix(cwd) ? String(standardized.dropFirst(cwd.count)) : standardized
    }
}
