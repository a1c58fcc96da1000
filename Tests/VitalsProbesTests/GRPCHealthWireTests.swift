import Foundation
import Testing
@testable import VitalsProbes

/// The hand-written protobuf of Health/Check: what a real server decodes (bytes compared with
/// what protoc's encoders produce) and what a hostile reply cannot make the decoder do.
struct GRPCHealthWireTests {
    @Test func requestFramesMatchProtobuf() {
        // protobuf: HealthCheckRequest(service="") serializes to nothing, "users.v1.Users" to
        // 0a 0e + the name (health_pb2.HealthCheckRequest(...).SerializeToString()).
        #expect(GRPCHealthWire.request(service: "") == [0, 0, 0, 0, 0])
        #expect(GRPCHealthWire.request(service: "users.v1.Users") == [0, 0, 0, 0, 16, 0x0A, 14] + Array("users.v1.Users".utf8))
        // A name of 300 bytes needs a two-byte length: 300 = 0xAC 0x02.
        let long = String(repeating: "s", count: 300)
        #expect(GRPCHealthWire.request(service: long).prefix(8) == [0, 0, 0, 0x01, 0x2F, 0x0A, 0xAC, 0x02])
    }

    func frame(_ message: [UInt8], flag: UInt8 = 0) -> [UInt8] {
        let n = message.count
        return [flag, UInt8(n >> 24), UInt8((n >> 16) & 0xFF), UInt8((n >> 8) & 0xFF), UInt8(n & 0xFF)] + message
    }

    @Test func servingStatusesDecode() throws {
        #expect(try GRPCHealthWire.servingStatus(in: frame([0x08, 0x01])) == .serving)
        #expect(try GRPCHealthWire.servingStatus(in: frame([0x08, 0x02])) == .notServing)
        #expect(try GRPCHealthWire.servingStatus(in: frame([0x08, 0x03])) == .serviceUnknown)
        // proto3 leaves a zero value out: an empty message is UNKNOWN.
        #expect(try GRPCHealthWire.servingStatus(in: frame([])) == .unknown)
        #expect(try GRPCHealthWire.servingStatus(in: frame([0x08, 0x07])).description == "serving status 7")
    }

    @Test func unknownFieldsAreSkippedAndTheLastStatusWins() throws {
        // field 2 varint, field 3 64-bit, field 4 bytes, field 5 32-bit, then status; then status again.
        let message: [UInt8] = [0x10, 0x96, 0x01, 0x19] + [UInt8](repeating: 0xFF, count: 8) + [0x22, 0x03, 0x08, 0x02, 0x08]
            + [0x2D, 1, 2, 3, 4] + [0x08, 0x02, 0x08, 0x01]
        #expect(try GRPCHealthWire.servingStatus(in: frame(message)) == .serving)
    }

    @Test(arguments: [
        ([UInt8](), GRPCHealthWire.ReplyError.empty),
        ([0, 0, 0], .malformed("frame header cut at 3 of 5 bytes")),
        ([1, 0, 0, 0, 2, 0x08, 0x01], .compressed),
        ([2, 0, 0, 0, 2, 0x08, 0x01], .malformed("frame flag 2")),
        // A length prefix claiming 4 GiB allocates nothing: it is compared with what was read.
        ([0, 0xFF, 0xFF, 0xFF, 0xFF, 0x08, 0x01], .malformed("message cut at 2 of 4294967295 bytes")),
        ([0, 0, 0, 0, 2, 0x08, 0xFF], .malformed("varint cut")),
        ([0, 0, 0, 0, 11, 0x08] + [UInt8](repeating: 0xFF, count: 10), .malformed("varint over 10 bytes")),
        ([0, 0, 0, 0, 3, 0x22, 0x7F, 0x00], .malformed("field cut")),
        ([0, 0, 0, 0, 2, 0x0A, 0x00], .malformed("status is not a varint")),
        ([0, 0, 0, 0, 1, 0x13], .malformed("wire type 3 of field 2")),
    ])
    func badRepliesSayWhy(body: [UInt8], error: GRPCHealthWire.ReplyError) {
        #expect(throws: error) { try GRPCHealthWire.servingStatus(in: body) }
    }

    @Test func grpcMessagesArePercentDecodedOnOneLine() {
        #expect(GRPCHealthWire.message("token 100%25 rejected %E2%80%94 ask ops%0Asecond line") == "token 100% rejected — ask ops second line")
        // Not an escape: kept as sent (the gRPC spec asks for lenient decoding).
        #expect(GRPCHealthWire.message("50% off %zz %4") == "50% off %zz %4")
        #expect(GRPCHealthWire.message("bell%07tab%09end%00") == "bell tab end")
        let long = GRPCHealthWire.message(String(repeating: "x", count: 100_000))
        #expect(long.count == 300 && long.hasSuffix("..."))
        #expect(GRPCHealthWire.statusName(12) == "UNIMPLEMENTED" && GRPCHealthWire.statusName(16) == "UNAUTHENTICATED")
        #expect(GRPCHealthWire.statusName(17) == nil)
    }
}
