import Foundation
import VitalsCore

/// A small append-only JSON writer: keys come out in the order written (the spec's examples
/// read top-down), and the hot endpoints avoid `JSONEncoder`'s reflection.
struct JSONWriter {
    private(set) var out = ""
    private var needsComma = [false]

    init() { out.reserveCapacity(256) }

    mutating func object(_ body: (inout JSONWriter) -> Void) {
        separator()
        out += "{"
        needsComma.append(false)
        body(&self)
        needsComma.removeLast()
        out += "}"
    }

    mutating func array(_ body: (inout JSONWriter) -> Void) {
        separator()
        out += "["
        needsComma.append(false)
        body(&self)
        needsComma.removeLast()
        out += "]"
    }

    mutating func key(_ name: String) {
        separator()
        Self.appendString(name, to: &out)
        out += ":"
        needsComma[needsComma.count - 1] = false
    }

    mutating func string(_ value: String) {
        separator()
        Self.appendString(value, to: &out)
    }

    mutating func number(_ value: Double) {
        separator()
        out += Self.format(value)
    }

    mutating func int<I: BinaryInteger>(_ value: I) {
        separator()
        out += String(value)
    }

    mutating func bool(_ value: Bool) {
        separator()
        out += value ? "true" : "false"
    }

    mutating func null() {
        separator()
        out += "null"
    }

    mutating func field(_ name: String, _ value: String) {
        key(name)
        string(value)
    }

    mutating func field(_ name: String, _ value: Double) {
        key(name)
        number(value)
    }

    mutating func field<I: BinaryInteger>(_ name: String, int value: I) {
        key(name)
        int(value)
    }

    mutating func field(_ name: String, _ value: Bool) {
        key(name)
        bool(value)
    }

    mutating func field(_ name: String, date: Date?) {
        key(name)
        if let date { string(RFC3339.string(date)) } else { null() }
    }

    private mutating func separator() {
        if needsComma[needsComma.count - 1] { out += "," }
        needsComma[needsComma.count - 1] = true
    }

    /// JSON has no NaN or infinity: they become null.
    static func format(_ value: Double) -> String {
        guard value.isFinite else { return "null" }
        if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        return String(value)
    }

    static func appendString(_ s: String, to out: inout String) { JSONString.append(s, to: &out) }
}
