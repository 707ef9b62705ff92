import NIOConcurrencyHelpers
import NIOCore

/// Keeps each event loop polling its sockets for a while after input arrived, instead of going
/// to sleep in the kernel at once.
///
/// Waking a thread that sleeps in `epoll_wait` when a packet arrives costs tens of microseconds
/// on a virtual machine (here about 20: a TCP round trip between two sleeping processes takes
/// 50 µs, between two polling ones 8). A request and its reply wake the broker twice. A loop
/// that saw input within ``window`` instead keeps turning: every microsecond it looks at its
/// sockets, sleeping on a timer in between, so other threads still get the core. The next
/// message of a conversation then finds the loop awake. A loop without input for the window
/// sleeps as before: an idle broker polls nothing.
final class InputPolling: Sendable {
    /// How long a loop polls after its last input; zero turns polling off.
    let window: TimeAmount
    private let pollers = NIOLockedValueBox<[ObjectIdentifier: NIOLoopBound<LoopPoller>]>([:])

    init(window: TimeAmount) {
        self.window = window
    }

    /// The poller of `eventLoop`, made on first use; `nil` when polling is off. Called on
    /// `eventLoop`.
    func poller(on eventLoop: any EventLoop) -> LoopPoller? {
        guard window > .zero else { return nil }
        return pollers.withLockedValue { pollers in
            if let poller = pollers[ObjectIdentifier(eventLoop)] { return poller.value }
            let poller = LoopPoller(eventLoop: eventLoop, window: window)
            pollers[ObjectIdentifier(eventLoop)] = NIOLoopBound(poller, eventLoop: eventLoop)
            return poller
        }
    }
}

/// One event loop's polling; used on that loop only.
///
/// A poll is a callback scheduled a moment ahead: NIO runs every task that is due before it
/// looks at its sockets again, so a task due at once would keep the loop from them; one due a
/// microsecond later ends the turn, and the loop waits for its sockets until then.
final class LoopPoller: NIOScheduledCallbackHandler {
    /// How long the loop waits for its sockets between two polls.
    static let interval = TimeAmount.microseconds(1)

    private let eventLoop: any EventLoop
    private let window: TimeAmount
    /// Inputs so far, and as many as the last poll had seen: counting costs an input less
    /// than reading the clock.
    private var inputs: UInt64 = 0
    private var inputsSeen: UInt64 = 0
    private var lastInput = NIODeadline.uptimeNanoseconds(0)
    /// Whether a poll is scheduled.
    private(set) var isPolling = false

    init(eventLoop: any EventLoop, window: TimeAmount) {
        self.eventLoop = eventLoop
        self.window = window
    }

    /// Input arrived on one of the loop's connections.
    func inputArrived() {
        inputs &+= 1
        guard !isPolling else { return }
        inputsSeen = inputs
        lastInput = eventLoop.now
        scheduleNextPoll()
    }

    func handleScheduledCallback(eventLoop: some EventLoop) {
        let now = eventLoop.now
        if inputs != inputsSeen {
            inputsSeen = inputs
            lastInput = now
        }
        if now - lastInput < window {
            scheduleNextPoll()
        } else {
            isPolling = false
        }
    }

    func didCancelScheduledCallback(eventLoop: some EventLoop) {
        isPolling = false
    }

    private func scheduleNextPoll() {
        // Scheduling fails only on a loop that is shutting down: then there is nothing to poll.
        isPolling = (try? eventLoop.assumeIsolatedUnsafeUnchecked().scheduleCallback(in: Self.interval, handler: self)) != nil
    }
}
