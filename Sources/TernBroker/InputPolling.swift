import NIOConcurrencyHelpers
import NIOCore
import TernPolling

/// Keeps each event loop polling its sockets for ``window`` after input arrived, instead of
/// going to sleep at once (see `LoopPoller`).
///
/// A request and its reply wake the broker twice; while a conversation goes on, its next
/// message finds the loop awake. A loop without input for the window sleeps as before: an idle
/// broker polls nothing.
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
            let poller = LoopPoller(eventLoop: eventLoop)
            pollers[ObjectIdentifier(eventLoop)] = NIOLoopBound(poller, eventLoop: eventLoop)
            return poller
        }
    }
}
