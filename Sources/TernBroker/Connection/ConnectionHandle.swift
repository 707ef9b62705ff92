import NIOConcurrencyHelpers
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
    /// Subscriptions whose queues have messages to write, and whether a task to write them is
    /// scheduled: one task writes for all of them and flushes once, so that deliveries to many
    /// subscriptions of one connection cost one task and leave in one write.
    private let pendingDrains = NIOLockedValueBox<(subscribers: [Subscriber], scheduled: Bool)>(([], false))

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
        let schedules = pendingDrains.withLockedValue { pending in
            pending.subscribers.append(subscriber)
            defer { pending.scheduled = true }
            return !pending.scheduled
        }
        guard schedules else { return }
        execute { handler in
            let subscribers = self.pendingDrains.withLockedValue { pending in
                pending.scheduled = false
                defer { pending.subscribers.removeAll(keepingCapacity: true) }
                return pending.subscribers
            }
            handler.drain(subscribers)
        } otherwise: {
            self.pendingDrains.withLockedValue { $0 = ([], false) }
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

    /// The connection now, for the monitoring listener, or `nil` once it closed; called on the
    /// event loop.
    func summary() -> ConnectionSummary? {
        handler.value?.summary(id: id)
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
