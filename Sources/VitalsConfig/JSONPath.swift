/// The path of an HTTP probe's `expect.json`: parsed once, by the config check and the probe
/// alike, so that what `validate` accepts is what the probe can follow.
///
/// `$.status`, `$.a.b[0].c`, `$["key with.dots"]`: object keys and array indexes from the root.
public struct JSONPath: Sendable, Equatable {
    public enum Step: Sendable, Equatable {
        case key(String)
        case index(Int)
    }
    public let steps: [Step]

    public init(steps: [Step]) { self.steps = steps }

    /// The path as `expect.json` writes it: `$.a.b[0]`, `$["key with.dots"]`.
    public var text: String {
        "$" + steps.map { step in
            switch step {
            case .index(let i): "[\(i)]"
            case .key(let k) where !k.isEmpty && !k.contains(where: { ".[]\"'".contains($0) }): ".\(k)"
            case .key(let k): "[\"\(k)\"]"
            }
        }.joined()
    }

    public init?(_ text: String) {
        guard text.hasPrefix("$") else { return nil }
        var s = text.dropFirst()
        var steps: [Step] = []
        while !s.isEmpty {
            if s.hasPrefix(".") {
                s = s.dropFirst()
                let key = s.prefix { $0 != "." && $0 != "[" }
                guard !key.isEmpty else { return nil }
                steps.append(.key(String(key)))
                s = s.dropFirst(key.count)
            } else if s.hasPrefix("[") {
                guard let close = s.firstIndex(of: "]") else { return nil }
                let inner = s[s.index(after: s.startIndex)..<close].trimmingCharacters(in: .whitespaces)
                if let i = Int(inner), i >= 0 {
                    steps.append(.index(i))
                } else if inner.count >= 2, let q = inner.first, q == "\"" || q == "'", inner.last == q {
                    steps.append(.key(String(inner.dropFirst().dropLast())))
                } else {
                    return nil
                }
                s = s[s.index(after: close)...]
            } else {
                return nil
            }
        }
        self.steps = steps
    }
}
