/// A value that must never be printed: passwords, tokens, header values that carry credentials.
///
/// `description` and `debugDescription` are redacted, so string interpolation into a log line
/// or an error message cannot leak it by accident; code that needs the value reads `.value`.
public struct Secret: Sendable, Hashable, CustomStringConvertible, CustomDebugStringConvertible {
    public let value: String
    public init(_ value: String) { self.value = value }
    public var description: String { "<redacted>" }
    public var debugDescription: String { "<redacted>" }
}
