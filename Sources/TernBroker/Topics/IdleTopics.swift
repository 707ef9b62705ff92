import DequeModule
import NIOCore
import Synchronization

/// Every live topic, in the order it was last looked at, and the sweep that retires those idle
/// (no subscribers, nothing in the mailbox, no publishes) for the idle-retirement time.
///
/// The sweep runs in rounds, every ``interval``; a topic joins the queue under the current
/// round's number, so that joining reads no clock. A sweep looks only at the front of the queue,
/// the topics that joined enough rounds ago to have waited the idle-retirement time: each live
/// topic is looked at once per idle-retirement time (and at most one interval later), and one
/// that is not idle goes to the back again. A sweep takes a bounded number per pass, so that
/// retiring many topics never holds an event loop for long.
final class IdleTopics: Sendable {
    /// The topics that joined in one round, at most ``chunkCapacity`` of them: the queue grows by
    /// chunks, so that growing never copies more than one.
    private struct Chunk {
        let round: UInt64
        var topics: [Topic]
    }

    private struct Queue {
        var chunks: Deque<Chunk> = []
        /// Where the front chunk's topics not yet taken start.
        var frontStart = 0
        var count = 0
        /// The number of the current round: the sweeps started so far.
        var round: UInt64 = 0
    }

    private let queue = Mutex(Queue())
    /// The time between two rounds of the sweep.
    private let interval: TimeAmount
    /// The rounds a topic waits in the queue before the sweep looks at it: a topic that joined
    /// during round `r` has waited at least the idle-retirement time when round `r + 1 +
    /// roundsToWait` starts.
    private let roundsToWait: UInt64

    /// The most topics one pass of the sweep looks at.
    static let sweepBatch = 512
    static let chunkCapacity = 1024

    init(retirement: TimeAmount) {
        interval = .nanoseconds(max(retirement.nanoseconds / 4, TimeAmount.milliseconds(10).nanoseconds))
        roundsToWait = UInt64((retirement.nanoseconds + interval.nanoseconds - 1) / interval.nanoseconds)
    }

    /// The topics in the queue: each live topic once.
    var count: Int {
        queue.withLock { $0.count }
    }

    /// Adds `topic`, looked at now.
    func add(_ topic: Topic) {
        queue.withLock { queue in
            queue.count += 1
            if let last = queue.chunks.indices.last, queue.chunks[last].round == queue.round,
                queue.chunks[last].topics.count < Self.chunkCapacity
            {
                queue.chunks[last].topics.append(topic)
            } else {
                // Made whole at once, 8 KiB: a chunk that grew from one would allocate ten times.
                var topics: [Topic] = []
                topics.reserveCapacity(Self.chunkCapacity)
                topics.append(topic)
                queue.chunks.append(Chunk(round: queue.round, topics: topics))
            }
        }
    }

    /// Starts the next round of the sweep.
    private func startRound() {
        queue.withLock { $0.round += 1 }
    }

    /// Asks the topics that waited the idle-retirement time to retire if they were idle since,
    /// at most ``sweepBatch`` of them; returns whether more wait.
    func sweep() -> Bool {
        let due: [Topic] = queue.withLock { queue in
            var due: [Topic] = []
            while due.count < Self.sweepBatch, let first = queue.chunks.first, first.round + 1 + roundsToWait <= queue.round {
                let end = min(first.topics.count, queue.frontStart + Self.sweepBatch - due.count)
                due += first.topics[queue.frontStart..<end]
                if end == first.topics.count {
                    queue.chunks.removeFirst()
                    queue.frontStart = 0
                } else {
                    queue.frontStart = end
                }
            }
            queue.count -= due.count
            return due
        }
        for topic in due {
            topic.execute { _ = $0.retireIfIdle() }
        }
        return due.count == Self.sweepBatch
    }

    /// Sweeps every ``interval`` on `eventLoop`, again in the loop's next turn while many topics are due.
    func startSweeping(on eventLoop: any EventLoop, turns: EventLoopTurns) -> RepeatedTask {
        eventLoop.scheduleRepeatedTask(initialDelay: interval, delay: interval) { [self] _ in
            startRound()
            sweepUntilDone(on: eventLoop, turns: turns)
        }
    }

    private func sweepUntilDone(on eventLoop: any EventLoop, turns: EventLoopTurns) {
        if sweep() {
            turns.afterThisTurn(on: eventLoop) { [self] in sweepUntilDone(on: eventLoop, turns: turns) }
        }
    }
}
