import Synchronization

/// A value a reload replaces and readers on any task read.
final class CurrentValue<Value: Sendable>: Sendable {
    private let current: Mutex<Value>
    init(_ value: Value) { current = Mutex(value) }
    var value: Value { current.withLock { $0 } }
    func set(_ value: Value) { current.withLock { $0 = value } }
    /// Replaces the value; returns the one it replaced.
    func exchange(_ value: Value) -> Value {
        current.withLock { c in
            defer { c = value }
            return c
        }
    }
}
