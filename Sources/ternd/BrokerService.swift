import CFreedMemory
import Logging
import NIOPosix
import ServiceLifecycle
import TernBroker
import TernProtocol
import UnixSignals

/// Starts the broker inside the service group, whose SIGTERM and SIGINT handlers are in place
/// by then, so that a signal that comes as soon as the port listens stops it gracefully; then
/// runs it (``BrokerServer``'s `Service` conformance) until the group shuts down, or until
/// SIGUSR2's lame duck mode has closed every connection; the service then returns and the
/// group shuts down.
struct BrokerService: Service {
    let configuration: BrokerConfiguration
    /// The number of threads that run connections and topics.
    let eventLoops: Int
    let logger: Logger

    /// - Throws: ``DaemonError`` when the broker cannot start, its address busy for example.
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
            if let error = error as? BrokerStartError { throw DaemonError(error.description) }
            throw DaemonError("cannot listen on \(configuration.listen): \(SystemErrorText.describe(error))")
        }
        logger.info("listening", metadata: [
            "address": "\(ServerAddress(host: configuration.listen.host, port: server.port))",
            "tls": "\(configuration.tls != nil)",
            "overflow-policy": "\(configuration.mailbox.policy)",
            "event-loops": "\(eventLoops)",
        ])
        await withTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try? await server.run() }
            tasks.addTask {
                for await _ in await UnixSignalsSequence(trapping: .sigusr2).cancelOnGracefulShutdown() {
                    await server.enterLameDuckMode()
                    return
                }
            }
            // A graceful shutdown, or the end of lame duck mode, ends both.
            await tasks.next()
            tasks.cancelAll()
        }
        try? await group.shutdownGracefully()
    }
}
