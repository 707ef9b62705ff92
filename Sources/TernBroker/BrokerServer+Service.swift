import ServiceLifecycle

/// A started broker runs in a `ServiceGroup` next to the services of the program that embeds
/// it, and stops when the group shuts down:
///
/// ```swift
/// let server = try await BrokerServer.start(configuration: configuration, logger: logger)
/// let group = ServiceGroup(services: [server, application], gracefulShutdownSignals: [.sigterm], logger: logger)
/// try await group.run()
/// ```
extension BrokerServer: Service {
    /// Serves until the service group shuts down gracefully, then stops the broker gracefully
    /// (``shutdown()``). When the task is cancelled instead, the broker stops without waiting
    /// for subscribers: what they did not take is reported to them at once.
    public func run() async throws {
        try? await gracefulShutdown()
        await shutdown()
    }
}
