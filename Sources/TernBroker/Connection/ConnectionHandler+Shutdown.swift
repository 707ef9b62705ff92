import NIOCore
import TernProtocol
import TernTLS

/// What one connection reports at the end of a shutdown.
struct ConnectionShutdownOutcome: Sendable {
    /// Messages reported to subscriptions in DROP_NOTICEs: accepted, never written.
    var notified: UInt64 = 0
    /// Subscriptions that got such a notice.
    var notifiedSubscriptions = 0
    /// Messages written to the connection that had not reached its socket when it was closed:
    /// the client read too little to take them, or its notice.
    var lostInWriteBuffer: UInt64 = 0

    static func + (lhs: Self, rhs: Self) -> Self {
        Self(
            notified: lhs.notified + rhs.notified, notifiedSubscriptions: lhs.notifiedSubscriptions + rhs.notifiedSubscriptions,
            lostInWriteBuffer: lhs.lostInWriteBuffer + rhs.lostInWriteBuffer
        )
    }
}

extension ConnectionHandler {
    /// How long a connection has, once the shutdown deadline has passed, to take its notices and
    /// GOODBYE before it is closed with whatever is still unwritten.
    static let finalWriteGrace = TimeAmount.seconds(1)

    /// Tells the client that the broker is in lame duck mode and will close the connection
    /// within `durationMilliseconds`.
    func announceLameDuck(durationMilliseconds: UInt32) {
        guard let context, state.isReady, !state.isClosing else { return }
        var frame = context.channel.allocator.buffer(capacity: 8)
        guard (try? frame.writeFrame(.lameDuck(Frame.LameDuck(durationMilliseconds: durationMilliseconds)))) != nil else { return }
        context.writeAndFlush(wrapOutboundOut(frame), promise: nil)
    }

    /// Stops reading and hands what was read to its topics: the first step of shutting down.
    func quiesce() {
        state.readGate.quiesce()
        handOffPublishes()
    }

    /// Whether everything queued for this connection's subscriptions has reached its socket.
    var isDrained: Bool {
        guard let context else { return true }
        let pending = (try? context.channel.syncOptions?.getOption(.bufferedWritableBytes)) ?? 0
        return pending == 0 && state.subscriptions.byID.values.allSatisfy { $0.isResponder || $0.queue.isEmpty }
    }

    /// Ends the connection, the last step of shutting down: each subscription that will not get
    /// every message it was due (those still queued for it, and `missedInTopics` more its topics
    /// held) is told how many in a DROP_NOTICE `dropped_newest`; then GOODBYE
    /// `server_shutting_down`, and the connection closes once that is written, or after
    /// ``finalWriteGrace``. The future tells what was lost.
    func finishShutdown(missedInTopics: [UInt32: UInt64]) -> EventLoopFuture<ConnectionShutdownOutcome>? {
        guard let context, !state.isClosing else { return nil }
        let wasReady = state.isReady
        state.closeRequested()
        var notices = ConnectionShutdownOutcome()
        var frames = context.channel.allocator.buffer(capacity: 64)
        for subscriber in state.subscriptions.byID.values.sorted(by: { $0.subscriptionID < $1.subscriptionID }) where !subscriber.isResponder {
            let missed = UInt64(subscriber.queue.close().discarded) + missedInTopics[subscriber.subscriptionID, default: 0]
            guard missed > 0 else { continue }
            notices.notified += missed
            notices.notifiedSubscriptions += 1
            _ = try? frames.writeFrame(.dropNotice(Frame.DropNotice(subscriptionID: subscriber.subscriptionID, reason: .droppedNewest, count: missed)))
        }
        if wasReady {
            _ = try? frames.writeFrame(.goodbye(Frame.Goodbye(code: .serverShuttingDown, message: "the broker is shutting down")))
        }
        let loopBoundSelf = NIOLoopBound(self, eventLoop: context.eventLoop)
        let written = context.eventLoop.makePromise(of: Void.self)
        let forcedClose = context.eventLoop.scheduleTask(in: Self.finalWriteGrace) {
            // A client that takes nothing will not answer close_notify either.
            loopBoundSelf.value.context?.triggerUserOutboundEvent(TLSAbort(), promise: nil)
            loopBoundSelf.value.context?.close(promise: nil)
        }
        written.futureResult.whenComplete { result in
            guard case .success = result else { return }
            forcedClose.cancel()
            loopBoundSelf.value.state.written.allFlushed()
            loopBoundSelf.value.close()
        }
        context.writeAndFlush(wrapOutboundOut(frames), promise: written)
        let outcome = notices
        return context.channel.closeFuture.always { _ in }.flatMapErrorWithEventLoop { _, eventLoop in
            eventLoop.makeSucceededVoidFuture()
        }.map {
            var final = outcome
            final.lostInWriteBuffer = loopBoundSelf.value.state.written.unflushed
            return final
        }
    }
}
