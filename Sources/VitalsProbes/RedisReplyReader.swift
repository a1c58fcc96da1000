import CHiredis

/// hiredis' reply parser under one byte budget for a whole exchange: the bytes fed to it, and
/// the elements its arrays declare, before hiredis allocates for them.
///
/// hiredis 0.14 takes an array length up to `INT_MAX` and `calloc`s a pointer per element as
/// soon as it reads the `*N` line: `*2000000000` reserves 16 GB before a single element
/// arrives, and freeing the half-read reply walks all of it (minutes of page-table growth on
/// an executor thread). Every element takes at least 3 bytes on the wire (`+\r\n`), and the
/// elements of all arrays, nested or not, are distinct bytes, so the arrays of an exchange that
/// fits the budget declare at most `limit / 3` elements in all. A declaration past that is
/// refused in the reader's own `createArray` (it returns NULL, which hiredis reports as an
/// error) and told as what it is. hiredis 0.14 parses RESP2 only: arrays are its one aggregate
/// (a RESP3 `%` map or `~` set is a protocol error there, before any allocation).
///
/// The probe and the reply fuzzer both read through this type, so they parse alike.
struct RedisReplyReader: ~Copyable {
    /// What the parser's callbacks read and write, reached through the reader's `privdata`.
    struct Budget {
        /// Elements all arrays may still declare.
        var elementsLeft: Int
        /// The declaration refused, for the message.
        var refused: Int?
    }

    let limit: Int
    private let reader: UnsafeMutablePointer<redisReader>
    private let budget: UnsafeMutablePointer<Budget>
    private var fed = 0

    /// Smallest wire size of one element: `+\r\n`, an empty status line.
    static let minimumElementBytes = 3

    /// Nil only when hiredis cannot allocate a reader.
    init?(limit: Int) {
        guard let reader = redisReaderCreateWithFunctions(Self.functions) else { return nil }
        self.limit = limit
        self.reader = reader
        budget = .allocate(capacity: 1)
        budget.initialize(to: Budget(elementsLeft: limit / Self.minimumElementBytes))
        reader.pointee.privdata = UnsafeMutableRawPointer(budget)
    }

    deinit {
        redisReaderFree(reader)  // frees a half-read reply too, bounded by the budget
        budget.deinitialize(count: 1)
        budget.deallocate()
    }

    /// Bytes still welcome before the exchange is over its budget.
    var bytesLeft: Int { limit - fed }

    /// Counts `count` bytes against the budget, then hands them to hiredis; past the budget
    /// nothing is kept. Nil when fed, else why not.
    mutating func feed(_ bytes: UnsafeRawPointer, count: Int) -> String? {
        guard count <= bytesLeft else { return "reply too large (over \(Self.text(limit)))" }
        fed += count
        guard redisReaderFeed(reader, bytes.assumingMemoryBound(to: CChar.self), count) == REDIS_OK else { return errorText }
        return nil
    }

    enum Next: Equatable {
        /// A whole reply (hiredis' copy already freed).
        case reply(RedisExchange.Reply)
        /// More bytes are needed.
        case needMore
        case failed(String)
    }

    /// The next whole reply from what was fed.
    func next() -> Next {
        var raw: UnsafeMutableRawPointer?
        guard redisReaderGetReply(reader, &raw) == REDIS_OK else { return .failed(errorText) }
        guard let raw else { return .needMore }
        defer { freeReplyObject(raw) }
        return .reply(RedisExchange.convert(raw.assumingMemoryBound(to: redisReply.self)))
    }

    /// The parser's error as one line: a refused declaration said as such, a protocol error
    /// with a hint (hiredis copies it to the context only inside `redisGetReply`, unused here).
    private var errorText: String {
        if let refused = budget.pointee.refused {
            return "reply declares an array of \(refused) elements, over the \(Self.text(limit)) reply budget"
        }
        return RedisExchange.line(err: reader.pointee.err, errstr: RedisExchange.text(of: reader.pointee.errstr))
    }

    static func text(_ bytes: Int) -> String {
        bytes % (1 << 20) == 0 ? "\(bytes >> 20) MiB" : "\(bytes >> 10) KiB"
    }

    /// hiredis' own reply constructors, with `createArray` in front of its default. Made once
    /// and never freed: every reader points at it. Unsafe only in name: filled once, inside the
    /// lazy initializer, and only read after.
    nonisolated(unsafe) private static let functions: UnsafeMutablePointer<redisReplyObjectFunctions> = {
        let table = UnsafeMutablePointer<redisReplyObjectFunctions>.allocate(capacity: 1)
        table.initialize(to: defaults.pointee)
        table.pointee.createArray = { task, elements in
            guard let task, let privdata = task.pointee.privdata else { return nil }
            let budget = privdata.assumingMemoryBound(to: Budget.self)
            guard Int(elements) <= budget.pointee.elementsLeft else {
                budget.pointee.refused = Int(elements)
                return nil
            }
            budget.pointee.elementsLeft -= Int(elements)
            return RedisReplyReader.defaults.pointee.createArray(task, elements)
        }
        return table
    }()

    /// hiredis' default constructors (`defaultFunctions` is static in hiredis.c): read from a
    /// reader made with them, kept for the life of the process; read-only once made.
    nonisolated(unsafe) private static let defaults: UnsafeMutablePointer<redisReplyObjectFunctions> = {
        let table = UnsafeMutablePointer<redisReplyObjectFunctions>.allocate(capacity: 1)
        guard let reader = redisReaderCreate(), let fn = reader.pointee.fn else { fatalError("hiredis cannot allocate a reader") }
        table.initialize(to: fn.pointee)
        redisReaderFree(reader)
        return table
    }()
}
