import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

/// Counts the turns of event loops, so that work split over turns can wait for the next one.
///
/// An event loop runs every task that is due, including those its tasks schedule, before it
/// looks at its sockets again; a task that schedules the rest of its work even a moment later
/// may find it due before the turn ends, and run on without letting other connections in. With
/// this as the loops' metrics delegate, ``afterThisTurn(on:_:)`` runs the rest in a later turn
/// for sure. Without it, a short delay stands in.
public final class EventLoopTurns: NIOEventLoopMetricsDelegate, Sendable {
    private let turns = NIOLockedValueBox<[ObjectIdentifier: UInt64]>([:])

    public init() {}

    /// How long work waits for a later turn when it cannot see the loop's turns.
    static let fallbackDelay = TimeAmount.microseconds(200)
    /// How long it waits before it looks again whether the loop has turned.
    static let pollDelay = TimeAmount.microseconds(20)

    public func processedTick(info: NIOEventLoopTickInfo) {
        turns.withLockedValue { $0[info.eventLoopID, default: 0] &+= 1 }
    }

    private func turn(of eventLoop: any EventLoop) -> UInt64? {
        turns.withLockedValue { $0[ObjectIdentifier(eventLoop)] }
    }

    /// Runs `body` on `eventLoop` in a turn after the current one, once the loop has looked at
    /// its sockets in between. Called on `eventLoop`.
    func afterThisTurn(on eventLoop: any EventLoop, _ body: @escaping @Sendable () -> Void) {
        guard let current = turn(of: eventLoop) else {
            eventLoop.scheduleTask(in: Self.fallbackDelay, body)
            return
        }
        waitForTurn(after: current, on: eventLoop, body)
    }

    private func waitForTurn(after current: UInt64, on eventLoop: any EventLoop, _ body: @escaping @Sendable () -> Void) {
        eventLoop.scheduleTask(in: Self.pollDelay) {
            if self.turn(of: eventLoop) == current {
                self.waitForTurn(after: current, on: eventLoop, body)
            } else {
                body()
            }
        }
    }
}
