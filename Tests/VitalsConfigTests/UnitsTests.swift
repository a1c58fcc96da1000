import Testing
@testable import VitalsConfig

struct UnitsTests {
    @Test(arguments: [
        ("250ms", Duration.milliseconds(250)), ("2s", .seconds(2)), ("5m", .seconds(300)), ("1h", .seconds(3600)),
        ("7d", .seconds(604_800)), ("1h30m", .seconds(5400)), ("1m30s", .seconds(90)), ("1.5s", .milliseconds(1500)),
        ("0", .zero), ("0s", .zero),
    ])
    func durations(text: String, expected: Duration) {
        #expect(Units.duration(text) == expected)
    }

    @Test(arguments: ["10", "2 s", "s", "1x", "", "-1s", "1h30", "ms5", "1e3s", "99999999999d", "1..2s", "٣s"])
    func notDurations(text: String) {
        #expect(Units.duration(text) == nil)
    }

    @Test(arguments: [
        ("512MiB", 536_870_912), ("10GB", 10_000_000_000), ("1KiB", 1024), ("1KB", 1000), ("300", 300), ("64 KiB", 65536), ("2B", 2),
    ])
    func sizes(text: String, expected: Int) {
        #expect(Units.size(text) == expected)
    }

    @Test(arguments: ["", "MiB", "1PB", "1kib", "-1", "99999999999TiB", "1 2"])
    func notSizes(text: String) {
        #expect(Units.size(text) == nil)
    }

    @Test(arguments: [
        (Duration.milliseconds(250), "250ms"), (.seconds(2), "2s"), (.seconds(90), "1m30s"), (.seconds(5400), "1h30m"),
        (.seconds(86_400 * 7), "7d"), (.milliseconds(1500), "1.5s"), (.zero, "0s"),
    ])
    func durationsFormatTheWayTheyAreWritten(d: Duration, expected: String) {
        #expect(DurationFormat.short(d) == expected)
        #expect(Units.duration(expected) == d)
    }
}
