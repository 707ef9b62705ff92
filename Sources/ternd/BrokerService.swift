import ServiceLifecycle
import TernBroker

/// Keeps the broker running until a graceful shutdown (SIGTERM or SIGINT), then shuts it down.
struct BrokerService: Service {
    let server: BrokerServer

    func run() async throws {
        try? await gracefulShutdown()
        await server.shutdown()
    }
}
