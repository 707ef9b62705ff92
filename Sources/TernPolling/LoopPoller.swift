import NIOCore

/// Keeps an event loop polling its sockets for a while, instead of going to sleep in the kernel
/// until they have something.
///
/// Waking a thread that sleeps in `epoll_wait` when a packet arrives costs tens of microseconds
/// on a virtual machine (about 20 on the build machine: a TCP round trip between two sleeping
/// processes takes 50 µs, between two polling ones 8). While polling, the loop looks at its
/// sockets every microsecond and sleeps on a timer in between, so that other threads still get
/// the core; a message that arrives then finds it awake.
///
/// A loop polls only while it holds one of its ``PollingSlots``.
///
/// Used on its event loop only.
public final class LoopPoller: NIOScheduledCallbackHandler {
    /// How long the loop waits for its sockets between two polls.
    ///
    /// A poll is a callback scheduled this far ahead: NIO runs every task that is due before it
    /// looks at its sockets again, so a poll due at once would keep the loop from them.
    static let interval = TimeAmount.microseconds(1)

    private let eventLoop: any EventLoop
    private let slots: PollingSlots
    /// When polling stops, unless extended.
    private var pollsUntil = NIODeadline.uptimeNanoseconds(0)
    /// Whether a poll is scheduled: then the poller holds a slot.
    public private(set) var isPolling = false

    public init(eventLoop: any EventLoop, slots: PollingSlots = .shared) {
        self.eventLoop = eventLoop
        self.slots = slots
    }

    /// Keeps the loop polling for at least `window` from now, if it polls already or a slot is
    /// free.
    public func keepPolling(for window: TimeAmount) {
        let deadline = eventLoop.now + window
        if deadline > pollsUntil { pollsUntil = deadline }
        if !isPolling && slots.take() { scheduleNextPoll() }
    }

    public func handleScheduledCallback(eventLoop: some EventLoop) {
        if eventLoop.now < pollsUntil {
            scheduleNextPoll()
        } else {
            stop()
        }
    }

    public func didCancelScheduledCallback(eventLoop: some EventLoop) {
        stop()
    }

    /// Schedules the next poll; called holding a slot.
    private func scheduleNextPoll() {
        // Scheduling fails only on a loop that is shutting down: then there is nothing to poll.
        if (try? eventLoop.assumeIsolatedUnsafeUnchecked().scheduleCallback(in: Self.interval, handler: self)) != nil {
            isPolling = true
        } else {
            stop()
        }
    }

    /// Polling ended: gives its slot back.
    private func stop() {
        isPolling = false
        slots.release()
    }
}
