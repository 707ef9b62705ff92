import Atomics
import Logging
import NIOCore
import NIOPosix
import Prometheus
import TernFiles
import TernMonitoring
import TernProtocol
import TernTLS

/// The broker: accepts connections, runs the protocol on each, and routes messages through topics.
public final class BrokerServer: Sendable {
    let core: BrokerCore
    let serverChannel: any Channel
    private let group: any EventLoopGroup
    private let monitor: MonitorServer?
    /// Set by the first ``shutdown()``; later calls (lame duck mode's, then the service's) return.
    private let shutdownStarted = ManagedAtomic(false)

    /// Tern's version, which the monitoring listener reports.
    public static let version = "0.1.0"

    /// Binds the listening socket and starts accepting connections.
    ///
    /// With ``BrokerConfiguration/monitor`` set, the monitoring listener starts first, and its
    /// `/healthz` answers 503 (`starting`) until the broker listens.
    ///
    /// - Parameters:
    ///   - turns: The metrics delegate of `group`'s loops, when it has this one: then work split
    ///     over turns of a loop waits for the next turn exactly (see ``EventLoopTurns``).
    ///   - metrics: The Prometheus registry the broker records its metrics in (through
    ///     swift-metrics) and the monitoring listener's `/metrics` serves. A program that
    ///     bootstraps `MetricsSystem` with a `PrometheusMetricsFactory` passes that factory's
    ///     registry, and `/metrics` serves its own metrics too.
    ///   - cluster: The broker's membership in its cluster: the broker then routes messages to
    ///     and from the cluster's other nodes (CLUSTER.md, "Routes").
    ///   - clusterRegistry: On a cluster node, the schema registry kept in etcd, which replaces
    ///     the one in the data directory.
    /// - Throws: NIO's `IOError` when the address cannot be bound, for example when the port is
    ///   busy; ``MonitorListenError`` when the monitoring listener's cannot; ``BrokerStartError`` when the data directory is locked by another process or
    ///   cannot be written, or the saved schema registry cannot be read or is invalid; ``RouteSetupError``
    ///   when the routes' TLS cannot be set up; NIO's `IOError` when the cluster listen address cannot be bound.
    public static func start(
        configuration: BrokerConfiguration, logger: Logger = Logger(label: "ternd"),
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton, turns: EventLoopTurns = EventLoopTurns(),
        metrics: PrometheusCollectorRegistry = PrometheusCollectorRegistry(), cluster: ClusterMembership? = nil,
        clusterRegistry: ClusterRegistry? = nil
    ) async throws -> BrokerServer {
        var routeSetup: (membership: ClusterMembership, tls: RouteTLS)?
        if let cluster {
            routeSetup = (cluster, try await RouteTLS.contexts(for: cluster, logger: logger))
        }
        let core: BrokerCore
        do {
            if let directory = configuration.dataDirectory {
                _ = try DataDirectoryLock.acquire(directory)
                if clusterRegistry == nil { try Directories.prepareForWriting(directory + "/registry") }
            }
            core = try BrokerCore(
                configuration: configuration, group: group, logger: logger, registry: clusterRegistry?.registry, turns: turns, metrics: metrics,
                cluster: routeSetup
            )
        } catch let error as CustomStringConvertible {
            throw BrokerStartError(description: error.description)
        }
        let monitor = BrokerMonitor(core: core)
        var monitorServer: MonitorServer?
        if let address = configuration.monitor {
            do {
                monitorServer = try await MonitorServer.start(at: address, monitor: monitor, logger: logger)
            } catch {
                throw MonitorListenError(address: address, underlying: error)
            }
        }
        let channel: any Channel
        do {
            channel = try await bind(configuration.listen, core: core, group: group)
        } catch {
            await monitorServer?.stop()
            throw error
        }
        let listen = ServerAddress(host: configuration.listen.host, port: channel.localAddress?.port ?? configuration.listen.port)
        monitor.addresses.withLockedValue {
            $0 = (listen, configuration.monitor.map { ServerAddress(host: $0.host, port: monitorServer?.port ?? $0.port) })
        }
        do {
            try await core.routes?.start()
        } catch {
            try? await channel.close()
            await monitorServer?.stop()
            throw error
        }
        core.startTimers()
        core.health.serving()
        return BrokerServer(core: core, serverChannel: channel, group: group, monitor: monitorServer)
    }

    /// Connections accepted per event-loop turn, at most.
    static let acceptsPerTurn: UInt = 64

    /// Binds the broker's listening socket and starts accepting connections.
    private static func bind(_ address: ServerAddress, core: BrokerCore, group: any EventLoopGroup) async throws -> any Channel {
        try await ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 1024)
            // NIO accepts 4 connections per event-loop turn by default: on a loop busy with
            // deliveries, a reconnect storm's connections then wait in the backlog past their
            // clients' handshake deadline, and every retry joins the back of the queue.
            .serverChannelOption(.maxMessagesPerRead, value: BrokerServer.acceptsPerTurn)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.tcpOption(.tcp_nodelay), value: 1)
            .childChannelOption(.writeBufferWaterMark, value: .init(low: 256 << 10, high: 1 << 20))
            .childChannelOption(.maxMessagesPerRead, value: 16)
            // NIO keeps each channel's receive buffer for reuse: start small, so that an idle
            // connection holds 1 KiB (a TLS ClientHello and a HELLO fit); a busy one doubles it
            // at every full read, to 256 KiB within nine reads.
            .childChannelOption(.recvAllocator, value: AdaptiveRecvByteBufferAllocator(minimum: 1024, initial: 1024, maximum: 262_144))
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try ConnectionPipeline.configure(channel, core: core)
                }
            }
            .bind(host: address.host, port: address.port)
            .get()
    }

    private init(core: BrokerCore, serverChannel: any Channel, group: any EventLoopGroup, monitor: MonitorServer?) {
        self.core = core
        self.serverChannel = serverChannel
        self.group = group
        self.monitor = monitor
    }

    /// The port the monitoring listener is bound to, when it runs.
    public var monitorPort: Int? { monitor?.port }

    /// Where the broker is in its life, as `/healthz` answers it.
    public var health: HealthReport { core.health.current }

    public var configuration: BrokerConfiguration { core.configuration }
    public var statistics: BrokerStatistics { core.statistics }

    /// The port the broker listens on.
    public var port: Int {
        serverChannel.localAddress?.port ?? core.configuration.listen.port
    }

    /// Statistics of every live topic, sorted by name.
    public func topicStatistics() async -> [TopicStatistics] {
        var result: [TopicStatistics] = []
        for topic in core.directory.topics {
            result.append(await topic.statistics())
        }
        return result
    }

    /// Stops the broker gracefully and returns once every connection is closed.
    ///
    /// It stops accepting and reading, then lets subscribers take what the broker accepted
    /// before, at their own pace, for at most the configured shutdown timeout. Then each
    /// connection gets a DROP_NOTICE `dropped_newest` for every subscription that will not get
    /// all it was due, with the count, and GOODBYE `server_shutting_down`, and closes. One log
    /// line gives the totals: nothing accepted disappears without a trace. A cancelled task
    /// does not wait for subscribers. Only the first call does this; later ones return at once.
    public func shutdown() async {
        guard shutdownStarted.compareExchange(expected: false, desired: true, ordering: .relaxed).exchanged else { return }
        core.health.stopping()
        try? await serverChannel.close()
        await core.routes?.stop()
        let open = core.openConnections
        let timeout = core.configuration.shutdownTimeout
        core.logger.info("shutting down", metadata: ["connections": "\(open.count)", "shutdown-timeout": "\(timeout)"])
        for connection in open {
            connection.execute { $0.quiesce() }
        }
        let drained = await waitUntilDrained(open, deadline: .now() + timeout)
        var missed: [ObjectIdentifier: (subscriber: Subscriber, count: UInt64)] = [:]
        for topic in core.directory.topics {
            for (subscriber, count) in await topic.abandon() {
                missed[ObjectIdentifier(subscriber), default: (subscriber, 0)].count += count
            }
        }
        var missedByConnection: [ConnectionHandle: [UInt32: UInt64]] = [:]
        for (subscriber, count) in missed.values {
            missedByConnection[subscriber.connection, default: [:]][subscriber.subscriptionID, default: 0] += count
        }
        let endings = open.map { connection in
            let missedInTopics = missedByConnection[connection] ?? [:]
            return connection.submit({ $0.finishShutdown(missedInTopics: missedInTopics) }, otherwise: ConnectionShutdownOutcome())
        }
        var outcome = ConnectionShutdownOutcome()
        for ending in endings {
            outcome = outcome + ((try? await ending.get()) ?? ConnectionShutdownOutcome())
        }
        log(outcome, drained: drained, timeout: timeout)
        core.statistics.dropped(Int(outcome.notified), reason: .shutdown)
        core.stopTimers()
        await monitor?.stop()
    }

    /// Waits until every connection has written everything queued for it and every topic has
    /// handed out its mailbox, or until `deadline` or the task's cancellation; returns whether
    /// that happened.
    private func waitUntilDrained(_ connections: [ConnectionHandle], deadline: NIODeadline) async -> Bool {
        while true {
            var drained = true
            for connection in connections where drained {
                let eventLoop = connection.eventLoop
                drained = (try? await connection.submit({ eventLoop.makeSucceededFuture($0.isDrained) }, otherwise: true).get()) ?? true
            }
            if drained {
                for topic in core.directory.topics where drained {
                    drained = await topic.isEmpty
                }
            }
            if drained { return true }
            let now = NIODeadline.now()
            guard now < deadline, !Task.isCancelled else { return false }
            try? await Task.sleep(for: .nanoseconds(min(Self.drainPollInterval.nanoseconds, (deadline - now).nanoseconds)))
        }
    }

    /// How often a shutdown looks whether everything was written.
    private static let drainPollInterval = TimeAmount.milliseconds(20)

    private func log(_ outcome: ConnectionShutdownOutcome, drained: Bool, timeout: TimeAmount) {
        guard outcome.notified > 0 || outcome.lostInWriteBuffer > 0 else {
            core.logger.info("every accepted message was delivered; connections closed")
            return
        }
        core.logger.warning(
            "shutdown: not every accepted message was delivered",
            metadata: [
                "shutdown-timeout": "\(timeout)", "drained": "\(drained)",
                "undelivered-notified": "\(outcome.notified)", "subscriptions-notified": "\(outcome.notifiedSubscriptions)",
                "lost-in-write-buffers": "\(outcome.lostInWriteBuffer)",
            ]
        )
    }
}

/// Why a broker could not start, other than its sockets.
public struct BrokerStartError: Error, CustomStringConvertible {
    public var description: String
}

/// The monitoring listener's address could not be bound.
public struct MonitorListenError: Error, CustomStringConvertible {
    public var address: ServerAddress
    /// NIO's `IOError`, for example.
    public var underlying: any Error

    public var description: String {
        "cannot listen for monitoring on \(address): \(underlying)"
    }
}
