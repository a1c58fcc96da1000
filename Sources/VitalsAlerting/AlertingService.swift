import ServiceLifecycle

/// Alerting in the daemon's service group: the engine's queues, persister and tick loop, and
/// the feed that shows it the store, until graceful shutdown.
public struct AlertingService<C: Clock>: Service where C.Duration == Duration {
    let engine: AlertEngine<C>
    let feed: AlertFeed<C>

    public init(engine: AlertEngine<C>, feed: AlertFeed<C>) {
        self.engine = engine
        self.feed = feed
    }

    public func run() async throws {
        try await cancelWhenGracefulShutdown {
            await withDiscardingTaskGroup { group in
                group.addTask { await engine.run() }
                group.addTask { await feed.run() }
            }
        }
    }
}
