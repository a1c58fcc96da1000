import Foundation
import VitalsCore

/// The inline SVG the pages draw with: the 90-day strip, the strip of last checks, the latency
/// sparkline and the latency chart. No images to load, nothing that needs a script; every cell
/// has a `<title>` that says what it stands for, so a colour is never the only way to tell.
///
/// Runs of identical cells (days fully up with no incident, days without data, checks with the
/// same judgement) are one `<rect>` with one title; the stylesheet's mask still shows each cell
/// (a gap every three pixels): the page for a thousand components stays under a megabyte.
enum SVG {
    /// Each cell of a strip is this wide in the strip's own units (and in CSS pixels: the
    /// strips are drawn at their natural size, so nothing needs stretching).
    static let cellWidth = 3

    /// One cell or run of cells: where (in cells), how many, its class and title.
    struct Cell {
        var x: Int
        var width: Int
        var cls: String
        var title: String
    }

    /// A strip `slots` cells wide, its cells placed from `offset`. The cells' titles are what
    /// assistive technology reads: the strip itself has no label.
    static func strip(_ cells: [Cell], slots: Int, offset: Int = 0, cls: String) -> String {
        let w = cellWidth
        var out = "<svg class=\"\(cls)\" viewBox=\"0 0 \(slots * w) 16\">"
        for c in cells {
            // Green is the stylesheet's default: a class only for another colour. (Not the
            // width: a CSS width would override every rect's attribute.)
            let x = (c.x + offset) * w
            out += "<rect"
            if x != 0 { out += " x=\"\(x)\"" }
            out += " width=\"\(c.width * w)\""
            if c.cls != "h" { out += " class=\"\(c.cls)\"" }
            out += "><title>" + HTML.escape(c.title) + "</title></rect>"
        }
        return out + "</svg>"
    }

    // MARK: The 90-day strip

    /// One day of the strip: uptime and coverage of the part of the day that has passed, and
    /// the incidents begun that day.
    struct Day: Equatable {
        var start: Date
        var uptime: Double?
        var coverage: Double
        var incidents: Int
        var degradedSeconds: Double
        var unhealthySeconds: Double

        /// Green: fully up, no incident. Amber: degraded time, or a little down. Red: down for
        /// 1% of the known time or more. Grey: nothing known.
        var cls: String {
            guard let u = uptime else { return "n" }
            if unhealthySeconds > 0 && u < 0.99 { return "u" }
            if unhealthySeconds > 0 || degradedSeconds > 0 || incidents > 0 { return "d" }
            return "h"
        }

        /// Days that can share one cell's title: nothing known, or fully up and (nearly) fully
        /// covered: a run's title then gives the least coverage among its days.
        var isPlain: Bool { uptime == nil || (cls == "h" && coverage >= 0.99) }

        var summary: String {
            guard let u = uptime else { return "no data" }
            var s = HTML.percent(u) + " up"
            if coverage < 0.999 { s += " (data for " + HTML.percent(coverage) + " of the time)" }
            if degradedSeconds > 0 { s += ", degraded " + HTML.span(degradedSeconds) }
            s += incidents == 0 ? ", no incidents" : incidents == 1 ? ", 1 incident" : ", \(incidents) incidents"
            return s
        }
    }

    /// The strip's days, oldest first, from the daily roll-ups and incident counts.
    static func days(_ rollups: [Rollup], incidents: [Int: Int], now: Date) -> [Day] {
        let first = Incidents.day(StatusHistory.firstDay(now))
        let count = StatusHistory.stripDays
        var byDay = [Rollup?](repeating: nil, count: count)
        for r in rollups {
            let i = Incidents.day(r.start) - first
            if i >= 0 && i < count { byDay[i] = r }
        }
        var out: [Day] = []
        out.reserveCapacity(count)
        for i in 0..<count {
            let start = Date(timeIntervalSince1970: Double(first + i) * 86_400)
            let elapsed = min(86_400, max(1, now.timeIntervalSince(start)))
            let r = byDay[i]
            let (u, coverage) = StatusSeconds.uptime(
                healthy: r?.healthy ?? 0, degraded: r?.degraded ?? 0, unhealthy: r?.unhealthy ?? 0, windowSeconds: elapsed)
            out.append(Day(
                start: start, uptime: u, coverage: coverage, incidents: incidents.isEmpty ? 0 : incidents[first + i] ?? 0,
                degradedSeconds: r?.degraded ?? 0, unhealthySeconds: r?.unhealthy ?? 0))
        }
        return out
    }

    static func dayStrip(_ days: [Day]) -> String {
        var cells: [Cell] = []
        var i = 0
        while i < days.count {
            var j = i + 1
            if days[i].isPlain {
                while j < days.count && days[j].isPlain && days[j].cls == days[i].cls { j += 1 }
            }
            let when = j - i == 1 ? HTML.day(days[i].start) : HTML.day(days[i].start) + "–" + HTML.day(days[j - 1].start)
            var run = days[i]
            for d in days[i..<j] { run.coverage = min(run.coverage, d.coverage) }
            cells.append(Cell(x: i, width: j - i, cls: run.cls, title: when + ": " + run.summary))
            i = j
        }
        return strip(cells, slots: days.count, cls: "s")
    }

    // MARK: The last checks

    /// The newest `limit` results, oldest first, runs of one judgement as one cell. Messages
    /// only for an audience that may see them.
    static func checkStrip(_ history: [HistoryEntry], limit: Int = 60, details: Bool) -> String {
        let recent = Array(history.suffix(limit))
        guard !recent.isEmpty else { return "<small>no results yet</small>" }
        var cells: [Cell] = []
        var i = 0
        while i < recent.count {
            var j = i + 1
            while j < recent.count && recent[j].judgement == recent[i].judgement { j += 1 }
            let run = recent[i..<j]
            let status = recent[i].judgement
            var title: String
            if run.count == 1 {
                title = clock(recent[i].at) + " UTC: " + status.rawValue + ", " + HTML.latency(recent[i].latency.seconds)
            } else {
                let avg = run.reduce(0) { $0 + $1.latency.seconds } / Double(run.count)
                title = clock(recent[i].at) + "–" + clock(recent[j - 1].at) + " UTC: \(run.count) checks " + status.rawValue
                    + ", avg " + HTML.latency(avg)
            }
            if details && status != .healthy, let last = run.last { title += ": " + last.message }
            cells.append(Cell(x: i, width: j - i, cls: HTML.cls(status), title: title))
            i = j
        }
        // The newest on the right, where it stays as more arrive.
        return strip(cells, slots: limit, offset: limit - recent.count, cls: "c")
    }

    /// `10:01:05` (UTC).
    static func clock(_ d: Date) -> String { String(RFC3339.string(d).dropFirst(11).prefix(8)) }

    // MARK: Latency

    /// A small line of latencies (seconds), oldest first; its title says what it shows.
    static func sparkline(_ values: [Double], title: String) -> String {
        guard values.count >= 2, let top = values.max(), top > 0 else { return "" }
        // 96 by 16, the size it is drawn at: whole units are whole pixels.
        var points = ""
        for (i, v) in values.enumerated() {
            if i > 0 { points += " " }
            points += "\(i * 96 / (values.count - 1)),\(Int((15 - v / top * 14).rounded()))"
        }
        return "<svg class=\"l\" viewBox=\"0 0 96 16\"><title>" + HTML.escape(title)
            + "</title><polyline points=\"" + points + "\"/></svg>"
    }

    /// One point of a latency chart: when, and min / avg / max latency (seconds).
    struct Point {
        var at: Date
        var min: Double
        var avg: Double
        var max: Double
    }

    /// A latency chart over `[from, to]`: the min-max band, the average line (broken where
    /// nothing was measured for longer than `gap`), and the latency thresholds as dashed lines.
    static func latencyChart(
        _ points: [Point], from: Date, to: Date, gap: Double, degraded: Double?, unhealthy: Double?, label: String
    ) -> String {
        let (w, h, left, right, top, bottom) = (900.0, 180.0, 56.0, 892.0, 8.0, 158.0)
        guard !points.isEmpty else {
            return "<p class=\"m\">" + HTML.escape(label) + ": no latency measured in this period.</p>"
        }
        let dataMax = points.map(\.max).max() ?? 0
        // Thresholds far above the data would flatten it: drawn only when within reach.
        let reach = max(dataMax, 1e-6) * 4
        let drawn = [degraded, unhealthy].compactMap { $0 }.filter { $0 <= reach }
        let yMax = max(max(dataMax, drawn.max() ?? 0) * 1.1, 1e-6)
        let span = max(1, to.timeIntervalSince(from))
        // Clamped: a point outside [from, to] (a clock step, a bucket's rounding) stays on the chart's edge.
        func x(_ d: Date) -> String { number(left + (right - left) * min(1, max(0, d.timeIntervalSince(from) / span))) }
        func y(_ v: Double) -> String { number(bottom - (bottom - top) * min(v, yMax) / yMax) }

        var out = "<svg class=\"chart\" viewBox=\"0 0 \(Int(w)) \(Int(h))\" role=\"img\" aria-label=\"" + HTML.escape(label) + "\"><title>"
            + HTML.escape(label) + "</title>"
        out += "<line class=\"axis\" x1=\"\(left)\" y1=\"\(bottom)\" x2=\"\(right)\" y2=\"\(bottom)\"/>"
        out += "<line class=\"axis\" x1=\"\(left)\" y1=\"\(top)\" x2=\"\(left)\" y2=\"\(bottom)\"/>"
        // Runs of points without a gap longer than `gap` between them.
        var runs: [[Point]] = [[]]
        for p in points {
            if let last = runs[runs.count - 1].last, p.at.timeIntervalSince(last.at) > gap { runs.append([]) }
            runs[runs.count - 1].append(p)
        }
        for run in runs where !run.isEmpty {
            let band = run.map { x($0.at) + "," + y($0.max) } + run.reversed().map { x($0.at) + "," + y($0.min) }
            out += "<polygon class=\"band\" points=\"" + band.joined(separator: " ") + "\"/>"
            out += "<polyline class=\"avg\" points=\"" + run.map { x($0.at) + "," + y($0.avg) }.joined(separator: " ") + "\"/>"
            if run.count == 1 { out += "<circle r=\"2\" cx=\"" + x(run[0].at) + "\" cy=\"" + y(run[0].avg) + "\"/>" }
        }
        for (value, cls, name) in [(degraded, "td", "degraded"), (unhealthy, "tu", "unhealthy")] {
            guard let v = value else { continue }
            if v <= reach {
                out += "<line class=\"\(cls)\" x1=\"\(left)\" x2=\"\(right)\" y1=\"" + y(v) + "\" y2=\"" + y(v) + "\"/>"
                out += "<text x=\"\(right - 4)\" y=\"" + number(Double(y(v))! - 3) + "\" text-anchor=\"end\">" + name + " " + HTML.latency(v) + "</text>"
            }
        }
        out += "<text x=\"\(left - 4)\" y=\"\(top + 8)\" text-anchor=\"end\">" + HTML.latency(yMax) + "</text>"
        out += "<text x=\"\(left - 4)\" y=\"\(bottom)\" text-anchor=\"end\">0</text>"
        out += "<text x=\"\(left)\" y=\"\(h - 4)\">" + HTML.escape(HTML.time(from)) + "</text>"
        out += "<text x=\"\(right)\" y=\"\(h - 4)\" text-anchor=\"end\">" + HTML.escape(HTML.time(to)) + "</text>"
        return out + "</svg>"
    }

    /// Coordinates to one decimal: enough on a few hundred pixels, and short.
    static func number(_ v: Double) -> String {
        let r = (v * 10).rounded() / 10
        return r == r.rounded() ? String(Int(r)) : String(r)
    }
}
