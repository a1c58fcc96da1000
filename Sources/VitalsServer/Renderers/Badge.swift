import VitalsCore

/// A badge as shields.io draws its "flat" style: a grey label box and a coloured message box,
/// 20 px high, each as wide as its text (11px Verdana) plus 5 px either side, text with a faint
/// shadow. READMEs embed it as an image; screen readers get `role="img"`, an `aria-label` and a
/// `<title>` ("label: message"). Every text is XML-escaped.
///
/// The same three fields answer shields.io's endpoint schema (`.json`), for those who would
/// rather have shields.io draw it in another style.
struct Badge: Sendable, Equatable {
    var label: String
    var message: String
    /// `#rrggbb`, from `BadgeColors`.
    var color: String

    static let padding = 5

    func svg() -> String {
        let labelText = VerdanaWidths.preferredWidth(of: label)
        let messageText = VerdanaWidths.preferredWidth(of: message)
        let labelBox = labelText + 2 * Self.padding
        let messageBox = messageText + 2 * Self.padding
        let width = labelBox + messageBox
        let title = XMLText.escape(label + ": " + message)
        let ink = BadgeColors.textColors(on: color)
        // Text is laid out at 10x (font-size 110, scale .1), as shields.io does, so that
        // positions and lengths stay whole numbers at a tenth of a pixel.
        func text(_ s: String, centre: Int, length: Int, ink: (text: String, shadow: String)) -> String {
            let escaped = XMLText.escape(s)
            return "<text aria-hidden=\"true\" x=\"\(centre)\" y=\"150\" fill=\"\(ink.shadow)\" fill-opacity=\".3\" transform=\"scale(.1)\" textLength=\"\(length)\">\(escaped)</text>"
                + "<text x=\"\(centre)\" y=\"140\" transform=\"scale(.1)\" fill=\"\(ink.text)\" textLength=\"\(length)\">\(escaped)</text>"
        }
        var out = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(width)\" height=\"20\" role=\"img\" aria-label=\"\(title)\">"
        out += "<title>\(title)</title>"
        out += "<linearGradient id=\"s\" x2=\"0\" y2=\"100%\"><stop offset=\"0\" stop-color=\"#bbb\" stop-opacity=\".1\"/><stop offset=\"1\" stop-opacity=\".1\"/></linearGradient>"
        out += "<clipPath id=\"r\"><rect width=\"\(width)\" height=\"20\" rx=\"3\" fill=\"#fff\"/></clipPath>"
        out += "<g clip-path=\"url(#r)\"><rect width=\"\(labelBox)\" height=\"20\" fill=\"\(BadgeColors.label)\"/>"
        out += "<rect x=\"\(labelBox)\" width=\"\(messageBox)\" height=\"20\" fill=\"\(XMLText.escape(color))\"/>"
        out += "<rect width=\"\(width)\" height=\"20\" fill=\"url(#s)\"/></g>"
        out += "<g fill=\"#fff\" text-anchor=\"middle\" font-family=\"Verdana,Geneva,DejaVu Sans,sans-serif\" text-rendering=\"geometricPrecision\" font-size=\"110\">"
        out += text(label, centre: labelBox * 5, length: labelText * 10, ink: BadgeColors.textColors(on: BadgeColors.label))
        out += text(message, centre: labelBox * 10 + messageBox * 5, length: messageText * 10, ink: ink)
        out += "</g></svg>"
        return out
    }

    /// shields.io's endpoint schema: `{"schemaVersion":1,"label":..,"message":..,"color":..}`.
    func shieldsJSON() -> String {
        var w = JSONWriter()
        w.object { o in
            o.field("schemaVersion", int: 1)
            o.field("label", label)
            o.field("message", message)
            o.field("color", color)
        }
        return w.out
    }
}
