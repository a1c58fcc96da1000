import Foundation
import VitalsCore

/// What every page shares: escaping, the document around the body, the stylesheet, and the
/// words and symbols for a status.
///
/// Component names, messages and observations come from configs and from dependencies (a
/// probed server chooses its error text), so every piece of text goes through `escape` on its
/// way in, attribute values included. The pages carry no script at all; the one inline
/// stylesheet is allowed by a nonce drawn per answer, so the Content-Security-Policy forbids
/// any other style or script even if something slipped through.
enum HTML {
    /// `&`, `<`, `>`, `"` and `'` as entities: safe in text and in quoted attribute values
    /// (the one escape the badges and the mail's HTML part use too).
    static func escape(_ s: String) -> String { XMLText.escape(s) }

    /// Text a probe, a target or a config supplied (names, messages, observations), escaped and
    /// isolated in `<bdi>`: a right-to-left override (U+202E) or a right-to-left name then
    /// reorders only itself, never the page's words around it ("since", the status, the next
    /// name in a list). For text content; attribute values take `escape`.
    static func text(_ s: String) -> String { "<bdi>" + XMLText.escape(s) + "</bdi>" }

    /// A page: its answer carries the policy and the nonce its stylesheet needs. `refresh`
    /// seconds: a meta refresh, which works with scripts off.
    static func page(title: String, refresh: Int, body: String) -> Rendered {
        let nonce = Self.nonce()
        var out = "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">"
        out += "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">"
        out += "<meta http-equiv=\"refresh\" content=\"\(refresh)\">"
        out += "<title>" + escape(title) + "</title><style nonce=\"\(nonce)\">" + stylesheet + "</style></head><body>"
        out += body
        out += "</body></html>"
        return Rendered(status: 200, contentType: "text/html; charset=utf-8", body: out, policy: policy(nonce: nonce))
    }

    /// Nothing from anywhere, no script at all; only the page's own stylesheet (by its nonce)
    /// and links within this origin. Images are inline SVG, which needs no source.
    static func policy(nonce: String) -> String {
        "default-src 'none'; style-src 'nonce-\(nonce)'; img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    }

    /// 128 random bits, base64 (a nonce must not be guessable to be worth anything).
    static func nonce() -> String {
        var g = SystemRandomNumberGenerator()
        var bytes: [UInt8] = []
        for _ in 0..<2 { withUnsafeBytes(of: g.next() as UInt64) { bytes += $0 } }
        return Data(bytes).base64EncodedString()
    }

    /// The CSS class of a status (the colours are in the stylesheet).
    static func cls(_ s: HealthStatus) -> String {
        switch s {
        case .healthy: "h"
        case .degraded: "d"
        case .unhealthy: "u"
        case .unknown: "n"
        }
    }

    /// Never colour alone: a symbol and the word go with it.
    static func symbol(_ s: HealthStatus) -> String {
        switch s {
        case .healthy: "✓"
        case .degraded: "!"
        case .unhealthy: "✗"
        case .unknown: "?"
        }
    }

    /// `<span class="st u">✗ unhealthy</span>`.
    static func badge(_ s: HealthStatus) -> String {
        "<span class=\"st " + cls(s) + "\">" + symbol(s) + " " + s.rawValue + "</span>"
    }

    /// `2026-11-22 10:00:05 UTC`.
    static func time(_ d: Date) -> String {
        var s = RFC3339.string(d)
        s = s.replacingOccurrences(of: "T", with: " ")
        if s.hasSuffix("Z") { s.removeLast() }
        return s + " UTC"
    }

    /// `14:05` for a time within the last day, `Nov 22` before: short enough for a table cell.
    static func short(_ d: Date, now: Date) -> String {
        now.timeIntervalSince(d) < 86_400 ? String(RFC3339.string(d).dropFirst(11).prefix(5)) : day(d)
    }

    /// `Nov 22`: a day within the last 90, as a strip's cell names it.
    static func day(_ d: Date) -> String {
        let (_, month, day) = RFC3339.civil(days: Int64((d.timeIntervalSince1970 / 86_400).rounded(.down)))
        return months[Int(month) - 1] + " " + String(day)
    }

    static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    /// A span of time as people say it: `45s`, `12m`, `3h 12m`, `2d 4h`.
    static func span(_ seconds: Double) -> String {
        let s = max(0, Int(seconds.rounded(.down)))
        if s < 60 { return "\(s)s" }
        if s < 3600 { return "\(s / 60)m" }
        if s < 86_400 { return "\(s / 3600)h" + (s % 3600 >= 60 ? " \(s % 3600 / 60)m" : "") }
        return "\(s / 86_400)d" + (s % 86_400 >= 3600 ? " \(s % 86_400 / 3600)h" : "")
    }

    /// A number of seconds as people read it: a latency under a minute (`3.1 ms`, `2.3 s`),
    /// longer ones as a span (`10d`, `3h 12m`), negative ones (an expired certificate) as
    /// `-2d`. Never `863953 seconds` nor `1209600.0 s`.
    static func seconds(_ v: Double) -> String {
        if abs(v) < 60 { return latency(v) }
        return (v < 0 ? "-" : "") + span(abs(v))
    }

    /// An observation's value with its unit, for a person: seconds as `seconds`, a Unix time
    /// (a `_timestamp` observation, such as a certificate's expiry) as a date, bytes in KiB,
    /// MiB or GiB, percentages with `%`.
    static func quantity(_ name: String, _ v: Double, unit: String?) -> String {
        switch unit {
        case "seconds" where name.hasSuffix("_timestamp"): return time(Date(timeIntervalSince1970: v))
        case "seconds": return seconds(v)
        case "percent": return number(v) + "%"
        case "bytes":
            let steps = [(1_073_741_824.0, " GiB"), (1_048_576.0, " MiB"), (1024.0, " KiB")]
            for (size, name) in steps where abs(v) >= size { return fixed(v / size, 1) + name }
            return number(v) + " B"
        default: return number(v) + (unit.map { " " + $0 } ?? "")
        }
    }

    /// A plain number: whole numbers without decimals, others with up to three.
    static func number(_ v: Double) -> String {
        if v == v.rounded() && abs(v) < 1e15 { return String(Int(v)) }
        var s = fixed(v, 3)
        while s.hasSuffix("0") { s.removeLast() }
        return s
    }

    /// An uptime ratio as a percentage with as many decimals as tell nines apart: `100%`,
    /// `99.93%`, `87.5%`; `–` when nothing was known.
    static func percent(_ ratio: Double?) -> String {
        guard let r = ratio else { return "–" }
        if r >= 1 { return "100%" }
        let p = r * 100
        return p >= 99 ? fixed(p, 2, rule: .down) + "%" : fixed(p, 1, rule: .down) + "%"
    }

    /// Latency in milliseconds with a sensible precision: `0.42 ms`, `3.1 ms`, `120 ms`, `2.3 s`.
    static func latency(_ seconds: Double) -> String {
        let ms = seconds * 1000
        if ms < 1 { return fixed(ms, 2) + " ms" }
        if ms < 10 { return fixed(ms, 1) + " ms" }
        if ms < 1000 { return fixed(ms, 0) + " ms" }
        return fixed(seconds, 1) + " s"
    }

    /// `v` with `decimals` (0 to 3) decimals, as `%.Nf` would write it (Foundation's
    /// `String(format:)` costs microseconds, and a page writes thousands of figures).
    static func fixed(_ v: Double, _ decimals: Int, rule: FloatingPointRoundingRule = .toNearestOrAwayFromZero) -> String {
        let scale = [1, 10, 100, 1000][max(0, min(3, decimals))]
        let n = Int64((abs(v) * Double(scale)).rounded(rule))
        var out = v < 0 && n > 0 ? "-" : ""
        out += String(n / Int64(scale))
        guard decimals > 0 else { return out }
        let frac = String(n % Int64(scale))
        return out + "." + String(repeating: "0", count: decimals - frac.count) + frac
    }

    /// One stylesheet for both pages: status colours that keep contrast in light and dark
    /// schemes, small type for the many numbers, strips that scale with the page.
    static let stylesheet = """
        :root{--bg:#fff;--fg:#1b1f24;--mute:#57606a;--line:#d0d7de;--h:#1a7f37;--d:#b35900;--u:#cf222e;--n:#6e7781;--hb:#dafbe1;--db:#fff1d6;--ub:#ffebe9;--nb:#eaeef2}\
        @media (prefers-color-scheme:dark){:root{--bg:#0d1117;--fg:#e6edf3;--mute:#8d96a0;--line:#30363d;--h:#3fb950;--d:#d29922;--u:#f85149;--n:#8b949e;--hb:#12261e;--db:#2d2210;--ub:#2d1214;--nb:#21262d}}\
        body{margin:0 auto;max-width:1400px;padding:0 16px 24px;font:14px/1.4 system-ui,sans-serif;background:var(--bg);color:var(--fg)}\
        a{color:inherit}h1{font-size:20px;margin:16px 0 8px}h2{font-size:16px;margin:20px 0 6px;border-bottom:1px solid var(--line)}\
        small,.m{color:var(--mute)}.banner{padding:12px 16px;border-radius:6px;font-size:18px;font-weight:600;border-left:8px solid}\
        .banner.h{background:var(--hb);border-color:var(--h)}.banner.d{background:var(--db);border-color:var(--d)}.banner.u{background:var(--ub);border-color:var(--u)}.banner.n{background:var(--nb);border-color:var(--n)}\
        .st{font-weight:600;white-space:nowrap}.st.h{color:var(--h)}.st.d{color:var(--d)}.st.u{color:var(--u)}.st.n{color:var(--n)}\
        table{border-collapse:collapse;width:100%}th{text-align:left;font-weight:600;color:var(--mute);font-size:12px}\
        td,th{padding:3px 6px;border-bottom:1px solid var(--line);vertical-align:middle}td.r,th.r{text-align:right;white-space:nowrap}table.cs td:nth-child(3),table.cs td:nth-child(4),table.cs th:nth-child(3),table.cs th:nth-child(4){text-align:right;white-space:nowrap}\
        ul.inc{padding-left:18px}ul.inc li{margin:2px 0}\
        svg.s{width:270px;height:16px;display:block}svg.c{width:180px;height:16px;display:block}svg.l{width:96px;height:16px;display:inline-block;vertical-align:middle;margin-right:4px}\
        svg.s{-webkit-mask-image:repeating-linear-gradient(90deg,#000 0 .889%,transparent .889% 1.111%);mask-image:repeating-linear-gradient(90deg,#000 0 .889%,transparent .889% 1.111%)}\
        svg.c{-webkit-mask-image:repeating-linear-gradient(90deg,#000 0 1.333%,transparent 1.333% 1.667%);mask-image:repeating-linear-gradient(90deg,#000 0 1.333%,transparent 1.333% 1.667%)}td.st small{font-weight:normal}svg rect{height:16px;fill:var(--h)}svg rect.d{fill:var(--d)}svg rect.u{fill:var(--u)}svg rect.n{fill:var(--nb)}\
        svg polyline{fill:none;stroke:var(--fg);stroke-width:1.2}\
        svg.chart{width:100%;max-width:900px;height:auto;display:block}svg.chart text{font-size:11px;fill:var(--mute)}svg.chart circle{fill:var(--fg)}\
        svg.chart .band{fill:var(--line);opacity:.6}svg.chart .axis{stroke:var(--line)}h3{font-size:13px;margin:12px 0 2px}\
        svg.chart .td{stroke:var(--d);stroke-dasharray:4 3}svg.chart .tu{stroke:var(--u);stroke-dasharray:4 3}\
        dl{display:grid;grid-template-columns:max-content minmax(0,1fr);gap:2px 12px}dt{color:var(--mute)}dd{margin:0}\
        article.pi{border-left:4px solid var(--n);padding:2px 10px;margin:8px 0}article.pi.d{border-color:var(--d)}article.pi.u{border-color:var(--u)}ol.up{list-style:none;padding:0;margin:4px 0}ol.up li{margin:4px 0;white-space:pre-wrap}\
        img.logo{height:28px;max-width:160px;vertical-align:middle}nav{margin:4px 0 8px}body{overflow-wrap:anywhere}tr.g th{padding-top:14px;font-size:14px;color:var(--fg)}tr.g small{font-weight:normal}\
        @media (max-width:960px){body{padding:0 10px 16px}td,th{padding:3px 4px}\
        table.cs,table.cs tbody{display:block}table.cs thead{display:none}\
        table.cs tr{display:grid;grid-template-columns:minmax(0,1fr) 7.5em 5.6em 5.6em;align-items:center;border-bottom:1px solid var(--line)}\
        table.cs tr.g,table.cs tr.g th{display:block}table.cs td{border:0}table.cs td:nth-child(5),table.cs td:nth-child(6){grid-column:1/-1}table.cs td:nth-child(7){display:none}\
        table.cs td:nth-child(3)::before{content:"24h ";font-size:11px;color:var(--mute)}table.cs td:nth-child(4)::before{content:"30d ";font-size:11px;color:var(--mute)}\
        svg.s,svg.c{width:100%;height:auto}}
        """
}
