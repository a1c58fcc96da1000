/// How wide text is in 11px Verdana, the font shields.io sizes its badges by, so a badge's boxes
/// fit their text in the browsers that draw it (with DejaVu Sans in its place, a little wider,
/// `textLength` squeezes the text into the same box).
///
/// Advance widths of Verdana's printable ASCII glyphs (font units over 2048, times 11), as
/// anafanafo measures them for shields.io to within a tenth of a pixel: `m` is 10.7 px,
/// `v1.2.511` 49.2 px (Chrome: 49.48). Anything outside ASCII counts as 11 px, as wide as the
/// widest ASCII glyphs, so a badge may have room to spare but never clips its text.
enum VerdanaWidths {
    /// U+0020 to U+007E in order.
    private static let ascii: [Double] = [
        3.87, 4.35, 5.06, 9.22, 7.0, 11.92, 8.02, 2.79, 4.88, 4.88, 7.0, 9.22, 3.91, 4.88, 3.91, 4.88,
        7.0, 7.0, 7.0, 7.0, 7.0, 7.0, 7.0, 7.0, 7.0, 7.0, 4.88, 4.88, 9.22, 9.22, 9.22, 5.98,
        11.0, 7.52, 7.55, 7.68, 8.47, 6.95, 6.33, 8.52, 8.27, 4.63, 4.93, 7.64, 6.26, 9.28, 8.23, 8.66,
        6.66, 8.66, 7.65, 7.54, 6.65, 8.05, 7.52, 10.9, 7.54, 6.65, 7.55, 4.88, 4.88, 4.88, 9.22, 7.0,
        7.0, 6.6, 6.85, 5.73, 6.85, 6.55, 3.87, 6.85, 6.96, 3.02, 3.63, 6.38, 3.02, 10.7, 6.96, 6.68,
        6.85, 6.85, 4.69, 5.73, 4.33, 6.96, 6.38, 8.84, 6.38, 6.38, 5.84, 6.98, 4.88, 6.98, 9.22,
    ]
    static let otherWidth = 11.0

    static func width(of text: String) -> Double {
        var total = 0.0
        for scalar in text.unicodeScalars {
            let v = Int(scalar.value)
            total += (32...126).contains(v) ? ascii[v - 32] : otherWidth
        }
        return total
    }

    /// shields.io's rounding: down to whole pixels, then up to an odd number, so that the text's
    /// centre (box width over two, with 5 px either side) falls on a half pixel as its glyphs do.
    static func preferredWidth(of text: String) -> Int {
        let w = Int(width(of: text))
        return w % 2 == 0 ? w + 1 : w
    }
}
