import TernProtocol

/// A PING whose PONG waits for topics to process what the connection published before it.
struct PendingPong {
    var barrier: UInt64
    var ping: Frame.Ping
    /// Topics that have not yet passed the barrier.
    var remaining: Int
}

extension ConnectionHandler {
    /// Answers a PING once every topic that was handed publishes since the previous PING has
    /// processed them, so the PONG comes after any refusal or acknowledgement those topics send:
    /// a client's flush then proves the broker accepted, or refused, everything before it.
    func answerAfterTopics(_ ping: Frame.Ping) {
        let topics = topicsSinceLastPing
        topicsSinceLastPing.removeAll(keepingCapacity: true)
        guard let handle, !topics.isEmpty || !pendingPongs.isEmpty else {
            send(.pong(ping))
            return
        }
        lastBarrier += 1
        let barrier = lastBarrier
        pendingPongs.append(PendingPong(barrier: barrier, ping: ping, remaining: topics.count))
        // A topic runs its tasks in order and answers this connection in order, so this round
        // trip arrives after everything the topic sent back for the publishes before it.
        for topic in topics.values {
            topic.execute { _ in handle.execute { $0.topicPassed(barrier) } }
        }
        sendReadyPongs()
    }

    func topicPassed(_ barrier: UInt64) {
        if let index = pendingPongs.firstIndex(where: { $0.barrier == barrier }) {
            pendingPongs[index].remaining -= 1
        }
        sendReadyPongs()
    }

    /// Sends, in order, the PONGs no topic holds back any more.
    private func sendReadyPongs() {
        var sent = false
        while let first = pendingPongs.first, first.remaining == 0 {
            pendingPongs.removeFirst()
            send(.pong(first.ping))
            sent = true
        }
        if sent { flushIfNeeded() }
    }
}
