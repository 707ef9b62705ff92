import DequeModule
import TernProtocol

/// PONGs that wait for topics: a PING is answered only once every topic this connection handed
/// publishes to since the previous PING has processed them, so that the PONG comes after every
/// acknowledgement or refusal those topics send. A client's flush then proves the broker
/// accepted, or refused, everything before it.
struct FlushBarriers<Topic: AnyObject> {
    /// What to do about a PING.
    enum PingOutcome {
        /// Answer at once: no topic holds it back.
        case answer(Frame.Ping)
        /// Ask each topic to report when it has passed `barrier`; the PONG waits until all did.
        case awaitTopics([Topic], barrier: UInt64)
    }

    private struct PendingPong {
        var barrier: UInt64
        var ping: Frame.Ping
        /// Topics that have not yet passed the barrier.
        var remaining: Int
    }

    /// Topics handed publishes since the last PING.
    private var topicsSinceLastPing: [ObjectIdentifier: Topic] = [:]
    /// PINGs waiting for topics, oldest first.
    private var pending: Deque<PendingPong> = []
    private var lastBarrier: UInt64 = 0

    mutating func handedPublishes(to topic: Topic) {
        topicsSinceLastPing[ObjectIdentifier(topic)] = topic
    }

    mutating func pingReceived(_ ping: Frame.Ping) -> PingOutcome {
        let topics = Array(topicsSinceLastPing.values)
        topicsSinceLastPing.removeAll(keepingCapacity: true)
        // PONGs go out in order: one behind a waiting PONG waits too.
        guard !topics.isEmpty || !pending.isEmpty else { return .answer(ping) }
        lastBarrier += 1
        pending.append(PendingPong(barrier: lastBarrier, ping: ping, remaining: topics.count))
        return .awaitTopics(topics, barrier: lastBarrier)
    }

    /// A topic passed `barrier`: the PONGs that no topic holds back any more, in order.
    mutating func topicPassed(_ barrier: UInt64) -> [Frame.Ping] {
        if let index = pending.firstIndex(where: { $0.barrier == barrier }) {
            pending[index].remaining -= 1
        }
        return readyPongs()
    }

    /// The PONGs at the front that wait for no topic.
    mutating func readyPongs() -> [Frame.Ping] {
        var ready: [Frame.Ping] = []
        while let first = pending.first, first.remaining <= 0 {
            ready.append(pending.removeFirst().ping)
        }
        return ready
    }
}
