import Logging
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
    let logger: Logger

    /// - Throws: `BrokerStartError`, or ``ListenError`` when the address cannot be bound.
    func run() async throws {
        let server: BrokerServer
        do {
            server = try await BrokerServer.start(configuration: configuration, logger: logger)
        } catch let error as BrokerStartError {
            throw error
        } catch {
            throw ListenError(underlying: error)
        }
        logger.info("listening", metadata: [
            "address": "\(configuration.host):\(server.port)",
            "tls": "\(configuration.tls != nil)",
            "overflow-policy": "\(configuration.mailbox.policy)",
        ])
        try? await gracefulShutdown()
        await server.shutdown()
    }
}
