#if canImport(Glibc)
import Glibc
#endif
import CVitalsSystem
import Foundation
import Synchronization

/// Waits for sockets to become readable or writable, for many probes at once, on one thread.
///
/// Non-blocking protocols (a raw TCP connect, libpq's `PQconnectPoll`) park here instead of
/// holding a thread: the probe registers its descriptor with a deadline, and the poller thread
/// resumes it when epoll reports the descriptor ready, when the deadline passes, or when the
/// probe's task is cancelled, whichever comes first. One waiter per descriptor at a time.
public final class SocketPoller: Sendable {
    public static let shared = SocketPoller()

    public enum Interest: Sendable { case readable, writable }
    public enum Outcome: Sendable, Equatable {
        case ready
        case timedOut
        case cancelled
        case failed(Int32)
    }

    private struct Waiter {
        var id: UInt64
        var deadline: ContinuousClock.Instant
        var continuation: CheckedContinuation<Outcome, Never>
    }

    private struct State {
        var nextID: UInt64 = 0
        var waiters: [Int32: Waiter] = [:]
    }

    /// Registration ids start at 1, so id 0 marks the poller's own wake-up descriptor.
    private static let wakeTag: UInt64 = 0
    private let epollFD: Int32
    private let wakeFD: Int32
    private let state = Mutex(State())

    private init() {
        epollFD = epoll_create1(Int32(EPOLL_CLOEXEC))
        wakeFD = eventfd(0, Int32(EFD_NONBLOCK | EFD_CLOEXEC))
        var ev = epoll_event()
        ev.events = EPOLLIN.rawValue
        ev.data.u64 = Self.wakeTag
        _ = epoll_ctl(epollFD, EPOLL_CTL_ADD, wakeFD, &ev)
        let thread = Thread { [self] in loop() }
        thread.name = "vitals-socket-poller"
        thread.start()
    }

    /// Suspends until `fd` is ready for `interest`, the deadline passes, or the task is cancelled.
    public func wait(fd: Int32, for interest: Interest, deadline: ContinuousClock.Instant) async -> Outcome {
        let id = state.withLock { s -> UInt64 in
            s.nextID += 1
            return s.nextID
        }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Outcome, Never>) in
                if Task.isCancelled {
                    continuation.resume(returning: .cancelled)
                    return
                }
                var ev = epoll_event()
                ev.events = (interest == .readable ? EPOLLIN.rawValue : EPOLLOUT.rawValue) | EPOLLONESHOT.rawValue
                    | EPOLLERR.rawValue | EPOLLHUP.rawValue
                // The event carries this registration's id, not just the fd: a descriptor number
                // can be closed and reused, and a stale event must not wake its new waiter.
                ev.data.u64 = Self.tag(fd: fd, id: id)
                let registered = state.withLock { s -> Int32 in
                    s.waiters[fd] = Waiter(id: id, deadline: deadline, continuation: continuation)
                    if epoll_ctl(epollFD, EPOLL_CTL_ADD, fd, &ev) != 0 {
                        let err = errno
                        s.waiters[fd] = nil
                        return err
                    }
                    return 0
                }
                if registered != 0 {
                    continuation.resume(returning: .failed(registered))
                    return
                }
                wake()  // the deadline may be earlier than the one the poller sleeps towards
            }
        } onCancel: {
            finish(fd: fd, id: id, outcome: .cancelled)
        }
    }

    package static func tag(fd: Int32, id: UInt64) -> UInt64 { (id << 32) | UInt64(UInt32(bitPattern: fd)) }

    private func finish(fd: Int32, id: UInt64, outcome: Outcome) {
        let waiter = state.withLock { s -> Waiter? in
            guard let w = s.waiters[fd], w.id & 0xFFFF_FFFF == id & 0xFFFF_FFFF else { return nil }
            s.waiters[fd] = nil
            _ = epoll_ctl(epollFD, EPOLL_CTL_DEL, fd, nil)
            return w
        }
        waiter?.continuation.resume(returning: outcome)
    }

    private func wake() {
        var one: UInt64 = 1
        _ = Glibc.write(wakeFD, &one, 8)
    }

    private func loop() {
        var events = [epoll_event](repeating: epoll_event(), count: 256)
        while true {
            let nearest = state.withLock { s in s.waiters.values.map(\.deadline).min() }
            var timeoutMS: Int32 = 1000
            if let nearest {
                let left = ContinuousClock.now.duration(to: nearest)
                timeoutMS = left <= .zero ? 0 : Int32(min(1000, (left.seconds * 1000).rounded(.up)))
            }
            let n = epoll_wait(epollFD, &events, Int32(events.count), timeoutMS)
            if n > 0 {
                for i in 0..<Int(n) {
                    let data = events[i].data.u64
                    if data == Self.wakeTag {
                        var buf: UInt64 = 0
                        _ = Glibc.read(wakeFD, &buf, 8)
                        continue
                    }
                    finish(fd: Int32(bitPattern: UInt32(truncatingIfNeeded: data)), id: data >> 32, outcome: .ready)
                }
            }
            let now = ContinuousClock.now
            let expired = state.withLock { s in s.waiters.filter { $0.value.deadline <= now }.map { ($0.key, $0.value.id) } }
            for (fd, id) in expired { finish(fd: fd, id: id, outcome: .timedOut) }
        }
    }
}
