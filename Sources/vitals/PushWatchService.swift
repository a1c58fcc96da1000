import ServiceLifecycle
import VitalsCore
import VitalsStorage

/// Runs the push components' deadlines until graceful shutdown; on a replica sharded on shared
/// PostgreSQL, also takes the pushes that landed on other replicas for components it owns, each
/// once (`PostgresStorage.takePushes` deletes what it returns), every `PeerService.period`.
struct PushWatchService: Service {
    let watch: PushWatch<ContinuousClock>
    let shared: PostgresStorage?

    func run() async throws {
        try await cancelWhenGracefulShutdown {
            await withDiscardingTaskGroup { group in
                group.addTask { await watch.run() }
                if let shared {
                    group.addTask {
                        while !Task.isCancelled {
                            let mine = watch.owned
                            if !mine.isEmpty {
                                for push in await shared.takePushes(components: mine) {
                                    watch.takeOver(push.component, push.result, pushedAt: push.at)
                                }
                            }
                            try? await Task.sleep(for: PeerService.period)
                        }
                    }
                }
            }
        }
    }
}
