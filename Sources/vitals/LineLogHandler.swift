import Foundation
import Logging
import Synchronization
import VitalsCore

/// swift-log's handler for `vitals run`: one line per event on stderr, logfmt or JSON
/// (`LogLine`), written with one `write(2)` so lines from different threads never interleave.
struct LineLogHandler: LogHandler {
    let format: LogFormat
    var logLevel: Logger.Level
    var metadata: Logger.Metadata = [:]

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        var merged = metadata
        if let extra = event.metadata { merged.merge(extra) { _, new in new } }
        let fields = merged.sorted { $0.key < $1.key }.map { (key: $0.key, value: Self.value($0.value)) }
        let line = LogLine.render(format, time: Date(), level: event.level.rawValue, message: "\(event.message)", fields: fields) + "\n"
        var bytes = Array(line.utf8)
        bytes.withUnsafeMutableBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let n = write(STDERR_FILENO, buffer.baseAddress! + offset, buffer.count - offset)
                if n > 0 {
                    offset += n
                } else if n < 0, errno == EINTR {
                    continue
                } else {
                    return
                }
            }
        }
    }

    /// A metadata value as a log field: numbers and booleans logged as `.stringConvertible`
    /// (`metadata: ["components": .stringConvertible(n)]`) stay numbers and booleans; every
    /// other value is its text.
    static func value(_ metadata: Logger.MetadataValue) -> LogValue {
        guard case .stringConvertible(let value) = metadata else { return .text("\(metadata)") }
        switch value {
        case let b as Bool: return .bool(b)
        case let i as Int: return .int(i)
        case let i as any FixedWidthInteger: return Int(exactly: i).map(LogValue.int) ?? .text("\(i)")
        case let d as Double: return .double(d)
        case let f as Float: return .double(Double(f))
        default: return .text(value.description)
        }
    }
}
