import Foundation

/// Share of results not judged unhealthy over the last hour and day, from 10-minute buckets in
/// a ring: about a kilobyte per component, so ten thousand components stay small.
public struct UptimeWindow: Sendable, Equatable {
    static let bucketSeconds = 600.0
    static let bucketCount = 144  // 24h

    private var epochs: [Int32] = []
    private var good: [UInt16] = []
    private var total: [UInt16] = []

    public init() {}

    public mutating func record(at date: Date, up: Bool) {
        if epochs.isEmpty {
            epochs = Array(repeating: -1, count: Self.bucketCount)
            good = Array(repeating: 0, count: Self.bucketCount)
            total = Array(repeating: 0, count: Self.bucketCount)
        }
        let epoch = Int32(date.timeIntervalSince1970 / Self.bucketSeconds)
        let i = Int(epoch) % Self.bucketCount
        if epochs[i] != epoch {
            epochs[i] = epoch
            good[i] = 0
            total[i] = 0
        }
        if total[i] < UInt16.max {
            total[i] += 1
            if up { good[i] += 1 }
        }
    }

    /// Nil when no result fell in the window.
    public func ratio(over seconds: Double, at date: Date) -> Double? {
        guard !epochs.isEmpty else { return nil }
        let now = Int32(date.timeIntervalSince1970 / Self.bucketSeconds)
        let oldest = now - Int32((seconds / Self.bucketSeconds).rounded(.up)) + 1
        var g = 0
        var t = 0
        for i in 0..<Self.bucketCount where epochs[i] >= oldest && epochs[i] <= now {
            g += Int(good[i])
            t += Int(total[i])
        }
        return t == 0 ? nil : Double(g) / Double(t)
    }

    public func windows(at date: Date) -> [(window: String, ratio: Double)] {
        [("1h", 3600.0), ("24h", 86_400.0)].compactMap { label, seconds in
            ratio(over: seconds, at: date).map { (label, $0) }
        }
    }
}
