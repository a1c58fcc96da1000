import FuzzSupport
import CHiredis
@testable import VitalsProbes

/// Bytes as a Redis server might send them, through hiredis' reader (as the probe feeds it)
/// and then our conversion of each reply and, for a bulk string, our INFO parsing.
fuzz { bytes in
    guard let reader = redisReaderCreate() else { return }
    defer { redisReaderFree(reader) }
    if let base = bytes.baseAddress { _ = redisReaderFeed(reader, base.assumingMemoryBound(to: CChar.self), bytes.count) }
    for _ in 0..<64 {
        var raw: UnsafeMutableRawPointer?
        guard redisReaderGetReply(reader, &raw) == REDIS_OK, let raw else { break }
        let reply = RedisExchange.convert(raw.assumingMemoryBound(to: redisReply.self))
        freeReplyObject(raw)
        if case .text(let text) = reply {
            let info = RedisProbe.parseInfo(text)
            _ = RedisProbe.observations(info)
        }
        _ = reply.summary
    }
}

