import VitalsIO

/// The bytes of `grpc.health.v1.Health/Check`, encoded and decoded by hand: two one-field
/// protobuf messages do not justify a protobuf library, and a hand-written decoder bounds what
/// it reads by construction (a hostile length prefix cannot make it allocate).
///
///     message HealthCheckRequest  { string service = 1; }
///     message HealthCheckResponse { ServingStatus status = 1; }   // UNKNOWN 0, SERVING 1,
///                                                                // NOT_SERVING 2, SERVICE_UNKNOWN 3
///
/// Every gRPC message travels in a length-prefixed frame: one byte (1 = compressed), then the
/// message length as a 4-byte big-endian integer, then the message.
enum GRPCHealthWire {
    static let path = "/grpc.health.v1.Health/Check"

    /// The request frame asking for `service` (empty: the server's overall health, which
    /// proto3 encodes as an empty message).
    static func request(service: String) -> [UInt8] {
        var message: [UInt8] = []
        let name = Array(service.utf8)
        if !name.isEmpty {
            message.append(0x0A)  // field 1, wire type 2 (length-delimited)
            message += varint(UInt64(name.count))
            message += name
        }
        let n = UInt32(message.count)
        return [0, UInt8(n >> 24), UInt8(truncatingIfNeeded: n >> 16), UInt8(truncatingIfNeeded: n >> 8), UInt8(truncatingIfNeeded: n)]
            + message
    }

    static func varint(_ value: UInt64) -> [UInt8] {
        var v = value
        var out: [UInt8] = []
        while v >= 0x80 {
            out.append(UInt8(truncatingIfNeeded: v) | 0x80)
            v >>= 7
        }
        out.append(UInt8(v))
        return out
    }

    /// The serving status a reply reports.
    enum ServingStatus: Equatable, CustomStringConvertible {
        case unknown, serving, notServing, serviceUnknown
        /// A number this protocol version does not define.
        case other(UInt64)

        init(_ number: UInt64) {
            switch number {
            case 0: self = .unknown
            case 1: self = .serving
            case 2: self = .notServing
            case 3: self = .serviceUnknown
            default: self = .other(number)
            }
        }

        var number: UInt64 {
            switch self {
            case .unknown: 0
            case .serving: 1
            case .notServing: 2
            case .serviceUnknown: 3
            case .other(let n): n
            }
        }

        /// The name health.proto gives it, as `grpc-health-probe` prints it.
        var description: String {
            switch self {
            case .unknown: "UNKNOWN"
            case .serving: "SERVING"
            case .notServing: "NOT_SERVING"
            case .serviceUnknown: "SERVICE_UNKNOWN"
            case .other(let n): "serving status \(n)"
            }
        }
    }

    /// Why a reply body is not one HealthCheckResponse.
    enum ReplyError: Error, Equatable, CustomStringConvertible {
        /// No message at all (a server answering with grpc-status 0 must send one).
        case empty
        /// The frame says the message is compressed; the request offered no compression.
        case compressed
        /// What was read is not a complete frame holding a well-formed message.
        case malformed(String)

        var description: String {
            switch self {
            case .empty: "empty reply"
            case .compressed: "compressed reply (none was offered)"
            case .malformed(let why): "malformed reply: \(why)"
            }
        }
    }

    /// The status in the first frame of `body`. Fields other than 1 are skipped, as protobuf
    /// readers do; a repeated field 1 counts by its last value, as protobuf says.
    static func servingStatus(in body: [UInt8]) throws(ReplyError) -> ServingStatus {
        guard !body.isEmpty else { throw .empty }
        guard body.count >= 5 else { throw .malformed("frame header cut at \(body.count) of 5 bytes") }
        switch body[0] {
        case 0: break
        case 1: throw .compressed
        default: throw .malformed("frame flag \(body[0])")
        }
        let length = Int(body[1]) << 24 | Int(body[2]) << 16 | Int(body[3]) << 8 | Int(body[4])
        guard body.count - 5 >= length else { throw .malformed("message cut at \(body.count - 5) of \(length) bytes") }
        var reader = Reader(bytes: body[5..<5 + length])
        var status: UInt64 = 0  // proto3: an absent field is its zero value, UNKNOWN
        while !reader.atEnd {
            let key = try reader.varint()
            let field = key >> 3
            let wireType = key & 7
            if field == 1 && wireType != 0 { throw .malformed("status is not a varint") }
            switch wireType {
            case 0:
                let value = try reader.varint()
                if field == 1 { status = value }
            case 1: try reader.skip(8)
            case 2: try reader.skip(reader.varint())
            case 5: try reader.skip(4)
            default: throw .malformed("wire type \(wireType) of field \(field)")
            }
        }
        return ServingStatus(status)
    }

    private struct Reader {
        let bytes: ArraySlice<UInt8>
        var index: Int

        init(bytes: ArraySlice<UInt8>) {
            self.bytes = bytes
            index = bytes.startIndex
        }

        var atEnd: Bool { index >= bytes.endIndex }

        /// At most 10 bytes, as protobuf allows for 64 bits.
        mutating func varint() throws(ReplyError) -> UInt64 {
            var value: UInt64 = 0
            for shift in stride(from: 0, to: 70, by: 7) {
                guard index < bytes.endIndex else { throw .malformed("varint cut") }
                let b = bytes[index]
                index += 1
                value |= UInt64(b & 0x7F) << UInt64(shift)
                if b & 0x80 == 0 { return value }
            }
            throw .malformed("varint over 10 bytes")
        }

        mutating func skip(_ count: UInt64) throws(ReplyError) {
            guard count <= UInt64(bytes.endIndex - index) else { throw .malformed("field cut") }
            index += Int(count)
        }
    }

    /// `grpc-status` names (the gRPC status codes, `UNIMPLEMENTED` for 12).
    static func statusName(_ code: Int) -> String? {
        let names = [
            "OK", "CANCELLED", "UNKNOWN", "INVALID_ARGUMENT", "DEADLINE_EXCEEDED", "NOT_FOUND", "ALREADY_EXISTS",
            "PERMISSION_DENIED", "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION", "ABORTED", "OUT_OF_RANGE", "UNIMPLEMENTED",
            "INTERNAL", "UNAVAILABLE", "DATA_LOSS", "UNAUTHENTICATED",
        ]
        return names.indices.contains(code) ? names[code] : nil
    }

    /// `grpc-message` as sent: UTF-8, percent-encoded. Decoded leniently, as the gRPC spec
    /// asks (a `%` not followed by two hex digits stays as it is), then made one printable line
    /// (a peer's text goes into a one-line message) of at most 300 characters; only the first
    /// 4 KiB are looked at.
    static func message(_ encoded: String) -> String {
        let raw = Array(encoded.utf8.prefix(4096))
        var bytes: [UInt8] = []
        bytes.reserveCapacity(raw.count)
        var i = 0
        while i < raw.count {
            if raw[i] == UInt8(ascii: "%"), i + 2 < raw.count, let high = hex(raw[i + 1]), let low = hex(raw[i + 2]) {
                bytes.append(high << 4 | low)
                i += 3
            } else {
                bytes.append(raw[i])
                i += 1
            }
        }
        var text = String.UnicodeScalarView()
        for scalar in String(decoding: bytes, as: UTF8.self).unicodeScalars {
            text.append(scalar.properties.generalCategory == .control ? " " : scalar)
        }
        return MessageText.oneLine(String(text))
    }

    private static func hex(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): c - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): c - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
