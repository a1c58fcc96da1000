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

    @Test func jsonWritesNumbersAndBooleansAsSuch() throws {
        let line = LogLine.render(
            .json, time: t, level: "info", message: "vitals started",
            fields: [("components", .int(3)), ("ratio", .double(0.25)), ("draining", .bool(false)), ("nan", .double(.nan)), ("name", "3")])
        #expect(line.hasSuffix(#","components":3,"ratio":0.25,"draining":false,"nan":"nan","name":"3"}"#), "\(line)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        #expect(object["components"] as? Int == 3 && !(object["components"] is String))
        // logfmt has no types: the same fields as plain words.
        let logfmt = LogLine.render(.logfmt, time: t, level: "info", message: "m", fields: [("components", .int(3)), ("draining", .bool(true))])
        #expect(logfmt.hasSuffix(" components=3 draining=true"))
    }
}
