import Foundation
import Testing
@testable import VitalsCore

/// The hand-written formatter agrees with Foundation's ISO 8601 style, second and millisecond.
struct RFC3339Tests {
    static let utc = TimeZone(identifier: "UTC")!

    @Test(arguments: [0.0, 951_782_400, 1_796_316_341.031_28, 4_102_444_799.999, 1_709_164_800.5, -86_400.25, 253_402_300_799])
    func matchesFoundation(seconds: Double) {
        let date = Date(timeIntervalSince1970: seconds)
        #expect(RFC3339.string(date) == date.formatted(Date.ISO8601FormatStyle(timeZone: Self.utc)))
        // Mid-millisecond, so that Foundation's own rounding of the double cannot tip it.
        let millis = Date(timeIntervalSince1970: (seconds * 1000).rounded(.down) / 1000 + 0.0004)
        #expect(RFC3339.milliseconds(date) == millis.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true, timeZone: Self.utc)))
    }

    @Test func everyDayOfFourHundredYearsMatches() {
        var day = Date(timeIntervalSince1970: -2_208_988_800)  // 1900-01-01
        for _ in 0..<(146_097 / 7) {
            #expect(RFC3339.string(day) == day.formatted(Date.ISO8601FormatStyle(timeZone: Self.utc)))
            day += 7 * 86_400 + 3_601
        }
    }

    /// Parsing takes every RFC 3339 date-time (what JSON Schema's `date-time` format allows, so
    /// what an OpenAPI client may send to `?since=`) and nothing else.
    @Test func parsesWhatRFC3339Allows() throws {
        let cases: [(String, Double)] = [
            ("2026-11-22T10:00:00Z", 1_795_341_600), ("2026-11-22t10:00:00z", 1_795_341_600),
            ("2026-11-22T10:00:00.25Z", 1_795_341_600.25), ("2026-11-22T11:00:00+01:00", 1_795_341_600),
            ("2026-11-23T07:34:00+21:34", 1_795_341_600), ("2026-11-21T12:58:00-21:02", 1_795_341_600),
            ("2026-11-22T10:00:00.123456789Z", 1_795_341_600.123_456_789), ("1970-01-01T00:00:00Z", 0),
            ("1990-12-31T23:59:60Z", 662_688_000), ("2000-02-29T00:00:00Z", 951_782_400),
            // Proleptic Gregorian, as the formatter writes it.
            ("0678-06-05T06:09:48Z", -40_758_141_012), ("0000-01-01T00:00:00Z", -62_167_219_200),
        ]
        for (text, seconds) in cases {
            let parsed = try #require(RFC3339.date(text), "\(text)")
            #expect(abs(parsed.timeIntervalSince1970 - seconds) < 1e-6, "\(text)")
        }
        for s in [0.0, 1_796_316_341.031, -86_400.25, 253_402_300_799] {
            let date = Date(timeIntervalSince1970: s)
            #expect(RFC3339.date(RFC3339.milliseconds(date))?.timeIntervalSince1970 == (s * 1000).rounded(.down) / 1000)
        }
        for bad in [
            "2026-11-22", "2026-11-22 10:00:00Z", "2026-11-22T10:00:00", "2026-13-01T00:00:00Z", "2026-02-29T00:00:00Z",
            "1900-02-29T00:00:00Z", "2026-04-31T00:00:00Z", "2026-11-22T24:00:00Z", "2026-11-22T10:60:00Z", "2026-11-22T10:00:61Z",
            "2026-11-22T10:00:00+24:00", "2026-11-22T10:00:00+01:60", "2026-11-22T10:00:00.Z", "2026-11-22T10:00:00Zjunk",
            "26-11-22T10:00:00Z", "2026-11-22T10:00:00+0100", "yesterday", "", "２０２６-11-22T10:00:00Z",
        ] {
            #expect(RFC3339.date(bad) == nil, "\(bad)")
        }
    }

    @Test func quotesOnlyWhatNeedsIt() {
        #expect(JSONString.quoted("plain text, ünïcode") == "\"plain text, ünïcode\"")
        #expect(JSONString.quoted("a\"b\\c\nd\u{1}") == "\"a\\\"b\\\\c\\nd\\u0001\"")
    }
}
