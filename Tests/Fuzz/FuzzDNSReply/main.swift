import FuzzSupport
import VitalsIO

/// Bytes as a DNS server might answer (what c-ares hands over: up to 512 bytes over UDP, 64 KiB
/// over TCP) through the reply parser, and each answer's text and type name as the probe shows them.
fuzz { bytes in
    guard let reply = try? DNSReply(parsing: Array(bytes)) else { return }
    for answer in reply.answers { _ = (answer.typeName, answer.text.utf8.count) }
}
