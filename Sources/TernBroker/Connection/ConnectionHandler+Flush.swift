import TernProtocol

extension ConnectionHandler {
    /// Answers a PING once every topic that was handed publishes since the previous PING has
    /// processed them: once each of their event loops has run a task after them (see ``FlushBarriers``).
    func answer(_ ping: Frame.Ping) {
        switch state.pingReceived(ping) {
        case .answer(let ping):
            send(.pong(ping))
        case .awaitLoops(let loops, let barrier):
            guard let handle else { return }
            // A loop runs its tasks in order, and its topics answer this connection in order, so
            // this round trip arrives after everything they sent back for the publishes before it.
            for loop in loops {
                if loop.inEventLoop {
                    handle.execute { $0.loopPassed(barrier) }
                } else {
                    loop.execute { handle.execute { $0.loopPassed(barrier) } }
                }
            }
            sendReadyPongs(state.barriers.readyPongs())
        }
    }

    func loopPassed(_ barrier: UInt64) {
        sendReadyPongs(state.barriers.loopPassed(barrier))
    }

    private func sendReadyPongs(_ pings: [Frame.Ping]) {
        guard !pings.isEmpty else { return }
        for ping in pings { send(.pong(ping)) }
        flushIfNeeded()
    }
}
