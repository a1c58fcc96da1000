import Yams

/// Turns Yams' errors into a position and a one-line message.
///
/// Yams' own descriptions quote the offending line (and, for duplicate keys, the whole
/// document), which may hold a password: only the problem text and the mark are kept.
enum YAMLSyntax {
    static func describe(_ error: YamlError, in yaml: String) -> (line: Int, column: Int, message: String) {
        switch error {
        case .scanner(let context, let problem, let mark, _), .parser(let context, let problem, let mark, _),
            .composer(let context, let problem, let mark, _):
            let text = [context?.text, problem].compactMap { $0 }.joined(separator: ": ")
            return (mark.line, mark.column, "YAML syntax error: \(text)")
        case .reader(let problem, let offset, _, _):
            let (line, column) = offset.map { position(ofCharacter: $0, in: yaml) } ?? (1, 1)
            return (line, column, "YAML syntax error: \(problem)")
        case .duplicatedKeysInMapping(let duplicates, let context):
            // Keys are quoted only when they look like keys: the file may not be a config at all.
            let shown = duplicates.filter(Syntax.isPrintableKey).sorted()
            let keys = shown.isEmpty ? "" : " " + shown.joined(separator: ", ")
            return (context.mark.line, context.mark.column, "duplicate key\(keys) in one mapping (YAML allows each key once)")
        case .dataCouldNotBeDecoded:
            return (1, 1, "the file is not valid UTF-8")
        default:
            return (1, 1, "YAML syntax error")
        }
    }

    /// 1-based line and column of the character at `offset`.
    static func position(ofCharacter offset: Int, in text: String) -> (Int, Int) {
        var line = 1
        var column = 1
        for c in text.prefix(offset) {
            if c == "\n" || c == "\r\n" {
                line += 1
                column = 1
            } else {
                column += 1
            }
        }
        return (line, column)
    }
}
