import CoreMetrics

/// What a topic last added to the broker's statistics: its counters and mailbox depth.
struct TopicReport: Equatable {
    var counters = TopicCounters()
    var mailboxMessages = 0
    var mailboxBytes = 0
}

/// The series of one topic in the metrics (label `topic`), for the topics whose names match a
/// configured pattern; updated by its topic once per batch.
final class TopicSeries: Sendable {
    private let messagesReceived: Counter
    private let bytesReceived: Counter
    private let messagesDelivered: Counter
    private let messagesDropped: Counter
    private let publishesRefused: Counter
    private let mailboxMessages: Gauge
    private let mailboxBytes: Gauge
    private let subscribers: Gauge

    init(topic: String, factory: any MetricsFactory) {
        let dimensions = [("topic", topic)]
        messagesReceived = Counter(label: "tern_topic_messages_received_total", dimensions: dimensions, factory: factory)
        bytesReceived = Counter(label: "tern_topic_bytes_received_total", dimensions: dimensions, factory: factory)
        messagesDelivered = Counter(label: "tern_topic_messages_delivered_total", dimensions: dimensions, factory: factory)
        messagesDropped = Counter(label: "tern_topic_messages_dropped_total", dimensions: dimensions, factory: factory)
        publishesRefused = Counter(label: "tern_topic_publishes_refused_total", dimensions: dimensions, factory: factory)
        mailboxMessages = Gauge(label: "tern_topic_mailbox_messages", dimensions: dimensions, factory: factory)
        mailboxBytes = Gauge(label: "tern_topic_mailbox_bytes", dimensions: dimensions, factory: factory)
        subscribers = Gauge(label: "tern_topic_subscribers", dimensions: dimensions, factory: factory)
    }

    /// Adds what changed from `earlier` to `now`.
    func record(_ now: TopicReport, since earlier: TopicReport, subscribers count: Int) {
        Self.add(now.counters.published, earlier.counters.published, to: messagesReceived)
        Self.add(now.counters.publishedBytes, earlier.counters.publishedBytes, to: bytesReceived)
        Self.add(now.counters.queued, earlier.counters.queued, to: messagesDelivered)
        Self.add(now.counters.dropped, earlier.counters.dropped, to: messagesDropped)
        Self.add(now.counters.rejected, earlier.counters.rejected, to: publishesRefused)
        mailboxMessages.record(now.mailboxMessages)
        mailboxBytes.record(now.mailboxBytes)
        subscribers.record(count)
    }

    private static func add(_ now: UInt64, _ earlier: UInt64, to counter: Counter) {
        if now > earlier { counter.increment(by: Int64(clamping: now - earlier)) }
    }
}
