import ServiceLifecycle
import VitalsCore

/// Reads every SLO's standing every `SLOBoard.period` into the board that `/metrics` and the
/// burn-rate alerts read: a scrape never waits on storage, and a thousand SLOs cost two roll-up
/// queries per period. Storage that does not answer keeps the previous standing.
public struct SLOService: Service {
    let reader: SLOReader
    let board: SLOBoard

    public init(reader: SLOReader, board: SLOBoard) {
        self.reader = reader
        self.board = board
    }

    public func run() async throws {
        try await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                if let statuses = await reader.statuses().value { board.update(statuses) }
                try? await Task.sleep(for: SLOBoard.period)
            }
        }
    }
}
