import Yams

extension YAMLReader {
    /// A scalar's text with `${VAR}` and `${VAR:-default}` substituted from the environment;
    /// `$$` is a literal `$`, and a `$` not followed by `{` or `$` stays as written.
    ///
    /// Like the shell, `${VAR:-default}` also uses the default when VAR is set but empty.
    /// Messages name the variable, never a value, so they are safe for secret keys too.
    func substitute(_ node: Node, file: String, path: String) -> String? {
        guard let scalar = node.scalar else {
            error(node, in: file, path, node.mapping != nil ? "expected a single value, got a mapping" : "expected a single value, got a list")
            return nil
        }
        let text = scalar.string
        guard text.contains("$") else { return text }
        var out = ""
        var rest = Substring(text)
        while let i = rest.firstIndex(of: "$") {
            out += rest[..<i]
            let after = rest[rest.index(after: i)...]
            if after.hasPrefix("$") {
                out += "$"
                rest = after.dropFirst()
            } else if after.hasPrefix("{") {
                guard let close = after.firstIndex(of: "}") else {
                    error(node, in: file, path, "unterminated ${ (write $$ for a literal $)")
                    return nil
                }
                let body = after[after.index(after: after.startIndex)..<close]
                let name: Substring
                var fallback: Substring?
                if let sep = body.range(of: ":-") {
                    name = body[..<sep.lowerBound]
                    fallback = body[sep.upperBound...]
                } else {
                    name = body
                }
                guard Self.isVariableName(name) else {
                    error(node, in: file, path, "${\(name)} is not a variable name (letters, digits and _, not starting with a digit)")
                    return nil
                }
                if let value = environment[String(name)], !(fallback != nil && value.isEmpty) {
                    out += value
                } else if let fallback {
                    out += fallback
                } else {
                    error(node, in: file, path, "environment variable \(name) is not set (use ${\(name):-default} for a default)")
                    return nil
                }
                rest = after[after.index(after: close)...]
            } else {
                out += "$"
                rest = after
            }
        }
        out += rest
        return out
    }

    static func isVariableName(_ s: Substring) -> Bool {
        guard let first = s.unicodeScalars.first, first == "_" || (first.isASCII && first.properties.isAlphabetic) else { return false }
        return s.unicodeScalars.allSatisfy { $0 == "_" || ($0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0))) }
    }
}
