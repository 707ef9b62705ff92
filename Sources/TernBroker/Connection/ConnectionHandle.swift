import Atomics
import NIOCore

/// A thread-safe reference to one client connection, through which topics reach it.
///
/// Everything a topic asks of a connection runs later on the connection's event loop, never
/// inline, so a topic is never re-entered from inside its own call.
final class ConnectionHandle: Sendable, Hashable {
    let id: UInt64
    let eventLoop: any EventLoop
    /// Completes when the connection's channel has closed.
    let closeFuture: EventLoopFuture<Void>
    private let handler: NIOLoopBoundBox<ConnectionHandler?>
    /// Drains asked for and not yet run: the last to run flushes, so that deliveries to many
    /// subscriptions of one connection leave in one write.
    private let queuedDrains = ManagedAtomic(0)

    init(id: UInt64, handler: ConnectionHandler, channel: any Channel) {
        self.id = id
        self.eventLoop = channel.eventLoop
        self.closeFuture = channel.closeFuture
        self.handler = NIOLoopBoundBox(handler, eventLoop: channel.eventLoop)
    }

    /// Runs `body` on the connection's event loop if the connection is still open then, else
    /// `otherwise`.
    func execute(_ body: @escaping @Sendable (ConnectionHandler) -> Void, otherwise: @escaping @Sendable () -> Void = {}) {
        eventLoop.execute {
            if let handler = self.handler.value {
                body(handler)
            } else {
                otherwise()
            }
        }
    }

    /// Asks the connection to write what is queued for `subscriber`.
    func drain(_ subscriber: Subscriber) {
        queuedDrains.wrappingIncrement(ordering: .relaxed)
        execute { handler in
            let isLast = self.queuedDrains.wrappingDecrementThenLoad(ordering: .relaxed) == 0
            handler.drain(subscriber, flushing: isLast)
        } otherwise: {
            self.queuedDrains.wrappingDecrement(ordering: .relaxed)
        }
    }

    /// Runs `body` on the connection's event loop and returns the future it gives; `otherwise`
    /// when the connection has closed by then or `body` gives `nil`.
    func submit<Value: Sendable>(
        _ body: @escaping @Sendable (ConnectionHandler) -> EventLoopFuture<Value>?, otherwise: Value
    ) -> EventLoopFuture<Value> {
        eventLoop.flatSubmit {
            self.handler.value.flatMap(body) ?? self.eventLoop.makeSucceededFuture(otherwise)
        }
    }

    /// Forgets the handler once its channel is gone; called on the event loop.
    func detach() {
        handler.value = nil
    }

    static func == (lhs: ConnectionHandle, rhs: ConnectionHandle) -> Bool {
        lhs === rhs
    }

    func hash(into hasher: inout Hasher) {
        hasher.combine(ObjectIdentifier(self))
    }
}
