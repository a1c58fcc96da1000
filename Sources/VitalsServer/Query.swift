/// A request's query string, parsed once. `?verbose` (with or without a value) and repeated
/// `?exclude=NAME` are the cases the health endpoints care about.
struct Query {
    private(set) var pairs: [(String, String)] = []

    init(_ raw: String?) {
        guard let raw, !raw.isEmpty else { return }
        for part in raw.split(separator: "&", omittingEmptySubsequences: true) {
            let kv = part.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let key = Self.decode(kv[0])
            let value = kv.count > 1 ? Self.decode(kv[1]) : ""
            pairs.append((key, value))
        }
    }

    var isEmpty: Bool { pairs.isEmpty }
    func has(_ key: String) -> Bool { pairs.contains { $0.0 == key } }
    func all(_ key: String) -> [String] { pairs.filter { $0.0 == key }.map(\.1) }
    func first(_ key: String) -> String? { pairs.first { $0.0 == key }?.1 }

    /// Percent-decoding with `+` as space; malformed escapes are kept as written.
    static func decode(_ s: Substring) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(s.utf8.count)
        var it = Array(s.utf8)[...]
        while let b = it.popFirst() {
            if b == UInt8(ascii: "+") {
                bytes.append(UInt8(ascii: " "))
            } else if b == UInt8(ascii: "%"), it.count >= 2, let v = UInt8(String(decoding: it.prefix(2), as: UTF8.self), radix: 16) {
                bytes.append(v)
                it = it.dropFirst(2)
            } else {
                bytes.append(b)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
