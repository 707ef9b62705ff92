import DequeModule
import NIOCore
import TernProtocol

/// One topic: an actor, running on an event loop, with a bounded mailbox.
///
/// The fan-out itself (mailbox, cursors, queue groups, overflow policy) is a ``TopicCore``; the
/// actor gives it isolation, looks its subscribers up in the broker's ``SubscriptionIndex``
/// when they changed, checks publishes against the topic's schema binding, carries out the
/// core's effects (acknowledgements, refusals, pausing publishers, waking subscribers'
/// connections) and owns the slow-consumer timer. It offers messages to subscribers' queues,
/// which remember it while they are full, so that taking from them wakes it.
actor Topic {
    /// The topic's name and its hash, by which the directory keeps it.
    nonisolated let key: HashedTopicName
    nonisolated var name: String { key.name }
    nonisolated let eventLoop: any EventLoop
    private let directory: TopicDirectory
    private var core: TopicCore<Subscriber, ConnectionHandle>
    /// The subscription index's generation the core's subscribers are current at.
    private var generation: UInt64
    private var stallCheck: Scheduled<Void>?
    /// Whether a publish came since the topic joined the idle sweep's queue: the sweep comes
    /// back to it after the idle-retirement time, so none since means idle that long. A flag, not
    /// the time of the last publish, so that a publish does not read the clock.
    private var publishedSinceSweepJoined = false
    private var isRetired = false
    /// Set at the end of a shutdown: the topic takes and hands out nothing more.
    private var isAbandoned = false
    /// Whether the directory's idle sweep has this topic in its queue.
    private var awaitsIdleSweep = false
    /// The topic's own series in the metrics, when its name matches a configured pattern.
    private let series: TopicSeries?

    nonisolated var unownedExecutor: UnownedSerialExecutor {
        eventLoop.executor.asUnownedSerialExecutor()
    }

    /// A topic whose subscribers are `subscribers`, as the directory's index had them at
    /// `generation`, and whose own series in the metrics is `series`.
    init(
        key: HashedTopicName, settings: MailboxSettings, subscribers: TopicSubscribers<Subscriber>, matchedAt generation: UInt64, series: TopicSeries?,
        eventLoop: any EventLoop, directory: TopicDirectory
    ) {
        self.key = key
        self.eventLoop = eventLoop
        self.directory = directory
        self.core = TopicCore(settings: settings, subscribers: subscribers)
        self.generation = generation
        self.series = series
    }

    /// Runs `body` isolated to the topic: at once when called on its event loop, else there.
    nonisolated func execute(_ body: @escaping @Sendable (isolated Topic) -> Void) {
        if eventLoop.inEventLoop {
            runIsolated(body) { topic, body in body(topic) }
        } else {
            eventLoop.execute { self.runIsolated(body) { topic, body in body(topic) } }
        }
    }

    /// Runs `body` with `argument`, isolated to the topic, on its event loop: what
    /// `assumeIsolated` does, without its call into the runtime to find the current executor.
    /// `body` escapes and captures nothing, its argument passed apart: making a closure that does
    /// not escape into one that does (`withoutActuallyEscaping`, as `assumeIsolated` does) boxed
    /// it, two allocations for every batch handed to a topic.
    nonisolated private func runIsolated<Argument>(_ argument: Argument, _ body: @escaping (isolated Topic, Argument) -> Void) {
        // The topic's executor is its event loop's (``unownedExecutor``): on the loop, the code
        // runs isolated to the topic, which is what makes the cast below sound.
        precondition(eventLoop.inEventLoop, "topic '\(name)' used off its event loop")
        unsafeBitCast(body, to: ((Topic, Argument) -> Void).self)(self, argument)
    }

    /// Hands `messages` to ``publish(_:from:)``: at once when called on the topic's event loop,
    /// without allocating the closure ``execute(_:)`` takes, else there.
    nonisolated func publishOnItsLoop(_ messages: [PublishedMessage], from publisher: ConnectionHandle) {
        if eventLoop.inEventLoop {
            runIsolated((messages, publisher)) { topic, batch in topic.publish(batch.0, from: batch.1) }
        } else {
            eventLoop.execute { self.runIsolated((messages, publisher)) { topic, batch in topic.publish(batch.0, from: batch.1) } }
        }
    }

    /// Brings the core's subscribers up to date when the subscriptions changed since.
    private func refreshSubscribers() {
        let index = directory.subscriptions
        guard generation != index.generation else { return }
        let (subscribers, current) = index.subscribers(forTopic: name, cached: false)
        generation = current
        apply { $0.setSubscribers(subscribers, offer: offer) }
    }

    /// Offers `messages` to `subscriber`'s queue under `policy`, this topic to wake when it has
    /// room: the offer every event hands the core.
    private func offer(_ subscriber: Subscriber, _ messages: OfferedMessages, _ policy: OverflowPolicy) -> QueueOffer {
        subscriber.queue.offer(messages, policy: policy, from: self, at: eventLoop.now)
    }

    // MARK: Publishing

    /// Accepts `messages` from `publisher` in order, subject to the overflow policy and the
    /// topic's schema binding, and hands them on to subscribers. Without a publisher (messages
    /// another node of the cluster forwarded), refusals are only counted.
    func publish(_ messages: [PublishedMessage], from publisher: ConnectionHandle?) {
        guard !isAbandoned else { return }
        guard !isRetired else {
            switch directory.destination(ofTopic: key) {
            case .topic(let successor):
                successor.execute { $0.publish(messages, from: publisher) }
            case .nobody:
                let ackIDs = directory.acceptForNobody(messages)
                if !ackIDs.isEmpty { publisher?.execute { $0.acknowledge(ackIDs) } }
            case .tooManyTopics:
                var refused = Rejection()
                directory.refuseForTooManyTopics(messages, in: &refused)
                let rejection = refused
                publisher?.execute { $0.reportRejection(rejection) }
            }
            return
        }
        publishedSinceSweepJoined = true
        refreshSubscribers()
        let refusal = directory.registry.binding(forTopic: name).map { binding in
            { (message: PublishedMessage) in binding.problem(with: message.schema, payload: message.payload, topic: self.name) }
        }
        apply(publisher: publisher) {
            $0.publish(messages, to: name, from: publisher, refusal: refusal, offer: offer)
        }
    }

    /// Hands subscribers what their queues have room for now: a queue that filled up was
    /// taken from, or a subscriber went away.
    func fanOut() {
        guard !isAbandoned else { return }
        refreshSubscribers()
        apply { $0.fanOut(offer: offer) }
    }

    /// Takes the mailbox settings of a reloaded configuration.
    func reconfigure(_ settings: MailboxSettings) {
        guard !isAbandoned, settings != core.settings else { return }
        apply { $0.reconfigure(settings, offer: offer) }
    }

    /// Hands `event` to the core, then carries out what the core asked for and reports what the
    /// event changed; `publisher` is the one whose batch it was.
    private func apply(
        publisher: ConnectionHandle? = nil,
        _ event: (inout TopicCore<Subscriber, ConnectionHandle>) -> TopicCore<Subscriber, ConnectionHandle>.Effects
    ) {
        let before = currentReport
        let effects = event(&core)
        run(effects, publisher: publisher, since: before)
    }

    /// Carries out what the core asked for; `publisher` is the one whose batch it was, and
    /// `before` the core's report before the event.
    private func run(_ effects: TopicCore<Subscriber, ConnectionHandle>.Effects, publisher: ConnectionHandle?, since before: TopicReport) {
        if let publisher {
            if !effects.acknowledged.isEmpty {
                let ackIDs = effects.acknowledged
                publisher.execute { $0.acknowledge(ackIDs) }
            }
            if effects.rejection.count > 0 {
                let rejection = effects.rejection
                publisher.execute { $0.reportRejection(rejection) }
            }
            if effects.pausePublisher {
                publisher.execute { $0.pauseReading(for: self) }
            }
        }
        for resumed in effects.resumedPublishers {
            resumed.execute { $0.resumeReading(for: self) }
        }
        for subscriber in effects.drains {
            subscriber.connection.drain(subscriber)
        }
        for (subscriber, undelivered) in effects.slowConsumers {
            directory.statistics.slowConsumerDisconnected()
            let topic = name
            subscriber.connection.execute { $0.disconnectSlowConsumer(subscriber, topic: topic, heldInMailbox: undelivered) }
        }
        report(since: before)
        if effects.armStallCheck { scheduleStallCheck() }
        // Only a new topic is not in the sweep's queue here.
        awaitIdleSweep()
    }

    /// The core's counters and mailbox depth now.
    private var currentReport: TopicReport {
        TopicReport(counters: core.counters, mailboxMessages: core.mailbox.count, mailboxBytes: core.mailboxBytes)
    }

    /// Adds what changed since `reported`, taken before the event, to the broker's statistics
    /// and the topic's series: once per batch, never per message. Taken around each event rather
    /// than kept, as a topic's memory is most of a live topic's cost.
    private func report(since reported: TopicReport) {
        let now = currentReport
        guard now != reported else { return }
        let statistics = directory.statistics
        let counters = now.counters
        if counters.published > reported.counters.published {
            statistics.published(
                Int(counters.published - reported.counters.published), bytes: Int(counters.publishedBytes - reported.counters.publishedBytes)
            )
        }
        if counters.dropped > reported.counters.dropped {
            statistics.dropped(Int(counters.dropped - reported.counters.dropped), reason: core.settings.policy == .dropOldest ? .droppedOldest : .droppedNewest)
        }
        if counters.rejected > reported.counters.rejected { statistics.rejected(Int(counters.rejected - reported.counters.rejected)) }
        statistics.mailboxes.add(messages: now.mailboxMessages - reported.mailboxMessages, bytes: now.mailboxBytes - reported.mailboxBytes)
        series?.record(now, since: reported, subscribers: core.subscriberCount)
    }

    // MARK: Slow consumers and retirement

    private func scheduleStallCheck() {
        guard stallCheck == nil else { return }
        let timeout = directory.timing.slowConsumerTimeout
        stallCheck = eventLoop.scheduleTask(in: timeout) {
            self.runIsolated(timeout) { topic, timeout in topic.stallCheckPassed(timeout: timeout) }
        }
    }

    /// Cuts loose every subscriber that holds the mailbox back and has taken nothing for `timeout`.
    private func stallCheckPassed(timeout: TimeAmount) {
        stallCheck = nil
        guard !isAbandoned else { return }
        refreshSubscribers()
        let stalledSince = eventLoop.now - timeout
        apply {
            $0.stallCheckPassed(
                isStalled: { $0.queue.isStalled(since: stalledSince) }, offer: offer
            )
        }
    }

    /// Joins the directory's idle sweep, unless it waits there already; the sweep comes back to
    /// the topic after the idle-retirement time. Every live topic waits in it, not only idle
    /// ones: subscribers leave without telling the topics they had, which learn of it when the
    /// sweep comes.
    private func awaitIdleSweep() {
        guard !awaitsIdleSweep else { return }
        awaitsIdleSweep = true
        publishedSinceSweepJoined = false
        directory.idleTopics.add(self)
    }

    /// Called by the directory's idle sweep, the idle-retirement time or more after the topic
    /// joined its queue: retires the topic when it has no subscribers and no messages and had
    /// no publish since, else joins the queue again; returns whether it retired.
    func retireIfIdle() -> Bool {
        guard !isRetired, !isAbandoned else {
            awaitsIdleSweep = false
            return false
        }
        // Still marked as waiting in the queue, so that catching up with the subscriptions does
        // not put the topic back in it: a retired topic would wait there another retirement time.
        refreshSubscribers()
        awaitsIdleSweep = false
        guard core.isIdle, !publishedSinceSweepJoined else {
            awaitIdleSweep()
            return false
        }
        isRetired = directory.retire(self)
        return isRetired
    }

    // MARK: Shutting down

    /// Whether the mailbox holds nothing.
    var isEmpty: Bool { core.mailbox.isEmpty }

    /// Empties the mailbox for good, at the end of a shutdown: returns, for each target that
    /// had not been given everything, one subscriber and how many messages it missed. The
    /// topic takes nothing more.
    func abandon() -> [(subscriber: Subscriber, missed: UInt64)] {
        isAbandoned = true
        stallCheck?.cancel()
        stallCheck = nil
        let before = currentReport
        let missed = core.abandon()
        report(since: before)
        return missed
    }

    /// The topic's counters and its mailbox's current depth.
    func statistics() -> TopicStatistics {
        refreshSubscribers()
        return TopicStatistics(
            name: name, policy: core.settings.policy, counters: core.counters, mailboxMessages: core.mailbox.count,
            mailboxBytes: core.mailboxBytes, subscribers: core.subscriberCount, queueGroups: core.queueGroups
        )
    }
}
