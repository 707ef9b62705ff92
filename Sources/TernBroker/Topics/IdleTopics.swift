import DequeModule
import NIOCore
import Synchronization

/// Every live topic, in the order it was last looked at, and the sweep that retires those idle
/// (no subscribers, nothing in the mailbox, no publishes) for the idle-retirement time.
///
/// A sweep looks only at the front of the queue, the topics that have waited that long: each
/// live topic is looked at once per idle-retirement time, and one that is not idle goes to the
/// back again. A sweep takes a bounded number per pass, so that retiring many topics never
/// holds an event loop for long.
final class IdleTopics: Sendable {
    private let queue = Mutex<Deque<(topic: Topic, since: NIODeadline)>>([])
    private let retirement: TimeAmount

    /// The most topics one pass of the sweep looks at.
    static let sweepBatch = 512

    init(retirement: TimeAmount) {
        self.retirement = retirement
    }

    /// The topics in the queue: each live topic once.
    var count: Int {
        queue.withLock { $0.count }
    }

    /// Adds `topic`, looked at `time`.
    func add(_ topic: Topic, at time: NIODeadline) {
        queue.withLock { $0.append((topic, time)) }
    }

    /// Asks the topics that joined the queue the retirement time ago or earlier to retire if they
    /// were idle since, at most ``sweepBatch`` of them; returns whether more wait.
    func sweep(at now: NIODeadline) -> Bool {
        let deadline = now - retirement
        let due: [Topic] = queue.withLock { queue in
            var due: [Topic] = []
            while due.count < Self.sweepBatch, let first = queue.first, first.since <= deadline {
                due.append(queue.removeFirst().topic)
            }
            return due
        }
        for topic in due {
            topic.execute { _ = $0.retireIfIdle() }
        }
        return due.count == Self.sweepBatch
    }

    /// Sweeps every `interval` on `eventLoop`, again in the loop's next turn while many topics are due.
    func startSweeping(on eventLoop: any EventLoop, every interval: TimeAmount, turns: EventLoopTurns) -> RepeatedTask {
        eventLoop.scheduleRepeatedTask(initialDelay: interval, delay: interval) { [self] _ in
            sweepUntilDone(on: eventLoop, turns: turns)
        }
    }

    private func sweepUntilDone(on eventLoop: any EventLoop, turns: EventLoopTurns) {
        if sweep(at: eventLoop.now) {
            turns.afterThisTurn(on: eventLoop) { [self] in sweepUntilDone(on: eventLoop, turns: turns) }
        }
    }
}
