import VitalsConfig

/// A parsed JSON document, for conditions' `body.a.b[0]` (and so `expect.json`): the one JSON
/// reader of probe results (nesting capped at 256).
///
/// A JSON value that keeps numbers as written, so `equals: "1.50"` compares with what the
/// server sent, not with a re-printed double.
public indirect enum JSONValue: Sendable, Equatable {
    case string(String)
    case number(String)
    case bool(Bool)
    case null
    case array([JSONValue])
    case object([Member])

    /// An object member: a key and its value, in the order the document has them.
    public struct Member: Sendable, Equatable {
        public var key: String
        public var value: JSONValue
    }

    /// What `equals` is compared with: a string's contents, a number's text, `true`, `false`,
    /// `null`, or compact JSON for arrays and objects.
    public var stringForm: String {
        if case .string(let s) = self { return s }
        return json
    }

    public var json: String {
        switch self {
        case .string(let s): JSONValue.encode(s)
        case .number(let n): n
        case .bool(let b): b ? "true" : "false"
        case .null: "null"
        case .array(let items): "[" + items.map(\.json).joined(separator: ",") + "]"
        case .object(let members): "{" + members.map { JSONValue.encode($0.key) + ":" + $0.value.json }.joined(separator: ",") + "}"
        }
    }

    private static func encode(_ s: String) -> String { JSONString.quoted(s) }

    public static func parse(_ bytes: [UInt8]) -> JSONValue? {
        var parser = JSONParser(bytes: bytes)
        guard let value = parser.value(depth: 0) else { return nil }
        parser.skipSpace()
        return parser.index == bytes.count ? value : nil
    }
}

private struct JSONParser {
    let bytes: [UInt8]
    var index = 0

    mutating func skipSpace() {
        while index < bytes.count, [0x20, 0x0A, 0x0D, 0x09].contains(bytes[index]) { index += 1 }
    }

    private mutating func take(_ c: Character) -> Bool {
        skipSpace()
        guard index < bytes.count, bytes[index] == c.asciiValue! else { return false }
        index += 1
        return true
    }

    mutating func value(depth: Int) -> JSONValue? {
        guard depth < 256 else { return nil }
        skipSpace()
        guard index < bytes.count else { return nil }
        switch bytes[index] {
        case UInt8(ascii: "{"):
            index += 1
            var members: [JSONValue.Member] = []
            if take("}") { return .object(members) }
            repeat {
                skipSpace()
                guard let key = string(), take(":"), let v = value(depth: depth + 1) else { return nil }
                members.append(JSONValue.Member(key: key, value: v))
            } while take(",")
            return take("}") ? .object(members) : nil
        case UInt8(ascii: "["):
            index += 1
            var items: [JSONValue] = []
            if take("]") { return .array(items) }
            repeat {
                guard let v = value(depth: depth + 1) else { return nil }
                items.append(v)
            } while take(",")
            return take("]") ? .array(items) : nil
        case UInt8(ascii: "\""):
            return string().map(JSONValue.string)
        case UInt8(ascii: "t"): return literal("true", .bool(true))
        case UInt8(ascii: "f"): return literal("false", .bool(false))
        case UInt8(ascii: "n"): return literal("null", .null)
        default:
            let start = index
            while index < bytes.count, "+-0123456789.eE".utf8.contains(bytes[index]) { index += 1 }
            let text = String(decoding: bytes[start..<index], as: UTF8.self)
            return index > start && Double(text) != nil ? .number(text) : nil
        }
    }

    private mutating func literal(_ word: String, _ v: JSONValue) -> JSONValue? {
        let w = Array(word.utf8)
        guard index + w.count <= bytes.count, Array(bytes[index..<index + w.count]) == w else { return nil }
        index += w.count
        return v
    }

    private mutating func string() -> String? {
        guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else { return nil }
        index += 1
        var out: [UInt8] = []
        while index < bytes.count {
            let c = bytes[index]
            index += 1
            if c == UInt8(ascii: "\"") { return String(decoding: out, as: UTF8.self) }
            guard c == UInt8(ascii: "\\") else {
                out.append(c)
                continue
            }
            guard index < bytes.count else { return nil }
            let e = bytes[index]
            index += 1
            switch e {
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "u"):
                guard var code = hex4() else { return nil }
                // A character outside the BMP is a surrogate pair: two \u escapes.
                if (0xD800..<0xDC00).contains(code), index + 1 < bytes.count, bytes[index] == UInt8(ascii: "\\"),
                    bytes[index + 1] == UInt8(ascii: "u")
                {
                    index += 2
                    guard let low = hex4(), (0xDC00..<0xE000).contains(low) else { return nil }
                    code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                }
                out += Array(String(Unicode.Scalar(code).map(Character.init) ?? "\u{FFFD}").utf8)
            default: out.append(e)
            }
        }
        return nil
    }

    private mutating func hex4() -> UInt32? {
        guard index + 4 <= bytes.count, let v = UInt32(String(decoding: bytes[index..<index + 4], as: UTF8.self), radix: 16)
        else { return nil }
        index += 4
        return v
    }
}

extension JSONPath {
    public func lookup(in root: JSONValue) -> JSONValue? {
        var current = root
        for step in steps {
            switch (step, current) {
            case (.key(let k), .object(let members)):
                guard let v = members.first(where: { $0.key == k })?.value else { return nil }
                current = v
            case (.index(let i), .array(let items)):
                guard i < items.count else { return nil }
                current = items[i]
            default:
                return nil
            }
        }
        return current
    }
}
