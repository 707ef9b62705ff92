import Logging
import NIOCore
import NIOPosix
@testable import TernBroker
import TernProtocol

/// A topic and its subscribers as a broker sets them up, with the topic on an ``InlineEventLoop``
/// and stand-ins for the client connections: their handlers are detached, so a topic's request to
/// drain a queue does nothing, and the benchmark takes from the queues as each subscriber's
/// connection would.
struct TopicFixture {
    let topic: Topic
    let subscribers: [Subscriber]
    /// Where the broker finds and creates its topics.
    let directory: TopicDirectory
    private let publisher: ConnectionHandle

    /// - Parameter pattern: What the subscribers subscribe to; `name` unless given.
    init(topic name: String, subscribers subscriberCount: Int, pattern: String? = nil) throws {
        let core = try BrokerCore(configuration: BrokerConfiguration(), group: InlineEventLoop(), logger: Logger(label: "microbenchmarks"))
        // Connection handles need a channel only for its event loop: an unused UDP socket on loopback.
        let connections = MultiThreadedEventLoopGroup.singleton.next()
        let channel = try DatagramBootstrap(group: connections).bind(host: "127.0.0.1", port: 0).wait()
        let handles = try connections.submit {
            (0...subscriberCount).map { id in
                let handle = ConnectionHandle(id: UInt64(id), handler: ConnectionHandler(core: core), channel: channel)
                handle.detach()
                return handle
            }
        }.wait()
        let subscribers = handles.dropFirst().map { handle in
            Subscriber(
                connection: handle, subscribe: Frame.Subscribe(subscriptionID: UInt32(handle.id), pattern: pattern ?? name),
                queueCapacity: core.configuration.subscriberQueue
            )
        }
        for subscriber in subscribers {
            core.directory.subscriptions.insert(subscriber)
        }
        guard case .topic(let topic) = core.directory.destination(ofTopic: HashedTopicName(name)) else { fatalError("no topic made") }
        self.topic = topic
        self.subscribers = subscribers
        self.directory = core.directory
        self.publisher = handles[0]
    }

    /// Hands `messages` to the topic (or to `other`) as one read of its publisher does; the topic
    /// offers them to every subscriber's queue before this returns.
    func publish(_ messages: [PublishedMessage], to other: Topic? = nil) {
        (other ?? topic).publishOnItsLoop(messages, from: publisher)
    }
}
