import DequeModule
import TernProtocol

/// PONGs that wait for topics: a PING is answered only once every topic this connection handed
/// publishes to since the previous PING has processed them, so that the PONG comes after every
/// acknowledgement or refusal those topics send. A client's flush then proves the broker
/// accepted, or refused, everything before it.
///
/// It keeps the event loops of those topics, not the topics: a loop runs its tasks in order, so
/// one task on it runs after every publish handed to any of its topics before. A PING after
/// publishes to 100,000 new topics waits for one round trip per loop, not 100,000.
struct FlushBarriers<Loop> {
    /// What to do about a PING.
    enum PingOutcome {
        /// Answer at once: no topic holds it back.
        case answer(Frame.Ping)
        /// Ask each loop to report when it has passed `barrier`; the PONG waits until all did.
        case awaitLoops([Loop], barrier: UInt64)
    }

    private struct PendingPong {
        var barrier: UInt64
        var ping: Frame.Ping
        /// Loops that have not yet passed the barrier.
        var remaining: Int
    }

    /// The loops of the topics handed publishes since the last PING.
    private var loopsSinceLastPing: [ObjectIdentifier: Loop] = [:]
    /// The loop of the last topic handed publishes, already among ``loopsSinceLastPing``: a read
    /// whose publishes go to many topics on one loop adds it once.
    private var lastLoop: ObjectIdentifier?
    /// PINGs waiting for topics, oldest first.
    private var pending: Deque<PendingPong> = []
    private var lastBarrier: UInt64 = 0

    /// Publishes were handed to a topic on `loop`, whose identity is `id`.
    mutating func handedPublishes(on loop: Loop, id: ObjectIdentifier) {
        guard id != lastLoop else { return }
        loopsSinceLastPing[id] = loop
        lastLoop = id
    }

    mutating func pingReceived(_ ping: Frame.Ping) -> PingOutcome {
        let loops = Array(loopsSinceLastPing.values)
        loopsSinceLastPing.removeAll(keepingCapacity: true)
        lastLoop = nil
        // PONGs go out in order: one behind a waiting PONG waits too.
        guard !loops.isEmpty || !pending.isEmpty else { return .answer(ping) }
        lastBarrier += 1
        pending.append(PendingPong(barrier: lastBarrier, ping: ping, remaining: loops.count))
        return .awaitLoops(loops, barrier: lastBarrier)
    }

    /// A loop passed `barrier`: the PONGs that nothing holds back any more, in order.
    mutating func loopPassed(_ barrier: UInt64) -> [Frame.Ping] {
        if let index = pending.firstIndex(where: { $0.barrier == barrier }) {
            pending[index].remaining -= 1
        }
        return readyPongs()
    }

    /// The PONGs at the front that wait for no loop.
    mutating func readyPongs() -> [Frame.Ping] {
        var ready: [Frame.Ping] = []
        while let first = pending.first, first.remaining <= 0 {
            ready.append(pending.removeFirst().ping)
        }
        return ready
    }
}
