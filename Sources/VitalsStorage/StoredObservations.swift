import Foundation
import VitalsCore

/// A result's observations as both backends store them: one JSON object, name to number or text.
enum StoredObservations {
    /// A stored observations object back as observations, in the order `json` wrote them
    /// (units are not stored: a restored last result shows none until the next result).
    static func parse(_ text: String) -> [Observation] {
        guard let data = text.data(using: .utf8), let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else { return [] }
        // JSONSerialization forgets the order: take it from where each name stands in the text.
        func position(_ name: String) -> String.Index { text.range(of: JSONString.quoted(name) + ":")?.lowerBound ?? text.endIndex }
        return object.keys.sorted { position($0) < position($1) }.compactMap { name in
            switch object[name] {
            case let t as String: Observation(name, text: t)
            case let n as NSNumber: Observation(name, n.doubleValue)
            default: nil
            }
        }
    }

    /// A result's observations as one JSON object, name to number or text.
    static func json(_ observations: [Observation]) -> String {
        guard !observations.isEmpty else { return "{}" }
        var out = "{"
        for (i, o) in observations.enumerated() {
            if i > 0 { out += "," }
            out += JSONString.quoted(o.name) + ":"
            switch o.value {
            case .number(let v): out += v.isFinite ? "\(v)" : "null"
            case .text(let t): out += JSONString.quoted(t)
            }
        }
        return out + "}"
    }
}
