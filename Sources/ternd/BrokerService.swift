import CFreedMemory
import Logging
import NIOCore
import NIOPosix
import Prometheus
import ServiceLifecycle
import TernBroker
import TernSettingValues
import TernProtocol
import UnixSignals

/// Starts the broker inside the service group, whose SIGTERM and SIGINT handlers are in place
/// by then, so that a signal that comes as soon as the port listens stops it gracefully; then
/// runs it (``BrokerServer``'s `Service` conformance) until the group shuts down, or until
/// SIGUSR2's lame duck mode has closed every connection (the service then returns and the group
/// shuts down), reloading its settings on SIGHUP.
struct BrokerService: Service {
    let configuration: BrokerConfiguration
    /// The number of threads that run connections and topics.
    let eventLoops: Int
    /// The scheduling slice those threads ask the kernel for; zero keeps its default.
    let schedulerSlice: TimeAmount
    /// Where the broker records its metrics, which `/metrics` serves.
    let metrics: PrometheusCollectorRegistry
    /// Reads the settings again for a reload.
    let settings: SettingsReader
    /// The config file whose changes reload the settings (`--watch-config`), if any.
    let watched: String?
    let logger: Logger
    /// The node's membership in its cluster, if it is a node of one.
    var membership: ClusterMembership?
    /// On a cluster node, the schema registry kept in etcd.
    var clusterRegistry: ClusterRegistry?

    /// - Throws: ``DaemonError`` when the broker cannot start, its address busy for example.
    func run() async throws {
        // Freed memory merged as it is freed, not in one go that would hold an event loop.
        tern_merge_freed_memory_at_once()
        // Buffers of a busy stream reuse freed memory instead of faulting in new pages: with
        // glibc's defaults, page faults took a tenth of the CPU of a 1:1 TLS stream. Up to 64 MiB
        // stays free at the top of the heap; blocks up to 8 MiB come from it.
        tern_keep_freed_memory_for_reuse(64 << 20, 8 << 20)
        let turns = EventLoopTurns()
        let group = MultiThreadedEventLoopGroup(numberOfThreads: eventLoops, metricsDelegate: turns)
        let slice = await SchedulerSlice.request(schedulerSlice, on: group, logger: logger)
        let server: BrokerServer
        do {
            await clusterRegistry?.load()
            server = try await BrokerServer.start(
                configuration: configuration, logger: logger, group: group, turns: turns, metrics: metrics,
                cluster: membership, clusterRegistry: clusterRegistry
            )
        } catch {
            try? await group.shutdownGracefully()
            if let error = error as? BrokerStartError { throw DaemonError(error.description) }
            if let error = error as? RouteSetupError { throw DaemonError(error.description) }
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
            "poll-window": "\(HumanDuration(Duration(configuration.inputPollWindow)))",
            "scheduler-slice": "\(slice)",
        ])
        if let monitor = configuration.monitor, let port = server.monitorPort {
            logger.info("monitoring", metadata: ["address": "\(ServerAddress(host: monitor.host, port: port))"])
        }
        logAccess()
        // Each task says whether its end ends the service: the broker stopping (a graceful
        // shutdown) or lame duck mode finished do; the signal loops, which a graceful shutdown
        // also ends, do not.
        try await withThrowingTaskGroup(of: Bool.self) { tasks in
            tasks.addTask {
                try await server.run()
                return true
            }
            tasks.addTask {
                for await _ in await UnixSignalsSequence(trapping: .sigusr2).cancelOnGracefulShutdown() {
                    await server.enterLameDuckMode()
                    return true
                }
                return false
            }
            tasks.addTask {
                await reloadOnHangup(server)
                return false
            }
            if let watched {
                tasks.addTask {
                    await reloadOnChanges(of: watched, server)
                    return false
                }
            }
            while let endsService = try await tasks.next(), !endsService {}
            tasks.cancelAll()
        }
        try? await group.shutdownGracefully()
    }

    /// Says who may connect: the users, or that the broker is open (with a warning when it
    /// listens beyond the loopback interface).
    private func logAccess() {
        let users = configuration.authorization.users
        guard users.isEmpty else {
            logger.info("clients must authenticate", metadata: ["users": "\(users.count)"])
            return
        }
        if configuration.listen.isLoopback {
            logger.info("no users configured: any client that reaches the port may do everything")
        } else {
            logger.warning(
                "no users configured on a non-loopback address: anyone who reaches the port may publish, subscribe and administer; configure users under authorization",
                metadata: ["address": "\(configuration.listen)"]
            )
        }
    }

    /// Reloads users, permissions, topic overrides and the TLS certificate at each SIGHUP until
    /// the group shuts down.
    private func reloadOnHangup(_ server: BrokerServer) async {
        for await _ in await UnixSignalsSequence(trapping: .sighup).cancelOnGracefulShutdown() {
            await reload(server, cause: "SIGHUP")
        }
    }

    /// Reloads as SIGHUP does whenever the config file changes (`--watch-config`).
    private func reloadOnChanges(of path: String, _ server: BrokerServer) async {
        for await _ in ConfigFileChanges(path: path).cancelOnGracefulShutdown() {
            await reload(server, cause: "config file changed")
        }
    }

    /// Reads the settings again and puts them in force; settings that do not read are refused
    /// and the old ones stay.
    private func reload(_ server: BrokerServer, cause: String) async {
        let settings: BrokerSettings
        do {
            settings = try await self.settings.reload(logger: logger)
        } catch {
            logger.error("reload refused: the settings in force stay", metadata: ["signal": "\(cause)", "error": "\(error)"])
            return
        }
        let outcome = await server.reload(
            authorization: settings.configuration.authorization, tls: settings.configuration.tls,
            topicOverrides: settings.configuration.topicOverrides
        )
        logger.notice("reloaded the settings", metadata: [
            "signal": "\(cause)", "users": "\(settings.configuration.authorization.users.count)",
            "connections-closed": "\(outcome.connectionsClosed)", "subscriptions-ended": "\(outcome.subscriptionsEnded)",
        ])
    }
}
