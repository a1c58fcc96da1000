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

    @Test func quotesOnlyWhatNeedsIt() {
        #expect(JSONString.quoted("plain text, ünïcode") == "\"plain text, ünïcode\"")
        #expect(JSONString.quoted("a\"b\\c\nd\u{1}") == "\"a\\\"b\\\\c\\nd\\u0001\"")
    }
}
