import DequeModule
import NIOCore
import Synchronization
import TernProtocol

/// One subscription's bounded outbound queue: topics append to it, the subscriber's connection
/// takes from it when its socket can take more.
///
/// Topics and the connection may run on different event loops, so the queue is guarded by a
/// lock, taken once per batch rather than once per message. Queue and lock are held inline, in
/// the subscription (the queue cannot be copied): a broker with 100,000 subscriptions has as
/// many queues, and each object of its own on the heap was one more to allocate, touch and free.
///
/// Generic over the topics that offer messages (`Waker`), which it remembers while they wait for
/// room, so that a topic's core can be tested with a real queue and no topic actor.
struct SubscriberQueue<Waker: AnyObject & Sendable>: ~Copyable, Sendable {
    /// What a connection takes from the queue in one go.
    struct Batch {
        var messages: Deque<PublishedMessage> = []
        var droppedOldest: UInt64 = 0
        var droppedNewest: UInt64 = 0
        /// Topics that were held back by this queue and may now continue.
        var waitingTopics: [Waker] = []
        /// Whether the take left the queue empty: the next offer schedules a new drain, so the
        /// connection need not take again to find that out.
        var emptiedQueue = false
    }

    /// Not private: Swift 6.3.1 fails to compile a private type nested in a generic noncopyable
    /// type in debug builds ("Global is external, but doesn't have external or weak linkage").
    struct State {
        var pending: Deque<PublishedMessage> = []
        var pendingBytes = 0
        var droppedOldest: UInt64 = 0
        var droppedNewest: UInt64 = 0
        var totalDropped: UInt64 = 0
        var drainScheduled = false
        var closed = false
        var waitingTopics: [ObjectIdentifier: Waker] = [:]
        /// The connection could not write everything: messages wait here, with payloads of their
        /// own, until the queue is empty again.
        var compactsPayloads = false
        /// When the queue last made progress: a take, or the moment it filled up.
        var lastProgress = NIODeadline.now()
    }

    let capacity: QueueCapacity
    private let state: Mutex<State>
    /// Where the queue adds how much it grew or shrank, once per offer or take.
    private let depth: QueueDepth?

    init(capacity: QueueCapacity, depth: QueueDepth? = nil) {
        self.capacity = capacity
        self.state = Mutex(State())
        self.depth = depth
    }

    /// Runs `body` on the state under the lock and adds the change in what the queue holds to ``depth``.
    private func withState<Result>(_ body: (inout State) -> Result) -> Result {
        state.withLock { state in
            let (messages, bytes) = (state.pending.count, state.pendingBytes)
            defer { depth?.add(messages: state.pending.count - messages, bytes: state.pendingBytes - bytes) }
            return body(&state)
        }
    }

    /// Queues `messages` under `policy`. Under `block` and `reject` only what fits is accepted and
    /// `topic` is remembered so it can be resumed; under the drop policies everything is accepted
    /// and the excess is dropped and counted.
    func offer(
        _ messages: some Collection<PublishedMessage>, policy: OverflowPolicy, from topic: Waker, at now: @autoclosure () -> NIODeadline
    ) -> QueueOffer {
        withState { state in
            guard !state.closed else { return QueueOffer(accepted: messages.count, needsDrain: false) }
            let (offer, appended) = append(messages, to: &state, policy: policy, from: topic, at: now())
            if state.compactsPayloads {
                // What was queued now waits too: only it, as everything before it was compacted
                // (under drop-oldest, some of it may have been dropped again already).
                let count = state.pending.count
                PayloadCompaction.compact(&state.pending, in: max(count - appended, 0)..<count, allocator: ByteBufferAllocator())
            }
            return offer
        }
    }

    /// Queues what `offer` takes of `messages`; also says how many messages it added at the end.
    private func append(
        _ messages: some Collection<PublishedMessage>, to state: inout State, policy: OverflowPolicy, from topic: Waker,
        at now: @autoclosure () -> NIODeadline
    ) -> (QueueOffer, appended: Int) {
        var appended = 0
        var accepted = 0
        var dropped = 0
        for message in messages {
            if capacity.isFull(messages: state.pending.count, bytes: state.pendingBytes) && !state.pending.isEmpty {
                switch policy {
                case .block, .reject:
                    if state.waitingTopics.isEmpty { state.lastProgress = now() }
                    state.waitingTopics[ObjectIdentifier(topic)] = topic
                    return (QueueOffer(accepted: accepted, dropped: dropped, needsDrain: scheduleDrain(&state)), appended)
                case .dropNewest:
                    state.droppedNewest += 1
                    state.totalDropped += 1
                    accepted += 1
                    dropped += 1
                    continue
                case .dropOldest:
                    let oldest = state.pending.removeFirst()
                    state.pendingBytes -= oldest.size
                    state.droppedOldest += 1
                    state.totalDropped += 1
                    dropped += 1
                }
            }
            state.pending.append(message)
            state.pendingBytes += message.size
            accepted += 1
            appended += 1
        }
        return (QueueOffer(accepted: accepted, dropped: dropped, needsDrain: scheduleDrain(&state)), appended)
    }

    private func scheduleDrain(_ state: inout State) -> Bool {
        guard !state.drainScheduled, !state.pending.isEmpty || state.droppedOldest + state.droppedNewest > 0 else { return false }
        state.drainScheduled = true
        return true
    }

    /// The connection cannot write what is queued now: it waits, and so does what is offered
    /// until the queue is empty again, so each message gets a payload of its own rather than
    /// keep its publisher's read alive (``PayloadCompaction``).
    func compactWhileWaiting() {
        state.withLock { state in
            guard !state.compactsPayloads else { return }
            state.compactsPayloads = true
            PayloadCompaction.compact(&state.pending, in: state.pending.indices, allocator: ByteBufferAllocator())
        }
    }

    /// Whether a topic offering under `block` or `reject` would be refused now.
    var isFull: Bool {
        state.withLock { capacity.isFull(messages: $0.pending.count, bytes: $0.pendingBytes) }
    }

    /// Takes up to `maxBytes` of queued messages (at least one, when any is queued) and the drop
    /// counts not yet reported. Once the queue is empty, the next offer schedules a new drain.
    func take(maxBytes: Int, at now: NIODeadline) -> Batch {
        withState { state in
            var batch = Batch(droppedOldest: state.droppedOldest, droppedNewest: state.droppedNewest)
            state.droppedOldest = 0
            state.droppedNewest = 0
            takeMessages(upTo: maxBytes, from: &state, into: &batch)
            if !batch.messages.isEmpty {
                state.lastProgress = now
                if !state.waitingTopics.isEmpty && !capacity.isFull(messages: state.pending.count, bytes: state.pendingBytes) {
                    batch.waitingTopics = Array(state.waitingTopics.values)
                    state.waitingTopics.removeAll()
                }
            }
            if state.pending.isEmpty {
                state.drainScheduled = false
                state.compactsPayloads = false
                batch.emptiedQueue = true
            }
            return batch
        }
    }

    /// Moves the oldest messages, up to `maxBytes` of them but at least one, into `batch`: moved,
    /// not copied, so no reference count changes. The queue keeps its storage for what comes
    /// next (handing the whole queue over instead made it grow again from nothing after every
    /// take, each larger storage new memory to fault in).
    private func takeMessages(upTo maxBytes: Int, from state: inout State, into batch: inout Batch) {
        batch.messages.reserveCapacity(min(state.pending.count, Self.batchCapacityHint))
        var bytes = 0
        while let message = state.pending.popFirst() {
            guard batch.messages.isEmpty || bytes + message.size <= maxBytes else {
                state.pending.prepend(message)
                return
            }
            state.pendingBytes -= message.size
            bytes += message.size
            batch.messages.append(message)
        }
    }

    /// The most messages a batch reserves room for up front, so it does not grow step by step.
    private static var batchCapacityHint: Int { 4096 }

    /// Whether the queue has been full, with nothing taken, since before `deadline`.
    func isStalled(since deadline: NIODeadline) -> Bool {
        state.withLock { !$0.waitingTopics.isEmpty && $0.lastProgress <= deadline }
    }

    /// Discards everything queued; later offers are accepted and discarded. Returns how many
    /// messages were discarded, and the topics that were waiting for room, so they can move on.
    @discardableResult
    func close() -> (discarded: Int, waitingTopics: [Waker]) {
        withState { state in
            let discarded = state.pending.count
            state.closed = true
            state.pending.removeAll()
            state.pendingBytes = 0
            defer { state.waitingTopics.removeAll() }
            return (discarded, Array(state.waitingTopics.values))
        }
    }

    /// Whether no message waits in the queue.
    var isEmpty: Bool {
        state.withLock { $0.pending.isEmpty }
    }

    /// The bytes of the messages waiting in the queue.
    var pendingBytes: Int {
        state.withLock { $0.pendingBytes }
    }

    /// How many messages this queue has dropped in all.
    var droppedCount: UInt64 {
        state.withLock { $0.totalDropped }
    }
}

/// What a topic learns from offering messages to a ``SubscriberQueue``.
struct QueueOffer: Equatable {
    /// How many of the offered messages the topic may consider handled (queued or dropped).
    var accepted: Int
    /// How many messages the drop policies discarded to make room.
    var dropped: Int = 0
    /// Whether the connection must be told to drain the queue.
    var needsDrain: Bool
}
