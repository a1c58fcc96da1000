import Foundation
import Mustache

/// A notifier's `template: {title, body}`: Mustache (hummingbird-project/swift-mustache) over
/// `TemplateContext`.
///
/// Compiled and rendered against `TemplateContext.samples` when the config loads, so a tag
/// that does not parse or a name the context does not have is a config error at its file,
/// line and column, never a surprise in the middle of an incident. Rendering is plain text:
/// the alerting module escapes the context's values for the channel first (Markdown, HTML,
/// Slack's mrkdwn...), so `{{x}}` and `{{{x}}}` alike put in exactly the escaped value, and no
/// probe message can add formatting or a mention.
public struct NotificationTemplate: Sendable, Equatable {
    public struct Part: Sendable, Equatable {
        public var source: String
        /// Where `source`'s first character is in its config file.
        public var location: SourceLocation
        let compiled: MustacheTemplate

        /// The text, every value of `context` as given (already escaped for the channel).
        public func render(_ context: TemplateContext) -> String {
            compiled.render(context.tree)
        }

        public static func == (a: Part, b: Part) -> Bool { a.source == b.source && a.location == b.location }
    }

    public var title: Part?
    public var body: Part?

    public init(title: Part?, body: Part?) {
        self.title = title
        self.body = body
    }

    /// Compiles and checks a template given as text (not read from a config file): the first
    /// problem, positioned within the template, when it fails.
    public static func parse(title: String?, body: String?) throws(ConfigError) -> NotificationTemplate {
        func part(_ source: String?, _ key: String) throws(ConfigError) -> Part? {
            guard let source else { return nil }
            let at = TemplatePosition(start: SourceLocation(file: "<template>", line: 1, column: 1), path: key, blockIndent: nil, quoted: false)
            switch compile(source, at: at) {
            case .success(let part): return part
            case .failure(let error): throw error
            }
        }
        return NotificationTemplate(title: try part(title, "title"), body: try part(body, "body"))
    }

    /// Turns the context's own escaping off: values arrive escaped for their channel, and the
    /// library's default (HTML) would escape them twice. On a line of its own, which Mustache
    /// drops (a standalone tag), so the template's first line keeps its own standalone tags.
    static let plainText = "{{%CONTENT_TYPE:TEXT}}\n"

    /// Compiles `source` and renders it against the samples; the problem, positioned in the
    /// file, when it fails. `markup` checks what a sample renders to, for a channel that
    /// refuses a message it cannot parse (Telegram's HTML).
    static func compile(_ source: String, at position: TemplatePosition, markup: ((String) -> String?)? = nil) -> Result<Part, ConfigError> {
        let compiled: MustacheTemplate
        do {
            compiled = try MustacheTemplate(string: plainText + source)
        } catch let e as MustacheTemplate.ParserError {
            let line = max(e.context.lineNumber - 1, 1)
            let column = e.context.columnNumber
            return .failure(ConfigError(location: position.location(line: line, column: column), path: position.path, message: "template does not parse: \(describe(e.error))"))
        } catch {
            return .failure(ConfigError(location: position.start, path: position.path, message: "template does not parse"))
        }
        for sample in TemplateContext.samples {
            let root = MissRecorder(sample.tree)
            let text = compiled.render(root)
            // A documented value absent from this sample (`ends_at` while firing) is no mistake.
            if let name = root.misses.first(where: { !known.contains($0) }) {
                let (line, column) = Self.position(of: name, in: source)
                return .failure(
                    ConfigError(
                        location: position.location(line: line, column: column), path: position.path,
                        message: "template names {{\(name)}}, which notifications do not have (see docs/alerting.md, Message templates)"))
            }
            if let problem = markup?(text) {
                return .failure(ConfigError(location: position.start, path: position.path, message: "template renders to a message the channel refuses: \(problem)"))
            }
        }
        return .success(Part(source: source, location: position.start, compiled: compiled))
    }

    /// Every top-level name of the context.
    static let known = Set(TemplateContext.samples.flatMap(\.tree.keys))

    /// The library's parse errors in words.
    static func describe(_ error: any Error) -> String {
        switch error as? MustacheTemplate.Error {
        case .sectionCloseNameIncorrect: "a section is closed by another name than it was opened with"
        case .unfinishedName: "a tag is not closed (}} missing) or its name is malformed"
        case .expectedSectionEnd: "a section is not closed ({{/name}} missing)"
        case .invalidSetDelimiter: "a delimiter change ({{=<% %>=}}) is malformed"
        case .invalidConfigVariableSyntax, .unrecognisedConfigVariable: "a pragma ({{% ...}}) is malformed or unknown"
        // The library's reader runs past the end: a tag that is opened and never closed.
        default: "\(error)" == "overflow" ? "the template ends inside a tag ({{ without }})" : "\(error)"
        }
    }

    /// Line and column (from 1) of the first tag naming `name` in `source`, else of its start.
    static func position(of name: String, in source: String) -> (Int, Int) {
        var line = 1
        var column = 1
        var rest = Substring(source)
        while !rest.isEmpty {
            if rest.hasPrefix("{{") {
                let inner = rest.dropFirst(2).drop { "#^/&{ ".contains($0) }
                if inner.hasPrefix(name) { return (line, column) }
            }
            if rest.first == "\n" {
                line += 1
                column = 1
            } else {
                column += 1
            }
            rest = rest.dropFirst()
        }
        return (1, 1)
    }
}

/// The context's root for validation: remembers the top-level names a render asked for and
/// did not find. The root is the last place Mustache looks (after every open section), so a
/// name missing there is missing everywhere. Lives within one render on one thread.
private final class MissRecorder: MustacheParent {
    let values: [String: Any]
    var misses: [String] = []

    init(_ values: [String: Any]) { self.values = values }

    func child(named name: String) -> Any? {
        if let value = values[name] { return value }
        misses.append(name)
        return nil
    }
}

/// Where a template's text sits in its config file, to turn a position in the template into
/// one in the file: the scalar's start, its YAML style and the file's text.
struct TemplatePosition {
    var start: SourceLocation
    var path: String
    /// A literal (`|`) or folded (`>`) block: its text starts on the line after `start`, at
    /// `indent` columns.
    var blockIndent: Int?
    /// Quoted: the text starts one column after the quote.
    var quoted: Bool

    /// Line 1 is on the scalar's line (after its quote); in a block, line N is N lines below
    /// the indicator. Flow scalars that span lines fold them, so there the place is the best
    /// guess: the right line, the column within the template's line.
    func location(line: Int, column: Int) -> SourceLocation {
        var at = start
        if let indent = blockIndent {
            at.line += line
            at.column = indent + column
        } else if line == 1 {
            at.column += column - 1 + (quoted ? 1 : 0)
        } else {
            at.line += line - 1
            at.column = column
        }
        return at
    }
}
