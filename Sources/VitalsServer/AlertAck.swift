import Foundation

/// The body of `POST /api/v1/alerts/ID/ack`: `{"by":"alice","comment":"on it, INC-42"}`.
///
/// Strict, like the config: an unknown key is refused rather than ignored (`"author"` for
/// `"by"` would otherwise record an acknowledgement by nobody), `by` is required, and both
/// texts are bounded so a client cannot grow the alert state that is kept and stored.
struct AckRequest: Equatable {
    var by: String
    var comment: String

    /// A name or an address: one line, short (characters, as JSON Schema's `maxLength` counts).
    static let maxByLength = 256
    /// A sentence or a link to a ticket, not a document.
    static let maxCommentLength = 1024

    /// The body as sent, or the answer refusing it: 415 unless it says it is JSON (which also
    /// keeps a cross-site HTML form, which cannot send `application/json`, from acknowledging
    /// alerts on a server without a token), 400 for anything but the object above.
    static func parse(body: [UInt8], contentType: String?) -> Result<AckRequest, AckRefusal> {
        if let refused = AckRefusal.unlessJSON(contentType) { return .failure(refused) }
        guard let object = (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any] else {
            return .failure(.bad(#"the body must be a JSON object: {"by":"...","comment":"..."}"#))
        }
        if let unknown = object.keys.sorted().first(where: { $0 != "by" && $0 != "comment" }) {
            return .failure(.bad("unknown key \(quoted(unknown)): the body takes by and comment"))
        }
        guard let by = object["by"] as? String, by.unicodeScalars.contains(where: { !ByText.isInvisible($0) }) else {
            return .failure(.bad("by is required: a string naming who acknowledges, with something visible in it"))
        }
        guard by.unicodeScalars.count <= maxByLength, !by.unicodeScalars.contains(where: ByText.isForbidden) else {
            return .failure(.bad("by must be one line of at most \(maxByLength) characters"))
        }
        let comment: String
        switch object["comment"] {
        case nil, is NSNull: comment = ""
        case let text as String: comment = text
        default: return .failure(.bad("comment must be a string"))
        }
        guard comment.unicodeScalars.count <= maxCommentLength else {
            return .failure(.bad("comment must be at most \(maxCommentLength) characters"))
        }
        return .success(AckRequest(by: by, comment: comment))
    }

    /// A key the client sent, cut short: the answer must not echo a large body back.
    private static func quoted(_ key: String) -> String {
        "\"" + (key.count > 40 ? key.prefix(40) + "..." : key) + "\""
    }
}

/// What `by` may hold, as one table for the server's check and the OpenAPI document's pattern
/// (schemathesis generates from the pattern and expects the server to agree): one line, no
/// control character (Cc) nor line or paragraph separator (Zl, Zp, U+2028 and U+2029), and
/// something visible, not only spaces (Zs) and format characters (Cf: a lone zero-width space,
/// bidi controls, the byte order mark), which would record an acknowledgement by no one to see.
///
/// The ranges are the Basic Multilingual Plane's scalars of those categories
/// (`AlertAckTests` checks them against the Unicode tables): a JSON Schema pattern is an
/// ECMA-262 expression without the `u` flag, where a class cannot name a scalar past U+FFFF,
/// so the few format characters there (tags, musical formatting) count as visible to both.
enum ByText {
    /// Never anywhere in `by`.
    static let forbidden: [ClosedRange<UInt32>] = [0x0000...0x001F, 0x007F...0x009F, 0x2028...0x2029]
    /// Not enough alone: Cc, Zs, Zl, Zp and Cf.
    static let invisible: [ClosedRange<UInt32>] = [
        0x0000...0x0020, 0x007F...0x00A0, 0x00AD...0x00AD, 0x0600...0x0605, 0x061C...0x061C, 0x06DD...0x06DD,
        0x070F...0x070F, 0x0890...0x0891, 0x08E2...0x08E2, 0x1680...0x1680, 0x180E...0x180E, 0x2000...0x200F,
        0x2028...0x202F, 0x205F...0x2064, 0x2066...0x206F, 0x3000...0x3000, 0xFEFF...0xFEFF, 0xFFF9...0xFFFB,
    ]

    static func isForbidden(_ s: Unicode.Scalar) -> Bool { forbidden.contains { $0.contains(s.value) } }
    static func isInvisible(_ s: Unicode.Scalar) -> Bool { invisible.contains { $0.contains(s.value) } }

    /// `^[^forbidden]*[^invisible][^forbidden]*$`, as it appears inside the JSON document's
    /// string (each `\u` escaped once more for JSON).
    static let pattern: String = {
        func hex(_ v: UInt32) -> String {
            let digits = String(v, radix: 16)
            return "\\u" + String(repeating: "0", count: 4 - digits.count) + digits
        }
        func set(_ ranges: [ClosedRange<UInt32>]) -> String {
            "[^" + ranges.map { $0.count == 1 ? hex($0.lowerBound) : hex($0.lowerBound) + "-" + hex($0.upperBound) }.joined() + "]"
        }
        return "^" + set(forbidden) + "*" + set(invisible) + set(forbidden) + "*$"
    }()
}

struct AckRefusal: Error, Equatable {
    var status: Int
    var message: String

    static func bad(_ message: String) -> AckRefusal { AckRefusal(status: 400, message: message) }

    /// 415 unless the body says it is JSON: a cross-site HTML form cannot send
    /// `application/json`, so this also keeps one from posting to a server without a token.
    static func unlessJSON(_ contentType: String?) -> AckRefusal? {
        let mediaType = contentType?.split(separator: ";").first?.trimmingCharacters(in: .whitespaces).lowercased()
        return mediaType == "application/json" ? nil : AckRefusal(status: 415, message: "send the body as Content-Type: application/json")
    }
}

extension HealthRoutes {
    /// `POST /api/v1/alerts/ID/ack` (the id percent-decoded: `%3A` for `:` is fine), after the
    /// method and token checks every guarded route makes: 200 with the alert as `/alerts` lists
    /// it, 404 when no alert with that id fires.
    func acknowledge(_ call: RouteCall) -> HealthAnswer {
        let request = call.request, id = call["id"]
        guard let acknowledge = extras.acknowledge else { return .plain(404, "alerting is not configured\n") }
        switch AckRequest.parse(body: request.body, contentType: request.contentType) {
        case .failure(let refusal):
            return .plain(refusal.status, refusal.message + "\n")
        case .success(let ack):
            guard let json = acknowledge(id, ack.by, ack.comment) else { return .plain(404, "no alert with this id is firing\n") }
            return HealthAnswer(status: 200, contentType: "application/json", body: json)
        }
    }
}
