/// "did you mean `address`?" for a mistyped key: the closest allowed key by edit distance,
/// when it is close enough to be a typo rather than a different word.
enum KeySuggestion {
    static func nearest(to key: String, in candidates: some Sequence<String>) -> String? {
        var best: (String, Int)?
        for c in candidates {
            let d = distance(key, c)
            if best == nil || d < best!.1 { best = (c, d) }
        }
        // One edit per three letters: `adress` -> `address`, but not `ftp` -> `tcp`.
        guard let best, best.1 <= max(1, key.count / 3) else { return nil }
        return best.0
    }

    /// Levenshtein distance.
    static func distance(_ a: String, _ b: String) -> Int {
        let a = Array(a)
        let b = Array(b)
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var row = Array(0...b.count)
        for i in 1...a.count {
            var prev = row[0]
            row[0] = i
            for j in 1...b.count {
                let cur = row[j]
                row[j] = min(row[j] + 1, row[j - 1] + 1, prev + (a[i - 1] == b[j - 1] ? 0 : 1))
                prev = cur
            }
        }
        return row[b.count]
    }
}
