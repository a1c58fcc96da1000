import ServiceLifecycle
import VitalsCore

/// Runs the scheduler until graceful shutdown, then cancels it: in-flight probes are ended.
struct SchedulerService: Service {
    let scheduler: Scheduler<ContinuousClock>
    func run() async throws {
        try await cancelWhenGracefulShutdown {
            await scheduler.run()
        }
    }
}
