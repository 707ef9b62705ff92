import CFreedMemory
import Logging
import NIOPosix
import ServiceLifecycle
import TernBroker

/// Starts the broker, keeps it running until a graceful shutdown (SIGTERM or SIGINT), then
/// shuts it down.
struct BrokerService: Service {
    /// The broker could not listen on its address.
    struct ListenError: Error {
        var underlying: any Error
    }

    let configuration: BrokerConfiguration
    /// The number of threads that run connections and topics.
    let eventLoops: Int
    let logger: Logger

    /// - Throws: `BrokerStartError`, or ``ListenError`` when the address cannot be bound.
    func run() async throws {
        // Freed memory merged as it is freed, not in one go that would hold an event loop.
        tern_merge_freed_memory_at_once()
        let turns = EventLoopTurns()
        let group = MultiThreadedEventLoopGroup(numberOfThreads: eventLoops, metricsDelegate: turns)
        let server: BrokerServer
        do {
            server = try await BrokerServer.start(configuration: configuration, logger: logger, group: group, turns: turns)
        } catch {
            try? await group.shutdownGracefully()
            if error is BrokerStartError { throw error }
            throw ListenError(underlying: error)
        }
        logger.info("listening", metadata: [
            "address": "\(configuration.host):\(server.port)",
            "tls": "\(configuration.tls != nil)",
            "overflow-policy": "\(configuration.mailbox.policy)",
            "event-loops": "\(eventLoops)",
        ])
        try? await gracefulShutdown()
        await server.shutdown()
        try? await group.shutdownGracefully()
    }
}
