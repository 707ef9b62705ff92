import Logging
import NIOCore
import NIOPosix
import TernProtocol
import TernTLS

/// The broker: accepts connections, runs the protocol on each, and routes messages through topics.
public final class BrokerServer: Sendable {
    private let core: BrokerCore
    private let serverChannel: any Channel
    private let group: any EventLoopGroup

    /// Binds the listening socket and starts accepting connections.
    ///
    /// - Throws: NIO's `IOError` when the address cannot be bound, for example when the port is
    ///   busy; ``BrokerStartError`` when the saved schema registry cannot be read.
    public static func start(
        configuration: BrokerConfiguration, logger: Logger = Logger(label: "ternd"),
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) async throws -> BrokerServer {
        let core: BrokerCore
        do {
            core = try BrokerCore(configuration: configuration, group: group, logger: logger)
        } catch {
            throw BrokerStartError(description: error.description)
        }
        let channel = try await ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 1024)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelOption(.writeBufferWaterMark, value: .init(low: 256 << 10, high: 1 << 20))
            .childChannelOption(.maxMessagesPerRead, value: 16)
            // NIO keeps each channel's receive buffer for reuse: start small, so that an idle
            // connection holds 4 KiB rather than 64 KiB; a busy one grows it within a few reads.
            .childChannelOption(.recvAllocator, value: AdaptiveRecvByteBufferAllocator(minimum: 4096, initial: 4096, maximum: 262_144))
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try ConnectionPipeline.configure(channel, core: core)
                }
            }
            .bind(host: configuration.host, port: configuration.port)
            .get()
        return BrokerServer(core: core, serverChannel: channel, group: group)
    }

    private init(core: BrokerCore, serverChannel: any Channel, group: any EventLoopGroup) {
        self.core = core
        self.serverChannel = serverChannel
        self.group = group
    }

    public var configuration: BrokerConfiguration { core.configuration }
    public var statistics: BrokerStatistics { core.statistics }

    /// The port the broker listens on.
    public var port: Int {
        serverChannel.localAddress?.port ?? core.configuration.port
    }

    /// Statistics of every live topic, sorted by name.
    public func topicStatistics() async -> [TopicStatistics] {
        var result: [TopicStatistics] = []
        for topic in core.directory.topics {
            result.append(await topic.statistics())
        }
        return result
    }

    /// Stops accepting and reading, lets topics hand what they accepted to subscriber queues,
    /// then writes those queues out, says GOODBYE and closes every connection. Connections still
    /// open after the grace period are closed at once.
    public func shutdown() async {
        try? await serverChannel.close()
        let open = core.openConnections
        core.logger.info("shutting down", metadata: ["connections": "\(open.count)"])
        for connection in open {
            connection.execute { $0.quiesce() }
        }
        // Publishes travel connection → topic → subscriber queue → connection, one event-loop
        // task per step: three passes over every loop let them all arrive.
        for _ in 0..<3 {
            for eventLoop in group.makeIterator() {
                try? await eventLoop.submit {}.get()
            }
        }
        for connection in open {
            connection.execute { $0.shutDown() }
        }
        let eventLoop = serverChannel.eventLoop
        let deadline = eventLoop.scheduleTask(in: core.configuration.shutdownGracePeriod) {
            for connection in open {
                connection.execute { $0.closeNow() }
            }
        }
        try? await EventLoopFuture.andAllComplete(open.map(\.closeFuture), on: eventLoop).get()
        deadline.cancel()
    }
}

/// Why a broker could not start, other than its socket.
public struct BrokerStartError: Error, CustomStringConvertible {
    public var description: String
}
