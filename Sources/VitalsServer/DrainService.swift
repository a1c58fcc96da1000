import ServiceLifecycle
import VitalsCore

/// The first service to hear of shutdown: it flips readiness to 503 at once, then holds for
/// `delay` so load balancers and kubelet see the 503 before the server stops answering.
///
/// It is listed last in the service group, and the group shuts services down in reverse order,
/// so draining starts before the scheduler or the server stop.
public struct DrainService: Service {
    let delay: Duration
    let onDrain: @Sendable () -> Void

    public init(delay: Duration, onDrain: @escaping @Sendable () -> Void) {
        self.delay = delay
        self.onDrain = onDrain
    }

    public func run() async throws {
        // Wait for graceful shutdown (or cancellation) without doing anything else.
        try? await gracefulShutdown()
        onDrain()
        if delay > .zero {
            try? await Task.sleep(for: delay)
        }
    }
}
