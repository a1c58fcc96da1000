import Foundation
import Yams

/// Collects every problem of one load, each with file, line, column and key path, and turns
/// YAML text into nodes.
///
/// Nothing throws midway: a bad value records an error and yields nil, so one pass reports all
/// the problems of a config and its includes. A class because the whole walk (main file and
/// every include) appends to one list; an instance lives inside one `ConfigLoader.parse` call
/// and never leaves the thread that made it.
final class YAMLReader {
    private(set) var errors: [ConfigError] = []
    let environment: [String: String]
    /// Each file's text as composed: where a block scalar's content starts (its indentation)
    /// is not in the node, and a template error points inside one.
    private(set) var texts: [String: String] = [:]

    init(environment: [String: String]) { self.environment = environment }

    func error(_ node: Node?, in file: String, _ path: String, _ message: String) {
        errors.append(ConfigError(location: location(node, file), path: path, message: message))
    }

    func error(at location: SourceLocation, _ path: String, _ message: String) {
        errors.append(ConfigError(location: location, path: path, message: message))
    }

    func location(_ node: Node?, _ file: String) -> SourceLocation {
        SourceLocation(file: file, line: node?.mark?.line ?? 1, column: node?.mark?.column ?? 1)
    }

    /// Parses one document; a syntax error becomes a located error, an empty file an error too.
    func compose(_ yaml: String, file: String) -> Node? {
        // A byte order mark (editors on Windows write one) is not part of the document.
        let yaml = yaml.hasPrefix("\u{FEFF}") ? String(yaml.dropFirst()) : yaml
        texts[file] = yaml
        do {
            guard let node = try Yams.compose(yaml: yaml) else {
                error(at: SourceLocation(file: file, line: 1, column: 1), "", "the file is empty")
                return nil
            }
            return node
        } catch let e as YamlError {
            let (line, column, message) = YAMLSyntax.describe(e, in: yaml)
            error(at: SourceLocation(file: file, line: line, column: column), "", message)
            return nil
        } catch {
            self.error(at: SourceLocation(file: file, line: 1, column: 1), "", "YAML syntax error")
            return nil
        }
    }
}
