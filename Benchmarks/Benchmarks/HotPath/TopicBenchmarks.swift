import Benchmark
import NIOCore
@testable import TernBroker
import TernProtocol

/// A batch of publishes going through a topic's mailbox into subscriber queues and out of them:
/// for one subscriber without encoding, and as the fan-out to one and to four subscribers, each
/// subscriber's messages encoded as its MESSAGE frames.
func registerTopicBenchmarks(_ configuration: Benchmark.Configuration) throws {
    let messages = (0..<configuration.scalingFactor.rawValue).map { _ in PublishedMessage(Workload.publish) }

    let mailbox = try TopicFixture(topic: Workload.publish.topic, subscribers: 1)
    Benchmark("MailboxToQueue", configuration: configuration) { _ in
        mailbox.publish(messages)
        drain(messages.count, from: mailbox.subscribers[0]) { _ in }
    }

    for subscriberCount in [1, 4] {
        let fanOut = try TopicFixture(topic: Workload.publish.topic, subscribers: subscriberCount)
        var outputs = fanOut.subscribers.map { _ in Workload.outputBuffer(frames: messages.count) }
        Benchmark("FanOutTo\(subscriberCount)", configuration: configuration) { _ in
            fanOut.publish(messages)
            for (index, subscriber) in fanOut.subscribers.enumerated() {
                outputs[index].clear()
                try drain(messages.count, from: subscriber) { batch in
                    for message in batch.messages {
                        try outputs[index].writeMessageFrame(
                            subscriptionID: subscriber.subscriptionID, topic: message.topic, replyTo: message.replyTo,
                            headers: message.headers, schema: message.schema, payload: message.payload
                        )
                    }
                }
            }
        }
    }
}

/// New topics, as publishes to ever new names create them: per iteration a thousand topics
/// (`dev.<i>.created`), each found missing in the topic table by its name's hash, created with
/// the one wildcard subscription that matches it (`dev.*.*`), handed one message, which goes to
/// the subscriber's queue, and retired; the figures are per topic.
func registerTopicCreationBenchmarks(_ configuration: Benchmark.Configuration) throws {
    let fixture = try TopicFixture(topic: "dev.fixture.created", subscribers: 1, pattern: "dev.*.*")
    let names = (0..<configuration.scalingFactor.rawValue).map { "dev.\($0).created" }
    let batches = names.map { [PublishedMessage(Frame.Publish(topic: $0, payload: Workload.publish.payload))] }
    Benchmark("NewTopic", configuration: configuration) { _ in
        for (name, batch) in zip(names, batches) {
            guard case .topic(let topic) = fixture.directory.destination(ofTopic: HashedTopicName(name)) else { fatalError("no topic made") }
            fixture.publish(batch, to: topic)
            guard fixture.directory.retire(topic) else { fatalError("the new topic was not the live one") }
        }
        drain(names.count, from: fixture.subscribers[0]) { _ in }
    }
}

/// Takes `count` messages from the queue of `subscriber` in a connection's drain rounds, handing
/// each round to `deliver`.
private func drain(_ count: Int, from subscriber: Subscriber, _ deliver: (SubscriberQueue<Topic>.Batch) throws -> Void) rethrows {
    var remaining = count
    while remaining > 0 {
        let batch = subscriber.queue.take(maxBytes: ConnectionHandler.drainRoundBytes, at: .now())
        guard !batch.messages.isEmpty else { fatalError("the topic queued fewer messages than it was given") }
        try deliver(batch)
        remaining -= batch.messages.count
    }
}
