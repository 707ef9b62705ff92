import NIOCore

extension TernClient {
    /// Ends the client gracefully: stops new deliveries, lets the application finish what was
    /// delivered, sends what is pending, and closes.
    ///
    /// Every subscription and responder is unsubscribed; its sequence ends normally after the
    /// messages (or requests) the broker sent before it processed that. The drain then waits
    /// until the consumers have finished those sequences and every request delivered has been
    /// answered, then flushes (the publishes queued, the replies) and closes. New subscriptions
    /// are refused with ``TernClientError/closed`` meanwhile; publishing goes on working. While
    /// the client reconnects, the flush waits for the new connection.
    ///
    /// - Parameter timeout: How long the whole may take; after it the client closes anyway.
    /// - Throws: ``TernClientError/timeout`` when it took longer, or the flush's error (for
    ///   example a publish the broker refused). The client is closed in any case.
    public func drain(timeout: Duration = .seconds(30)) async throws {
        let deadline = eventLoop.now + TimeAmount(timeout)
        let consumersDone = eventLoop.makePromise(of: Void.self)
        let session = self.session
        onEventLoop {
            guard let session = session.value else { return consumersDone.succeed() }
            session.drainSubscriptions(consumersDone)
        }
        do {
            try await consumersDone.futureResult.failing(with: .timeout, at: deadline).get()
            let flushed = eventLoop.makePromise(of: Void.self)
            onEventLoop {
                guard let session = session.value else { return flushed.fail(TernClientError.closed) }
                session.flush(flushed)
            }
            try await flushed.futureResult.failing(with: .timeout, at: deadline).get()
        } catch {
            await close()
            throw error
        }
        await close()
    }
}

extension EventLoopFuture where Value == Void {
    /// A future that completes as this one does, or fails with `error` at `deadline` if this
    /// one has not completed by then.
    fileprivate func failing(with error: TernClientError, at deadline: NIODeadline) -> EventLoopFuture<Void> {
        let result = eventLoop.makePromise(of: Void.self)
        let settled = NIOLoopBoundBox.makeBoxSendingValue(false, eventLoop: eventLoop)
        let timer = eventLoop.scheduleTask(deadline: deadline) {
            guard !settled.value else { return }
            settled.value = true
            result.fail(error)
        }
        whenComplete { outcome in
            timer.cancel()
            guard !settled.value else { return }
            settled.value = true
            result.completeWith(outcome)
        }
        return result.futureResult
    }
}
