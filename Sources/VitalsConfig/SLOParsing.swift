import Yams

/// A component's `slo:` mapping.
extension ConfigParser {
    static let sloKeys = ["objective", "window", "calendar", "good"]

    func parseSLO(_ node: Node, interval: Duration, path: String, file: String) -> SLOSpec? {
        guard let f = Fields(node, reader: reader, file: file, path: path, allowed: Self.sloKeys, structured: ["good"]) else { return nil }
        guard f.require("objective") != nil, let text = f.string("objective") else { return nil }
        // A percent written as a plain number: `99.9%` or a ratio such as 0.999 would be read
        // wrongly by someone, so only the one form is taken.
        guard let percent = Double(text), percent.isFinite else {
            f.error("objective", "expected a percent as a number such as 99.9 (no % sign)" + f.got("objective", text))
            return nil
        }
        guard percent > 0, percent < 100 else {
            let why = percent >= 100 ? "100% leaves no error budget: any failure breaks it" : "must be more than 0"
            f.error("objective", "must be between 0 and 100, exclusive (\(why))" + f.got("objective", text))
            return nil
        }
        // Read as written, shifted two places (`99.9e-2`): the nearest double to 0.999, where
        // `99.9 / 100` is 0.9990000000000001 in /metrics.
        let ratio = Double(text + "e-2") ?? percent / 100
        var spec = SLOSpec(objective: ratio, periodLocation: reader.location(node, file))
        if f.has("window"), f.has("calendar") {
            f.error("calendar", "set either window (rolling) or calendar: month, not both")
            return nil
        }
        if let window = f.duration("window") {
            spec.periodLocation = reader.location(f.value("window"), file)
            guard window >= interval else {
                f.error("window", "the window (\(DurationFormat.short(window))) must be at least the interval (\(DurationFormat.short(interval)))")
                return nil
            }
            spec.period = .rolling(window)
        } else if f.has("window") {
            return nil
        }
        if let calendar = f.string("calendar") {
            guard calendar == "month" else {
                f.error("calendar", "expected month" + f.got("calendar", calendar))
                return nil
            }
            spec.periodLocation = reader.location(f.value("calendar"), file)
            spec.period = .calendarMonth
        }
        if let good = f.stringList("good") {
            guard !good.isEmpty else {
                f.error("good", "name at least one good status (healthy, degraded)")
                return nil
            }
            var set: Set<SLOSpec.GoodStatus> = []
            for (i, word) in good.enumerated() {
                guard let status = SLOSpec.GoodStatus(rawValue: word) else {
                    let why = word == "unhealthy" ? "unhealthy time is never good" : word == "unknown" ? "unknown time is left out of an SLO, neither good nor bad" : "expected healthy or degraded"
                    reader.error(f.value("good")?.sequence?[i], in: file, f.sub("good") + "[\(i)]", "\"\(word)\": \(why)")
                    return nil
                }
                set.insert(status)
            }
            spec.good = set
        }
        return spec
    }

    /// An SLO's window must lie within what storage keeps of roll-ups, or its oldest part would
    /// always read as a gap.
    func checkSLOWindows(_ components: [ComponentSpec], rollupRetention: Duration) {
        for c in components {
            guard let slo = c.slo else { continue }
            let longest = slo.period.window ?? .seconds(31 * 86_400)
            if longest > rollupRetention {
                reader.error(
                    at: slo.periodLocation, "components[\(c.name)].slo",
                    "the SLO window (\(slo.period)) is longer than storage.rollup_retention (\(DurationFormat.short(rollupRetention))): its oldest part would be pruned")
            }
        }
    }
}
