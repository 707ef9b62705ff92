import DequeModule
import NIOCore
import TernProtocol

/// The fan-out of one topic as a value: its mailbox, the cursor of each subscriber (or queue
/// group) in it, the overflow policy and the publishers it holds back. Events go in, and
/// ``TopicEffects`` come out; the one side effect it causes itself is offering messages to a
/// subscriber's queue, through the `offer` function its caller passes, whose answer decides how
/// far that subscriber's cursor moves. This is the one place where backpressure is decided.
///
/// The mailbox is a log: a message enters at the tail and leaves once every target has been
/// given it. Under the drop policies subscriber queues always take messages (dropping and
/// counting the excess), so the mailbox drains at once; under `block` and `reject` a full queue
/// holds its target's cursor back, and the messages with it. A batch published while the
/// mailbox is empty is offered to the targets straight from the publisher's array, and only
/// what some target did not take enters the mailbox: a new topic, or one whose subscribers
/// keep up, copies nothing into it and keeps no storage for it. Messages that wait in the
/// mailbox get payloads of their own first (``PayloadCompaction``): a payload is a slice of
/// its publisher's read, which a waiting message must not keep alive.
///
/// Generic over its subscriber and publisher tokens, so that its tests need no event loop.
struct TopicCore<Subscriber: AnyObject, Publisher: Hashable> {
    typealias Effects = TopicEffects<Subscriber, Publisher>
    /// Offers messages to a subscriber's queue under a policy, as `SubscriberQueue.offer` does.
    typealias Offer = (Subscriber, OfferedMessages, OverflowPolicy) -> QueueOffer

    /// Where a message goes: one subscriber, or one member of a queue group.
    struct Target {
        enum Kind {
            case subscriber(Subscriber)
            /// Boxed, so that a target stays four words: topics keep their first one inline.
            indirect case group(name: String, members: [Subscriber])
        }

        var kind: Kind
        /// The sequence number of the next message this target has not been given.
        var cursor: UInt64
        /// A queue group's member whose turn is next; 0 for a subscriber on its own.
        var turn = 0
    }

    private(set) var settings: MailboxSettings
    private(set) var mailbox: Deque<PublishedMessage> = []
    private(set) var mailboxBytes = 0
    /// The most messages the mailbox held since it was last emptied of a burst.
    private var mailboxHighWater = 0
    /// The sequence number of the mailbox's first message.
    private var headSequence: UInt64 = 0
    private var targets: InlineFirstList<Target> = []
    private var pausedPublishers: Set<Publisher> = []
    private(set) var counters = TopicCounters()

    /// How many consecutive messages one queue-group member is offered at a time.
    static var groupChunk: Int { 16 }

    /// A core with an empty mailbox whose targets are `subscribers`.
    init(settings: MailboxSettings, subscribers: TopicSubscribers<Subscriber> = TopicSubscribers()) {
        self.settings = settings
        replaceTargets(with: subscribers)
    }

    private var tailSequence: UInt64 { headSequence + UInt64(mailbox.count) }

    /// No subscribers and nothing in the mailbox.
    var isIdle: Bool { targets.isEmpty && mailbox.isEmpty }

    /// The names of the queue groups among the targets.
    var queueGroups: [String] {
        targets.compactMap { target in
            if case .group(let name, _) = target.kind { return name }
            return nil
        }
    }

    /// The number of subscribers, counting each queue group's members.
    var subscriberCount: Int {
        targets.reduce(0) { count, target in
            if case .group(_, let members) = target.kind { return count + members.count }
            return count + 1
        }
    }

    // MARK: Subscribers

    /// Makes `subscribers` the topic's targets. Those it already had keep their place in the
    /// mailbox (a queue group keeps its turn); new ones get what is published from now on;
    /// those no longer among them are forgotten, and the mailbox no longer keeps messages for them.
    mutating func setSubscribers(_ subscribers: TopicSubscribers<Subscriber>, offer: Offer) -> Effects {
        replaceTargets(with: subscribers)
        // A target that held the mailbox back may be gone.
        return fanOut(offer: offer)
    }

    /// Makes `subscribers` the targets; those that were targets already keep their places.
    private mutating func replaceTargets(with subscribers: TopicSubscribers<Subscriber>) {
        var next: InlineFirstList<Target> = []
        next.reserveCapacity(subscribers.individuals.count + subscribers.groups.count)
        for subscriber in subscribers.individuals {
            let cursor = targets.first { if case .subscriber(let existing) = $0.kind { existing === subscriber } else { false } }?.cursor
            next.append(Target(kind: .subscriber(subscriber), cursor: cursor ?? tailSequence))
        }
        for group in subscribers.groups {
            let existing = targets.first { if case .group(group.name, _) = $0.kind { true } else { false } }
            let turn = existing.map { $0.turn % group.members.count } ?? 0
            next.append(Target(kind: .group(name: group.name, members: group.members), cursor: existing?.cursor ?? tailSequence, turn: turn))
        }
        // Moved, not copied: a second reference would make the next fan-out copy the array.
        targets = consume next
    }

    /// Takes new mailbox settings (a reload of the broker's configuration) and hands out what
    /// they let through: under a drop policy every queue takes messages again, and publishers
    /// held back go on once the mailbox is below half of the new capacity.
    mutating func reconfigure(_ settings: MailboxSettings, offer: Offer) -> Effects {
        self.settings = settings
        return fanOut(offer: offer)
    }

    // MARK: Publishing

    /// Accepts `messages` from `publisher` in order, each unless `refusal` (if any) gives a
    /// reason to refuse it or the `reject` policy finds the mailbox full, and hands them to
    /// subscribers. Messages from no publisher (forwarded by another node of the cluster) hold
    /// nobody back under the `block` policy. `topic`, the topic's name, goes into the reason a
    /// full mailbox gives: the core keeps no copy of it, as every byte of a topic counts.
    mutating func publish(
        _ messages: [PublishedMessage], to topic: String, from publisher: Publisher?, refusal: ((PublishedMessage) -> (ErrorCode, String)?)?,
        offer: Offer
    ) -> Effects {
        // Under `reject` a batch of several could fill the mailbox on its way through it.
        let bypassesMailbox = mailbox.isEmpty && (settings.policy != .reject || messages.count == 1)
        var incoming = messages
        // Messages that enter the mailbox wait there: they get payloads of their own.
        if !bypassesMailbox { PayloadCompaction.compact(&incoming, allocator: ByteBufferAllocator()) }
        // What goes straight to the subscribers: the batch itself, copied only if something is refused.
        var direct = incoming
        var acknowledged: [UInt64] = []
        var rejected = Rejection()
        // By index, so that looking at a message does not copy it.
        for index in incoming.indices {
            var problem = refusal?(incoming[index])
            if problem == nil && !bypassesMailbox && settings.policy == .reject && isFull {
                problem = (.mailboxFull, "the mailbox of topic '\(topic)' is full")
            }
            if let (code, reason) = problem {
                if bypassesMailbox && rejected.count == 0 { direct = Array(incoming[..<index]) }
                rejected.add(incoming[index], code: code, reason: reason)
                continue
            }
            if !bypassesMailbox {
                enqueue(incoming[index])
            } else if rejected.count > 0 {
                direct.append(incoming[index])
            }
            count(incoming[index], acknowledging: &acknowledged)
        }
        var effects = bypassesMailbox ? fanOut(direct, offer: offer) : fanOut(offer: offer)
        counters.rejected += UInt64(rejected.count)
        effects.acknowledged = acknowledged
        effects.rejection = rejected
        if let publisher, settings.policy == .block && isFull && pausedPublishers.insert(publisher).inserted {
            counters.publisherPauses += 1
            effects.pausePublisher = true
        }
        return effects
    }

    /// Counts `message` as published, and its acknowledgement when it asked for one.
    private mutating func count(_ message: PublishedMessage, acknowledging acknowledged: inout [UInt64]) {
        counters.published += 1
        counters.publishedBytes += UInt64(message.payload.readableBytes)
        if let ackID = message.ackID { acknowledged.append(ackID) }
    }

    /// Adds `message` to the mailbox, where it waits: its payload must be compact already.
    private mutating func enqueue(_ message: PublishedMessage) {
        mailbox.append(message)
        mailboxBytes += message.size
        mailboxHighWater = max(mailboxHighWater, mailbox.count)
    }

    private var isFull: Bool {
        settings.capacity.isFull(messages: mailbox.count, bytes: mailboxBytes)
    }

    private var isAboveLowWatermark: Bool {
        mailbox.count > settings.capacity.messages / 2 || mailboxBytes > settings.capacity.bytes / 2
    }

    /// Hands every target what it has not been given yet, as far as its queue takes it, then
    /// drops from the mailbox what every target has.
    mutating func fanOut(offer: Offer) -> Effects {
        var effects = Effects()
        advanceTargets(through: .mailbox(mailbox[...]), from: headSequence, offer: offer, effects: &effects)
        // A closure, not the key path `\.cursor`: on this list of a generic type the key path was
        // built at run time at every call, 2 µs per new topic.
        let delivered = targets.lazy.map { $0.cursor }.min() ?? tailSequence
        while headSequence < delivered, let message = mailbox.popFirst() {
            mailboxBytes -= message.size
            headSequence += 1
        }
        finishFanOut(&effects)
        return effects
    }

    /// Hands every target `messages`, published while the mailbox was empty, as far as its queue
    /// takes them; the mailbox keeps only what some target was not given.
    private mutating func fanOut(_ messages: [PublishedMessage], offer: Offer) -> Effects {
        var effects = Effects()
        let first = tailSequence
        advanceTargets(through: .batch(messages[...]), from: first, offer: offer, effects: &effects)
        let delivered = targets.lazy.map { $0.cursor }.min() ?? first + UInt64(messages.count)
        headSequence = delivered
        if delivered < first + UInt64(messages.count) {
            // What some target did not take waits in the mailbox, with payloads of its own.
            var waiting = Array(messages[Int(delivered - first)...])
            PayloadCompaction.compact(&waiting, allocator: ByteBufferAllocator())
            for index in waiting.indices { enqueue(waiting[index]) }
        }
        finishFanOut(&effects)
        return effects
    }

    /// What follows a fan-out: the storage of a burst goes back, held-back publishers resume
    /// once there is room, and the stall check is armed while messages wait.
    private mutating func finishFanOut(_ effects: inout Effects) {
        if mailbox.isEmpty && mailboxHighWater > Self.retainedMailboxCapacity {
            // A burst's storage goes back; a quiet topic keeps only a little.
            mailbox = []
            mailboxHighWater = 0
        }
        if !pausedPublishers.isEmpty && !isAboveLowWatermark {
            effects.resumedPublishers = Array(pausedPublishers)
            pausedPublishers.removeAll()
        }
        effects.armStallCheck = headSequence < tailSequence && (settings.policy == .block || settings.policy == .reject)
    }

    /// The most messages an empty mailbox keeps room for.
    private static var retainedMailboxCapacity: Int { 64 }

    /// Advances every target through `messages`, the first of which has the sequence number `first`.
    private mutating func advanceTargets(through messages: OfferedMessages, from first: UInt64, offer: Offer, effects: inout Effects) {
        let policy = settings.policy
        var counters = counters
        // In place: a copy of each target would count a reference to its subscriber twice.
        targets.updateEach { Self.advance(&$0, through: messages, from: first, policy: policy, offer: offer, counters: &counters, effects: &effects) }
        self.counters = counters
    }

    private static func advance(
        _ target: inout Target, through messages: OfferedMessages, from first: UInt64, policy: OverflowPolicy, offer: Offer,
        counters: inout TopicCounters, effects: inout Effects
    ) {
        let start = Int(target.cursor - first)
        let count = messages.endIndex
        guard start < count else { return }
        switch target.kind {
        case .subscriber(let subscriber):
            target.cursor += UInt64(deliver(messages[start..<count], to: subscriber, policy: policy, offer: offer, counters: &counters, effects: &effects))
        case .group(let name, let members):
            var next = target.turn
            var index = start
            while index < count, !members.isEmpty {
                // A message another node forwarded for other groups is not this group's.
                while index < count, !messages[index].isFor(group: name) { index += 1 }
                guard index < count else { break }
                var end = index + 1
                while end < min(index + groupChunk, count), messages[end].isFor(group: name) { end += 1 }
                let chunk = messages[index..<end]
                // Prefer a member with room; under a drop policy the next member takes the rest.
                var accepted = 0
                for attempt in 0..<members.count where accepted == 0 {
                    accepted = deliver(
                        chunk, to: members[(next + attempt) % members.count], policy: .block, offer: offer, counters: &counters, effects: &effects
                    )
                    if accepted > 0 { next = (next + attempt + 1) % members.count }
                }
                if accepted == 0 && policy != .block && policy != .reject {
                    accepted = deliver(chunk, to: members[next], policy: policy, offer: offer, counters: &counters, effects: &effects)
                    next = (next + 1) % members.count
                }
                guard accepted > 0 else { break }
                index += accepted
            }
            target.turn = next
            target.cursor = first + UInt64(index)
        }
    }

    private static func deliver(
        _ messages: OfferedMessages, to subscriber: Subscriber, policy: OverflowPolicy, offer: Offer, counters: inout TopicCounters,
        effects: inout Effects
    ) -> Int {
        let result = offer(subscriber, messages, policy)
        counters.queued += UInt64(result.accepted - result.dropped)
        counters.dropped += UInt64(result.dropped)
        if result.needsDrain { effects.drains.append(subscriber) }
        return result.accepted
    }

    // MARK: Slow consumers

    /// The slow-consumer timeout passed with the mailbox held back: every subscriber for which
    /// `isStalled` holds (it took nothing all that time) is removed, to be disconnected.
    mutating func stallCheckPassed(isStalled: (Subscriber) -> Bool, offer: Offer) -> Effects {
        var slow: [(subscriber: Subscriber, undelivered: UInt64)] = []
        for target in targets where target.cursor < tailSequence {
            switch target.kind {
            case .subscriber(let subscriber):
                if isStalled(subscriber) { slow.append((subscriber, tailSequence - target.cursor)) }
            case .group(_, let members):
                for member in members where isStalled(member) { slow.append((member, tailSequence - target.cursor)) }
            }
        }
        for (subscriber, _) in slow { remove(subscriber) }
        counters.slowConsumers += UInt64(slow.count)
        var effects = fanOut(offer: offer)
        effects.slowConsumers = slow
        return effects
    }

    /// Forgets `subscriber`, alone or in its group.
    private mutating func remove(_ subscriber: Subscriber) {
        targets.removeAll { if case .subscriber(let candidate) = $0.kind { candidate === subscriber } else { false } }
        for index in targets.indices {
            if case .group(let name, var members) = targets[index].kind, members.contains(where: { $0 === subscriber }) {
                members.removeAll { $0 === subscriber }
                targets[index].kind = .group(name: name, members: members)
                targets[index].turn = members.isEmpty ? 0 : targets[index].turn % members.count
            }
        }
        targets.removeAll { if case .group(_, let members) = $0.kind { members.isEmpty } else { false } }
    }

    // MARK: Shutting down

    /// Empties the mailbox for good, at the end of a shutdown: returns, for each target that
    /// had not been given everything, one subscriber (the group's next member for a queue
    /// group) and how many messages it missed.
    mutating func abandon() -> [(subscriber: Subscriber, missed: UInt64)] {
        var missed: [(subscriber: Subscriber, missed: UInt64)] = []
        for target in targets where target.cursor < tailSequence {
            switch target.kind {
            case .subscriber(let subscriber):
                missed.append((subscriber, tailSequence - target.cursor))
            case .group(_, let members):
                if !members.isEmpty { missed.append((members[target.turn % members.count], tailSequence - target.cursor)) }
            }
        }
        headSequence = tailSequence
        mailbox = []
        mailboxBytes = 0
        targets = []
        return missed
    }
}
