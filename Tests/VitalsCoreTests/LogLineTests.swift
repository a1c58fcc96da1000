import Foundation
import Testing
import VitalsCore

/// One log line per event, in logfmt or JSON, always on one line.
struct LogLineFormatTests {
    let t = Date(timeIntervalSince1970: 1_795_000_000.25)

    @Test func logfmtQuotesOnlyWhatNeedsIt() {
        let line = LogLine.render(
            .logfmt, time: t, level: "warning", message: "component status changed",
            fields: [("component", "orders-db"), ("message", "status 500; \"slow\"\nsecond line"), ("empty", ""), ("eq", "a=b")])
        #expect(line == #"ts=2026-11-18T11:06:40.250Z level=warning msg="component status changed" component=orders-db message="status 500; \"slow\"\nsecond line" empty="" eq="a=b""#)
        #expect(!line.contains("\n"))
    }

    @Test func jsonIsOneObjectWithEveryField() throws {
        let line = LogLine.render(.json, time: t, level: "info", message: "alert firing", fields: [("alert", "db \"down\""), ("tab", "a\tb")])
        #expect(!line.contains("\n"))
        let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: String])
        #expect(object == ["ts": "2026-11-18T11:06:40.250Z", "level": "info", "msg": "alert firing", "alert": "db \"down\"", "tab": "a\tb"])
    }
}
