import Foundation

/// RFC 3339 timestamps in UTC with whole seconds (`2026-11-22T10:00:00Z`), as people, receivers
/// and Alertmanager read them: one format for every JSON Vitals writes.
///
/// Written by hand from the days since 1970 (Howard Hinnant's civil-from-days): a history page
/// formats a hundred of these, and Foundation's format style costs microseconds each.
public enum RFC3339 {
    public static func string(_ date: Date) -> String { format(date, milliseconds: false) }

    /// With milliseconds (`2026-11-22T10:00:00.250Z`, truncated), for lists of results where
    /// several fall in one second (history pages).
    public static func milliseconds(_ date: Date) -> String { format(date, milliseconds: true) }

    /// An RFC 3339 `date-time` (section 5.6), exactly: any offset to ±23:59, `t` and `z` in
    /// either case, a fraction of any length kept, a leap second as the second after, years 0000
    /// to 9999 in the proleptic Gregorian calendar. Nothing else: no date alone, no space for
    /// the `T`. Foundation's ISO 8601 style refused offsets past ±18h and lower-case letters,
    /// and shifted dates before 1582 to the Julian calendar.
    public static func date(_ string: String) -> Date? {
        let b = Array(string.utf8)
        var i = 0
        func number(_ width: Int) -> Int? {
            guard i + width <= b.count else { return nil }
            var v = 0
            for c in b[i..<(i + width)] {
                guard c >= 0x30, c <= 0x39 else { return nil }
                v = v * 10 + Int(c - 0x30)
            }
            i += width
            return v
        }
        func take(_ accepted: String) -> Bool {
            guard i < b.count, accepted.utf8.contains(b[i]) else { return false }
            i += 1
            return true
        }
        guard let year = number(4), take("-"), let month = number(2), take("-"), let day = number(2), take("Tt"),
            let hour = number(2), take(":"), let minute = number(2), take(":"), let second = number(2)
        else { return nil }
        var fraction = 0.0
        if take(".") {
            let start = i
            while i < b.count, b[i] >= 0x30, b[i] <= 0x39 { i += 1 }
            guard i > start, let f = Double("0." + String(decoding: b[start..<i], as: UTF8.self)) else { return nil }
            fraction = f
        }
        var offset = 0
        if !take("Zz") {
            guard i < b.count, b[i] == UInt8(ascii: "+") || b[i] == UInt8(ascii: "-") else { return nil }
            let sign = b[i] == UInt8(ascii: "-") ? -1 : 1
            i += 1
            guard let h = number(2), take(":"), let m = number(2), h <= 23, m <= 59 else { return nil }
            offset = sign * (h * 3600 + m * 60)
        }
        guard i == b.count, (1...12).contains(month), day >= 1, day <= daysIn(month: month, year: year), hour <= 23, minute <= 59,
            second <= 60
        else { return nil }
        let seconds = Int64(daysFromCivil(year: year, month: month, day: day)) * 86_400 + Int64(hour * 3600 + minute * 60 + second - offset)
        return Date(timeIntervalSince1970: Double(seconds) + fraction)
    }

    static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days-from-civil,
    /// the inverse of the arithmetic `format` does).
    static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    /// The civil date (year, month 1-12, day 1-31) of a day counted from 1970-01-01.
    public static func civil(days: Int64) -> (year: Int64, month: Int64, day: Int64) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    private static func format(_ date: Date, milliseconds: Bool) -> String {
        let totalMillis = Int64((date.timeIntervalSince1970 * 1000).rounded(.down))
        let millis = Int((totalMillis % 1000 + 1000) % 1000)
        let seconds = (totalMillis - Int64(millis)) / 1000
        var days = seconds / 86_400
        var rest = seconds - days * 86_400
        if rest < 0 {
            rest += 86_400
            days -= 1
        }
        let (year, month, day) = civil(days: days)
        var out = ""
        out.reserveCapacity(24)
        func pad(_ v: Int64, _ width: Int) {
            let s = String(v)
            if s.count < width { out += String(repeating: "0", count: width - s.count) }
            out += s
        }
        pad(year, 4)
        out += "-"
        pad(month, 2)
        out += "-"
        pad(day, 2)
        out += "T"
        pad(rest / 3600, 2)
        out += ":"
        pad(rest % 3600 / 60, 2)
        out += ":"
        pad(rest % 60, 2)
        if milliseconds {
            out += "."
            pad(Int64(millis), 3)
        }
        out += "Z"
        return out
    }
}
