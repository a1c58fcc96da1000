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
        let mediaType = contentType?.split(separator: ";").first?.trimmingCharacters(in: .whitespaces).lowercased()
        guard mediaType == "application/json" else {
            return .failure(AckRefusal(status: 415, message: "send the body as Content-Type: application/json"))
        }
        guard let object = (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any] else {
            return .failure(.bad(#"the body must be a JSON object: {"by":"...","comment":"..."}"#))
        }
        if let unknown = object.keys.sorted().first(where: { $0 != "by" && $0 != "comment" }) {
            return .failure(.bad("unknown key \(quoted(unknown)): the body takes by and comment"))
        }
        // The same rule as the OpenAPI document's pattern for `by`: something besides Unicode
        // white space (and the byte order mark), no control character (a line break among them).
        guard let by = object["by"] as? String,
            by.unicodeScalars.contains(where: { !$0.properties.isWhitespace && !isControl($0) && $0 != "\u{FEFF}" })
        else {
            return .failure(.bad("by is required: a non-empty string naming who acknowledges"))
        }
        guard by.unicodeScalars.count <= maxByLength, !by.unicodeScalars.contains(where: isControl) else {
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

    /// C0 and C1 control characters (general category Cc).
    private static func isControl(_ s: Unicode.Scalar) -> Bool { s.properties.generalCategory == .control }

    /// A key the client sent, cut short: the answer must not echo a large body back.
    private static func quoted(_ key: String) -> String {
        "\"" + (key.count > 40 ? key.prefix(40) + "..." : key) + "\""
    }
}

struct AckRefusal: Error, Equatable {
    var status: Int
    var message: String

    static func bad(_ message: String) -> AckRefusal { AckRefusal(status: 400, message: message) }
}

extension Route {
    /// `/api/v1/alerts/ID/ack` with one non-empty path segment as ID (`%3A` for `:` is fine).
    static func alertAckID(_ path: String) -> String? {
        let prefix = "/api/v1/alerts/", suffix = "/ack"
        guard path.hasPrefix(prefix), path.hasSuffix(suffix), path.count > prefix.count + suffix.count else { return nil }
        let segment = path.dropFirst(prefix.count).dropLast(suffix.count)
        guard !segment.contains("/"), let id = String(segment).removingPercentEncoding, !id.isEmpty else { return nil }
        return id
    }
}

extension HealthRoutes {
    /// `POST /api/v1/alerts/ID/ack`, after the method and token checks every guarded route
    /// makes: 200 with the alert as `/alerts` lists it, 404 when no alert with that id fires.
    func acknowledge(_ request: HealthRequest, id: String) -> HealthAnswer {
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
