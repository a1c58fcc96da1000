import FuzzSupport
@testable import VitalsProbes

/// Bytes as a Redis server might send them, through the probe's own reader (`RedisReplyReader`:
/// hiredis' parser under the byte and array budget, then our conversion of each reply) and,
/// for a bulk string, our INFO parsing.
fuzz { bytes in
    guard var reader = RedisReplyReader(limit: RedisExchange.maxReplyBytes) else { return }
    if let base = bytes.baseAddress, reader.feed(base, count: bytes.count) != nil { return }
    for _ in 0..<64 {
        guard case .reply(let reply) = reader.next() else { break }
        if case .text(let text) = reply {
            let info = RedisProbe.parseInfo(text)
            _ = RedisProbe.observations(info)
        }
        _ = reply.summary
    }
}
