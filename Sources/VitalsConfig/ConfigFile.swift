import Foundation
import Yams

/// Reading a config file, the main one or an included one, within bounds: an include glob
/// such as `/*/*/*` must not make Vitals read binaries for seconds, and a file that is not a
/// config must be reported without printing what it holds (it may be `/etc/shadow`).
enum ConfigFile {
    /// The largest file read: 10,000 components take about 2 MB.
    static let maxBytes = 16 << 20
    /// The most files that includes may bring in, all levels together.
    static let maxIncluded = 1000

    /// The file's text, or why it cannot be a config file.
    static func read(_ path: String) -> Result<String, ReadFailure> {
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: path),
            let handle = FileHandle(forReadingAtPath: path)
        else { return .failure(.unreadable) }
        defer { try? handle.close() }
        let size = (attributes[.size] as? NSNumber)?.intValue ?? 0
        guard size <= maxBytes else { return .failure(.tooLarge(size)) }
        // Read one byte past the cap: a file that grew since the stat is still bounded.
        guard let data = try? handle.read(upToCount: maxBytes + 1) ?? Data() else { return .failure(.unreadable) }
        guard data.count <= maxBytes else { return .failure(.tooLarge(data.count)) }
        guard !data.contains(0) else { return .failure(.binary) }
        return .success(String(decoding: data, as: UTF8.self))
    }

    enum ReadFailure: Error, CustomStringConvertible {
        case unreadable
        case tooLarge(Int)
        case binary

        var description: String {
            switch self {
            case .unreadable: "cannot read the file"
            case .tooLarge(let size): "the file is \(size >> 20) MiB, over the \(ConfigFile.maxBytes >> 20) MiB a config file may be"
            case .binary: "not a text file, so not a config file"
            }
        }
    }

    /// Whether `root` can be a Vitals file: a mapping with one of `known` at its top, or whose
    /// keys could be meant as such. A mapping made of none but unprintable "keys" (the lines
    /// of a passwd-like file) is refused as a whole, without quoting any of them.
    static func looksLikeConfig(_ root: Node, known: [String]) -> Bool {
        guard let mapping = root.mapping else { return true }  // Fields reports a non-mapping
        let keys = mapping.keys.compactMap { $0.scalar?.string }
        return keys.isEmpty || keys.contains { known.contains($0) } || keys.allSatisfy(Syntax.isPrintableKey)
    }
}
