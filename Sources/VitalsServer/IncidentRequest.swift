import Foundation
import VitalsCore

/// The bodies of `POST /api/v1/incidents` and `POST /api/v1/incidents/ID/updates`, checked as
/// strictly as the config: an unknown key, a status or impact outside its list, a title of
/// more than one line or a text over its bound is a 400 that says which; a component or page
/// the config does not have is a 404; nothing is stored.
struct IncidentRequest {
    static let createKeys = ["title", "type", "status", "impact", "components", "pages", "message"]
    static let updateKeys = ["status", "message"]

    /// A new incident (its id is the book's to give), from the body.
    static func parseCreate(body: [UInt8], contentType: String?, components: Set<String>, pages: Set<String>, now: Date)
        -> Result<PostedIncident, AckRefusal>
    {
        let object: [String: Any]
        switch jsonObject(body, contentType, keys: createKeys) {
        case .failure(let refusal): return .failure(refusal)
        case .success(let o): object = o
        }
        guard let title = object["title"] as? String, title.unicodeScalars.contains(where: { !ByText.isInvisible($0) }) else {
            return .failure(.bad("title is required: a string with something visible in it"))
        }
        guard title.unicodeScalars.count <= PostedIncident.maxTitle, !title.unicodeScalars.contains(where: ByText.isForbidden) else {
            return .failure(.bad("title must be one line of at most \(PostedIncident.maxTitle) characters"))
        }
        guard let kind = choice(object["type"], PostedIncident.Kind.self, default: .incident) else {
            return .failure(.bad("type must be one of incident, announcement"))
        }
        guard let status = choice(object["status"], PostedIncident.Status.self, default: .investigating) else {
            return .failure(.bad("status must be one of " + PostedIncident.Status.allCases.map(\.rawValue).joined(separator: ", ")))
        }
        guard let impact = choice(object["impact"], PostedIncident.Impact.self, default: kind == .announcement ? .none : .minor) else {
            return .failure(.bad("impact must be one of " + PostedIncident.Impact.allCases.map(\.rawValue).joined(separator: ", ")))
        }
        let named: [String], onPages: [String]
        switch names(object["components"], "components", known: components, max: PostedIncident.maxComponents) {
        case .failure(let r): return .failure(r)
        case .success(let n): named = n
        }
        switch names(object["pages"], "pages", known: pages, max: 100) {
        case .failure(let r): return .failure(r)
        case .success(let n): onPages = n
        }
        switch message(object["message"]) {
        case .failure(let r): return .failure(r)
        case .success(let text):
            return .success(PostedIncident(
                id: 0, kind: kind, title: title, impact: impact, components: named, pages: onPages, createdAt: now,
                updates: [.init(at: now, status: status, message: text)]))
        }
    }

    static func parseUpdate(body: [UInt8], contentType: String?, now: Date) -> Result<PostedIncident.Update, AckRefusal> {
        let object: [String: Any]
        switch jsonObject(body, contentType, keys: updateKeys) {
        case .failure(let refusal): return .failure(refusal)
        case .success(let o): object = o
        }
        guard object["status"] != nil, let status = choice(object["status"], PostedIncident.Status.self, default: .investigating) else {
            return .failure(.bad("status is required, one of " + PostedIncident.Status.allCases.map(\.rawValue).joined(separator: ", ")))
        }
        return message(object["message"]).map { PostedIncident.Update(at: now, status: status, message: $0) }
    }

    /// 415 unless the body says it is JSON (a cross-site form cannot), 400 unless it is an
    /// object with only `keys`.
    static func jsonObject(_ body: [UInt8], _ contentType: String?, keys: [String]) -> Result<[String: Any], AckRefusal> {
        if let refused = AckRefusal.unlessJSON(contentType) { return .failure(refused) }
        guard let object = (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any] else {
            return .failure(.bad("the body must be a JSON object with " + keys.joined(separator: ", ")))
        }
        if let unknown = object.keys.sorted().first(where: { !keys.contains($0) }) {
            return .failure(.bad("unknown key \"\(unknown.prefix(40))\": the body takes " + keys.joined(separator: ", ")))
        }
        return .success(object)
    }

    /// Absent is the default; `null` is refused like any other value outside the list.
    static func choice<T: RawRepresentable>(_ value: Any?, _ type: T.Type, default d: T) -> T? where T.RawValue == String {
        switch value {
        case nil: return d
        case let s as String: return T(rawValue: s)
        default: return nil
        }
    }

    /// A list of known names, absent for none. A name the config does not have is a 404 (what
    /// it names does not exist), a value that is not a list of strings (`null` too) a 400.
    static func names(_ value: Any?, _ key: String, known: Set<String>, max: Int) -> Result<[String], AckRefusal> {
        switch value {
        case nil: return .success([])
        case let list as [Any]:
            guard list.count <= max else { return .failure(.bad("\(key) names at most \(max)")) }
            var out: [String] = []
            for item in list {
                guard let name = item as? String else { return .failure(.bad("\(key) must be a list of strings")) }
                guard known.contains(name) else {
                    let what = key == "pages" ? "status page has the slug" : "component is named"
                    return .failure(AckRefusal(status: 404, message: "\(key): no \(what) \"\(name.prefix(80))\""))
                }
                if !out.contains(name) { out.append(name) }
            }
            return .success(out)
        default: return .failure(.bad("\(key) must be a list of strings"))
        }
    }

    static func message(_ value: Any?) -> Result<String, AckRefusal> {
        guard let text = value as? String, !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
            return .failure(.bad("message is required: what people should know"))
        }
        guard text.unicodeScalars.count <= PostedIncident.maxMessage else {
            return .failure(.bad("message must be at most \(PostedIncident.maxMessage) characters"))
        }
        return .success(text)
    }
}
