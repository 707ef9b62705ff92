import TernProtocol

extension ConnectionHandler {
    /// Answers a PING once every topic that was handed publishes since the previous PING has
    /// processed them (see ``FlushBarriers``).
    func answer(_ ping: Frame.Ping) {
        switch state.pingReceived(ping) {
        case .answer(let ping):
            send(.pong(ping))
        case .awaitTopics(let topics, let barrier):
            guard let handle else { return }
            // A topic runs its tasks in order and answers this connection in order, so this round
            // trip arrives after everything the topic sent back for the publishes before it.
            for topic in topics {
                topic.execute { _ in handle.execute { $0.topicPassed(barrier) } }
            }
            sendReadyPongs(state.barriers.readyPongs())
        }
    }

    func topicPassed(_ barrier: UInt64) {
        sendReadyPongs(state.barriers.topicPassed(barrier))
    }

    private func sendReadyPongs(_ pings: [Frame.Ping]) {
        guard !pings.isEmpty else { return }
        for ping in pings { send(.pong(ping)) }
        flushIfNeeded()
    }
}
