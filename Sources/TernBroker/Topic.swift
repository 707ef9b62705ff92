import DequeModule
import NIOCore
import TernProtocol
import TernSchema

/// One topic: an actor, running on an event loop, with a bounded mailbox.
///
/// Published messages enter the mailbox and are handed to each subscriber's queue (for a queue
/// group, to one member's). The mailbox is a log with one cursor per subscriber: a message leaves
/// it once every subscriber has it. Under the drop policies subscriber queues always take
/// messages, dropping and counting the excess, so the mailbox drains at once; under `block` and
/// `reject` a full subscriber queue holds messages in the mailbox.
actor Topic {
    /// Where a message goes: one subscriber, or one member of a queue group.
    struct Target {
        enum Kind {
            case subscriber(Subscriber)
            case group(name: String, members: [Subscriber], next: Int)
        }

        var kind: Kind
        /// The sequence number of the next message this target has not been given.
        var cursor: UInt64
    }

    nonisolated let name: String
    nonisolated let eventLoop: any EventLoop
    nonisolated let settings: MailboxSettings
    private let directory: TopicDirectory

    private var mailbox: Deque<PublishedMessage> = []
    private var mailboxBytes = 0
    /// The sequence number of the mailbox's first message.
    private var headSequence: UInt64 = 0
    private var targets: [Target] = []
    private var pausedPublishers: Set<ConnectionHandle> = []
    private var stallCheck: Scheduled<Void>?
    private var idleCheck: Scheduled<Void>?
    private var isRetired = false
    /// Set at the end of a shutdown: the topic takes and hands out nothing more.
    private var isAbandoned = false
    private var lastActivity = NIODeadline.now()
    private var counters = TopicCounters()

    nonisolated var unownedExecutor: UnownedSerialExecutor {
        eventLoop.executor.asUnownedSerialExecutor()
    }

    init(name: String, settings: MailboxSettings, subscribers: [Subscriber], eventLoop: any EventLoop, directory: TopicDirectory) {
        self.name = name
        self.settings = settings
        self.eventLoop = eventLoop
        self.directory = directory
        for subscriber in subscribers {
            Self.insert(subscriber, into: &targets, cursor: 0)
        }
    }

    private var tailSequence: UInt64 { headSequence + UInt64(mailbox.count) }

    /// Runs `body` isolated to the topic: at once when called on its event loop, else there.
    nonisolated func execute(_ body: @escaping @Sendable (isolated Topic) -> Void) {
        if eventLoop.inEventLoop {
            assumeIsolated(body)
        } else {
            eventLoop.execute { self.assumeIsolated(body) }
        }
    }

    // MARK: Publishing

    /// Accepts `messages` from `publisher` in order, subject to the overflow policy, and hands
    /// them on to subscribers.
    func publish(_ messages: [PublishedMessage], from publisher: ConnectionHandle) {
        guard !isAbandoned else { return }
        guard !isRetired else {
            directory.topic(named: name).execute { $0.publish(messages, from: publisher) }
            return
        }
        lastActivity = .now()
        var acknowledged: [UInt64] = []
        var rejected = Rejection()
        let binding = directory.registry.binding(forTopic: name)
        for message in messages {
            if let binding, let (code, reason) = Self.problem(with: message, boundTo: binding.subject, topic: name) {
                rejected.add(message, code: code, reason: reason)
                continue
            }
            if settings.policy == .reject && settings.capacity.isFull(messages: mailbox.count, bytes: mailboxBytes) {
                rejected.add(message, code: .mailboxFull, reason: "the mailbox of topic '\(name)' is full")
                continue
            }
            mailbox.append(message)
            mailboxBytes += message.size
            if let ackID = message.ackID { acknowledged.append(ackID) }
        }
        counters.published += UInt64(messages.count - rejected.count)
        directory.statistics.published(messages.count - rejected.count)
        if !acknowledged.isEmpty {
            let ackIDs = acknowledged
            publisher.execute { $0.acknowledge(ackIDs) }
        }
        if rejected.count > 0 {
            counters.rejected += UInt64(rejected.count)
            directory.statistics.rejected(rejected.count)
            let rejection = rejected
            publisher.execute { $0.reportRejection(rejection) }
        }
        fanOut()
        if settings.policy == .block && settings.capacity.isFull(messages: mailbox.count, bytes: mailboxBytes) {
            if pausedPublishers.insert(publisher).inserted {
                counters.publisherPauses += 1
                publisher.execute { $0.pauseReading(for: self) }
            }
        }
    }

    /// Why a message may not enter a topic bound to `subject`, or `nil` when it may.
    private static func problem(with message: PublishedMessage, boundTo subject: SchemaRegistry.Subject, topic: String) -> (ErrorCode, String)? {
        guard let reference = message.schema else {
            return (.schemaRequired, "topic '\(topic)' is bound to subject '\(subject.name)': a publish must name one of its versions")
        }
        guard reference.subjectID == subject.id else {
            return (.schemaMismatch, "topic '\(topic)' takes subject '\(subject.name)' (id \(subject.id)), not subject id \(reference.subjectID)")
        }
        guard let version = subject.version(reference.version), reference.version != 0 else {
            return (.unknownVersion, "subject '\(subject.name)' has no version \(reference.version)")
        }
        do {
            try message.payload.withUnsafeReadableBytes { bytes throws(SchemaValueError) in try version.schema.validate(bytes) }
            return nil
        } catch {
            return (.invalidPayload, "payload does not match \(subject.name) version \(version.number): \(error)")
        }
    }

    /// Hands every target what it has not been given yet, as far as its queue takes it, then
    /// drops from the mailbox what every target has.
    func fanOut() {
        guard !isAbandoned else { return }
        for index in targets.indices {
            advance(&targets[index])
        }
        let delivered = targets.map(\.cursor).min() ?? tailSequence
        while headSequence < delivered, let message = mailbox.popFirst() {
            mailboxBytes -= message.size
            headSequence += 1
        }
        if !pausedPublishers.isEmpty && !isAboveLowWatermark {
            let publishers = pausedPublishers
            pausedPublishers.removeAll()
            for publisher in publishers {
                publisher.execute { $0.resumeReading(for: self) }
            }
        }
        if headSequence < tailSequence {
            scheduleStallCheck()
        } else if targets.isEmpty {
            scheduleIdleCheck()
        }
    }

    private var isAboveLowWatermark: Bool {
        mailbox.count > settings.capacity.messages / 2 || mailboxBytes > settings.capacity.bytes / 2
    }

    private func advance(_ target: inout Target) {
        let start = Int(target.cursor - headSequence)
        guard start < mailbox.count else { return }
        switch target.kind {
        case .subscriber(let subscriber):
            target.cursor += UInt64(offer(mailbox[start...], to: subscriber, policy: settings.policy))
        case .group(let name, let members, var next):
            var index = start
            while index < mailbox.count, !members.isEmpty {
                let chunk = mailbox[index..<min(index + Self.groupChunk, mailbox.count)]
                // Prefer a member with room; under a drop policy the next member takes the rest.
                var accepted = 0
                for attempt in 0..<members.count where accepted == 0 {
                    accepted = offer(chunk, to: members[(next + attempt) % members.count], policy: .block)
                    if accepted > 0 { next = (next + attempt + 1) % members.count }
                }
                if accepted == 0 && settings.policy != .block && settings.policy != .reject {
                    accepted = offer(chunk, to: members[next], policy: settings.policy)
                    next = (next + 1) % members.count
                }
                guard accepted > 0 else { break }
                index += accepted
            }
            target.kind = .group(name: name, members: members, next: next)
            target.cursor = headSequence + UInt64(index)
        }
    }

    /// How many consecutive messages one queue-group member is offered at a time.
    private static let groupChunk = 16

    private func offer(_ messages: Slice<Deque<PublishedMessage>>, to subscriber: Subscriber, policy: OverflowPolicy) -> Int {
        let result = subscriber.queue.offer(messages, policy: policy, from: self)
        counters.queued += UInt64(result.accepted - result.dropped)
        if result.dropped > 0 {
            counters.dropped += UInt64(result.dropped)
            directory.statistics.dropped(result.dropped)
        }
        if result.needsDrain {
            subscriber.connection.execute { $0.drain(subscriber) }
        }
        return result.accepted
    }

    // MARK: Subscribers

    /// Adds a subscriber; it receives messages published from now on.
    func add(_ subscriber: Subscriber) {
        guard !isRetired, !isAbandoned else { return }
        Self.insert(subscriber, into: &targets, cursor: tailSequence)
        idleCheck?.cancel()
        idleCheck = nil
    }

    private static func insert(_ subscriber: Subscriber, into targets: inout [Target], cursor: UInt64) {
        guard let group = subscriber.queueGroup else {
            targets.append(Target(kind: .subscriber(subscriber), cursor: cursor))
            return
        }
        for index in targets.indices {
            if case .group(group, var members, let next) = targets[index].kind {
                members.append(subscriber)
                targets[index].kind = .group(name: group, members: members, next: next)
                return
            }
        }
        targets.append(Target(kind: .group(name: group, members: [subscriber], next: 0), cursor: cursor))
    }

    /// Removes a subscriber; the mailbox no longer keeps messages for it.
    func remove(_ subscriber: Subscriber) {
        targets.removeAll { target in
            if case .subscriber(let candidate) = target.kind { return candidate === subscriber }
            return false
        }
        for index in targets.indices {
            if case .group(let group, var members, let next) = targets[index].kind {
                members.removeAll { $0 === subscriber }
                targets[index].kind = .group(name: group, members: members, next: members.isEmpty ? 0 : next % members.count)
            }
        }
        targets.removeAll { target in
            if case .group(_, let members, _) = target.kind { return members.isEmpty }
            return false
        }
        fanOut()
    }

    // MARK: Slow consumers and retirement

    private func scheduleStallCheck() {
        guard stallCheck == nil, settings.policy == .block || settings.policy == .reject else { return }
        let timeout = directory.timing.slowConsumerTimeout
        stallCheck = eventLoop.scheduleTask(in: timeout) {
            self.assumeIsolated { $0.disconnectSlowConsumers(timeout: timeout) }
        }
    }

    /// Cuts loose every subscriber that holds the mailbox back and has taken nothing for `timeout`.
    private func disconnectSlowConsumers(timeout: TimeAmount) {
        stallCheck = nil
        let stalledSince = NIODeadline.now() - timeout
        var slow: [Subscriber] = []
        for target in targets where target.cursor < tailSequence {
            switch target.kind {
            case .subscriber(let subscriber):
                if subscriber.queue.isStalled(since: stalledSince) { slow.append(subscriber) }
            case .group(_, let members, _):
                slow += members.filter { $0.queue.isStalled(since: stalledSince) }
            }
        }
        for subscriber in slow {
            counters.slowConsumers += 1
            directory.statistics.slowConsumerDisconnected()
            let (topic, held) = (name, undelivered(to: subscriber))
            subscriber.connection.execute { $0.disconnectSlowConsumer(subscriber, topic: topic, heldInMailbox: held) }
            remove(subscriber)
        }
        if slow.isEmpty { fanOut() }
    }

    private func scheduleIdleCheck() {
        guard idleCheck == nil, !isRetired else { return }
        let idle = directory.timing.idleTopicRetirement
        idleCheck = eventLoop.scheduleTask(in: idle) {
            self.assumeIsolated { $0.retireIfIdle() }
        }
    }

    private func retireIfIdle() {
        idleCheck = nil
        guard targets.isEmpty, mailbox.isEmpty else { return }
        guard lastActivity + directory.timing.idleTopicRetirement <= .now() else {
            scheduleIdleCheck()
            return
        }
        if directory.retire(self) { isRetired = true }
    }

    /// How many messages of the mailbox `subscriber` has not been given: those after its
    /// cursor, or after its group's.
    private func undelivered(to subscriber: Subscriber) -> UInt64 {
        let target = targets.first { target in
            switch target.kind {
            case .subscriber(let candidate): candidate === subscriber
            case .group(_, let members, _): members.contains { $0 === subscriber }
            }
        }
        return target.map { tailSequence - $0.cursor } ?? 0
    }

    // MARK: Shutting down

    /// Whether the mailbox holds nothing.
    var isEmpty: Bool { mailbox.isEmpty }

    /// Empties the mailbox for good, at the end of a shutdown: returns, for each target that
    /// had not been given everything, one subscriber (the group's next member for a queue
    /// group) and how many messages it missed. The topic takes nothing more.
    func abandon() -> [(Subscriber, UInt64)] {
        var missed: [(Subscriber, UInt64)] = []
        for target in targets where target.cursor < tailSequence {
            switch target.kind {
            case .subscriber(let subscriber):
                missed.append((subscriber, tailSequence - target.cursor))
            case .group(_, let members, let next):
                if !members.isEmpty { missed.append((members[next % members.count], tailSequence - target.cursor)) }
            }
        }
        headSequence = tailSequence
        mailbox.removeAll()
        mailboxBytes = 0
        targets.removeAll()
        stallCheck?.cancel()
        idleCheck?.cancel()
        isAbandoned = true
        return missed
    }

    /// The topic's counters and its mailbox's current depth.
    func statistics() -> TopicStatistics {
        TopicStatistics(
            name: name, policy: settings.policy, counters: counters, mailboxMessages: mailbox.count,
            mailboxBytes: mailboxBytes, subscribers: targets.reduce(0) { count, target in
                if case .group(_, let members, _) = target.kind { return count + members.count }
                return count + 1
            }
        )
    }
}
