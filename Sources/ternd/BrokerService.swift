import CFreedMemory
import Logging
import NIOPosix
import Prometheus
import ServiceLifecycle
import TernBroker
import TernProtocol

/// Starts the broker inside the service group, whose SIGTERM and SIGINT handlers are in place
/// by then, so that a signal that comes as soon as the port listens stops it gracefully; then
/// runs it (``BrokerServer``'s `Service` conformance) until the group shuts down.
struct BrokerService: Service {
    let configuration: BrokerConfiguration
    /// The number of threads that run connections and topics.
    let eventLoops: Int
    /// Where the broker records its metrics, which `/metrics` serves.
    let metrics: PrometheusCollectorRegistry
    let logger: Logger

    /// - Throws: ``DaemonError`` when the broker cannot start, its address busy for example.
    func run() async throws {
        // Freed memory merged as it is freed, not in one go that would hold an event loop.
        tern_merge_freed_memory_at_once()
        let turns = EventLoopTurns()
        let group = MultiThreadedEventLoopGroup(numberOfThreads: eventLoops, metricsDelegate: turns)
        let server: BrokerServer
        do {
            server = try await BrokerServer.start(configuration: configuration, logger: logger, group: group, turns: turns, metrics: metrics)
        } catch {
            try? await group.shutdownGracefully()
            if let error = error as? BrokerStartError { throw DaemonError(error.description) }
            if let error = error as? MonitorListenError {
                throw DaemonError("cannot listen for monitoring on \(error.address): \(SystemErrorText.describe(error.underlying))")
            }
            throw DaemonError("cannot listen on \(configuration.listen): \(SystemErrorText.describe(error))")
        }
        logger.info("listening", metadata: [
            "address": "\(ServerAddress(host: configuration.listen.host, port: server.port))",
            "tls": "\(configuration.tls != nil)",
            "overflow-policy": "\(configuration.mailbox.policy)",
            "event-loops": "\(eventLoops)",
        ])
        if let monitor = configuration.monitor, let port = server.monitorPort {
            logger.info("monitoring", metadata: ["address": "\(ServerAddress(host: monitor.host, port: port))"])
        }
        try await server.run()
        try? await group.shutdownGracefully()
    }
}
