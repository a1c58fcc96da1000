/// The components waiting for their next start, earliest first: a binary min-heap, as a plain
/// value with no clock and no tasks.
///
/// An entry names its component and the schedule token it was planned under. A component that
/// is removed or replaced keeps its old entry until it comes up and is dropped then, because
/// its token no longer matches: an update never has to search the heap.
struct PlannedStarts<Instant: Comparable & Sendable>: Sendable {
    struct Entry: Sendable {
        var at: Instant
        var name: String
        var token: UInt64
    }

    private var heap: [Entry] = []

    var count: Int { heap.count }
    var earliest: Entry? { heap.first }

    mutating func push(_ entry: Entry) {
        heap.append(entry)
        var child = heap.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard heap[child].at < heap[parent].at else { break }
            heap.swapAt(child, parent)
            child = parent
        }
    }

    /// Removes and returns the earliest entry.
    mutating func popEarliest() -> Entry? {
        guard !heap.isEmpty else { return nil }
        heap.swapAt(0, heap.count - 1)
        let first = heap.removeLast()
        var parent = 0
        while true {
            let left = 2 * parent + 1
            let right = left + 1
            var smallest = parent
            if left < heap.count && heap[left].at < heap[smallest].at { smallest = left }
            if right < heap.count && heap[right].at < heap[smallest].at { smallest = right }
            guard smallest != parent else { break }
            heap.swapAt(parent, smallest)
            parent = smallest
        }
        return first
    }
}
