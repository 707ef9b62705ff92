import Atomics
import CFreedMemory
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import Prometheus
import TernProtocol
import TernTLS

/// What every connection of one broker shares: configuration, topics, statistics, and the
/// registry of open connections.
final class BrokerCore: Sendable {
    /// The configuration the broker started with; a reload replaces its users, TLS and topic
    /// overrides (``authorization``, ``tls``).
    let configuration: BrokerConfiguration
    let directory: TopicDirectory
    let responders = ResponderDirectory()
    let registry: SchemaRegistry
    let statistics: BrokerStatistics
    let metrics: BrokerMetrics
    let health = HealthState()
    /// When the broker started.
    let clock: BrokerClock
    let logger: Logger
    /// The turns of the event loops, for work split over them.
    let turns: EventLoopTurns
    /// Keeps the event loops polling for a while after input.
    let inputPolling: InputPolling
    let eventLoops: any EventLoopGroup
    /// Checks tokens off the event loops, one at a time.
    let tokenChecks = TokenChecks()
    /// The routes to the other nodes of the broker's cluster; `nil` for a broker that runs alone.
    let routes: ClusterRoutes?
    private let currentAuthorization: NIOLockedValueBox<Authorization>
    private let currentTLS: NIOLockedValueBox<TLSContext?>
    private let connections = NIOLockedValueBox<Registry>(Registry())
    /// The subscriptions of all connections, responders included.
    private let subscriptionCount = ManagedAtomic(0)

    private struct Registry {
        var open: [UInt64: ConnectionHandle] = [:]
        var lastID: UInt64 = 0
        var freedMemory = FreedMemoryPolicy()
    }

    /// How long after the connections fell the freed memory is released, and between a release
    /// and one that follows it: a storm's connections close, and free what they held, over a moment.
    static let freedMemoryReleaseDelay = TimeAmount.seconds(1)

    /// - Parameters:
    ///   - registry: The schema registry; by default the one kept in the configuration's data
    ///     directory, or one in memory without it.
    ///   - metrics: The Prometheus registry the broker's metrics are recorded in.
    ///   - cluster: The broker's membership in its cluster and the TLS of its routes, if it has one.
    init(
        configuration: BrokerConfiguration, group: any EventLoopGroup, logger: Logger, registry: SchemaRegistry? = nil,
        turns: EventLoopTurns = EventLoopTurns(), metrics: PrometheusCollectorRegistry = PrometheusCollectorRegistry(),
        cluster: (membership: ClusterMembership, tls: RouteTLS)? = nil
    ) throws(RegistryStore.Failure) {
        self.configuration = configuration
        self.eventLoops = group
        self.currentAuthorization = NIOLockedValueBox(configuration.authorization)
        self.currentTLS = NIOLockedValueBox(configuration.tls)
        self.logger = logger
        self.turns = turns
        self.inputPolling = InputPolling(window: configuration.inputPollWindow)
        let registry = if let registry { registry } else { try Self.registry(in: configuration.dataDirectory) }
        self.registry = registry
        let statistics = BrokerStatistics()
        self.statistics = statistics
        let clock = BrokerClock()
        self.clock = clock
        let brokerMetrics = BrokerMetrics(
            registry: metrics, topicPatterns: configuration.metricsTopics, version: BrokerServer.version, serverID: configuration.serverID,
            startedAt: clock.startedAtUnixTime
        )
        self.metrics = brokerMetrics
        self.directory = TopicDirectory(
            eventLoops: group,
            settings: TopicSettingsResolver(defaultSettings: configuration.mailbox, overrides: configuration.topicOverrides),
            timing: TopicTiming(slowConsumerTimeout: configuration.slowConsumerTimeout, idleTopicRetirement: configuration.idleTopicRetirement),
            statistics: statistics,
            registry: registry,
            maxTopics: configuration.maxTopics,
            turns: turns,
            series: { brokerMetrics.series(forTopic: $0) }
        )
        self.routes = cluster.map { [directory, responders, connections] cluster in
            ClusterRoutes(
                membership: cluster.membership, tls: cluster.tls, directory: directory, responders: responders, limits: configuration.limits,
                requestTimeout: configuration.requestTimeout, maxPendingBytes: configuration.maxPendingOutboundBytes, group: group, logger: logger,
                noticeDrops: { pattern, count in
                    for connection in connections.withLockedValue({ $0.open.values }) {
                        connection.execute { $0.noticeRouteDrops(pattern: pattern, count: count) }
                    }
                }
            )
        }
        configuration.announcedServers?.observe { [weak self] addresses in self?.announce(servers: addresses) }
    }

    /// Sends the new list of servers to every client.
    private func announce(servers addresses: [String]) {
        for connection in openConnections {
            connection.execute { $0.announce(servers: addresses) }
        }
    }

    /// The subscriptions of all connections now, responders included.
    var subscriptions: Int { subscriptionCount.load(ordering: .relaxed) }

    /// Brings the metrics up to date with the statistics.
    func updateMetrics() {
        metrics.update(statistics.snapshot, subscriptions: subscriptions, registrations: registry.registrations, routes: routes?.metrics)
    }

    /// Retires idle topics while the broker runs.
    private let idleSweep = NIOLockedValueBox<RepeatedTask?>(nil)

    /// Brings the metrics up to date once a second, and measures the rates.
    private let metricsUpdate = NIOLockedValueBox<RepeatedTask?>(nil)
    /// The broker's totals a second ago and now, for its rates.
    let rates = NIOLockedValueBox(BrokerRates())

    /// Starts the broker's own timers.
    func startTimers() {
        let sweep = directory.startRetiringIdleTopics()
        idleSweep.withLockedValue { $0 = sweep }
        let update = eventLoops.next().scheduleRepeatedTask(initialDelay: .zero, delay: BrokerRates.period) { [self] _ in
            updateMetrics()
            let snapshot = statistics.snapshot
            rates.withLockedValue { $0.sample(snapshot, at: .now()) }
        }
        metricsUpdate.withLockedValue { $0 = update }
    }

    /// Stops the broker's own timers.
    func stopTimers() {
        idleSweep.withLockedValue { $0?.cancel() }
        metricsUpdate.withLockedValue { $0?.cancel() }
    }

    /// Takes one of the broker's subscriptions, responders included: `false` at the limit.
    func reserveSubscription() -> Bool {
        guard subscriptionCount.wrappingIncrementThenLoad(ordering: .relaxed) <= configuration.maxTotalSubscriptions else {
            subscriptionCount.wrappingDecrement(ordering: .relaxed)
            return false
        }
        return true
    }

    /// Gives back a subscription taken with ``reserveSubscription()``.
    func releaseSubscription() {
        subscriptionCount.wrappingDecrement(ordering: .relaxed)
    }

    /// The registry kept in `dataDirectory`, or one in memory without a directory.
    private static func registry(in dataDirectory: String?) throws(RegistryStore.Failure) -> SchemaRegistry {
        guard let dataDirectory else { return SchemaRegistry() }
        return try SchemaRegistry(store: RegistryStore(directory: dataDirectory + "/registry"))
    }

    /// Admits a connection, or returns `nil` when the broker holds its maximum already.
    func register(_ handler: ConnectionHandler, channel: any Channel) -> ConnectionHandle? {
        connections.withLockedValue { registry in
            guard registry.open.count < configuration.maxConnections else { return nil }
            registry.lastID += 1
            let handle = ConnectionHandle(id: registry.lastID, handler: handler, channel: channel)
            registry.open[handle.id] = handle
            registry.freedMemory.opened(count: registry.open.count)
            return handle
        }
    }

    /// Forgets a closed connection; once many have closed, hands the memory they held back to
    /// the system, off the event loops.
    func unregister(_ handle: ConnectionHandle, on eventLoop: any EventLoop) {
        let releaseDue = connections.withLockedValue { registry in
            registry.open.removeValue(forKey: handle.id)
            return registry.freedMemory.closed(count: registry.open.count)
        }
        guard releaseDue else { return }
        releaseFreedMemory(after: Self.freedMemoryReleaseDelay, on: eventLoop)
    }

    /// Hands freed heap memory back to the system after `delay`, on the thread pool; again, after
    /// the delay, when ``FreedMemoryPolicy`` calls for one more.
    private func releaseFreedMemory(after delay: TimeAmount, on eventLoop: any EventLoop) {
        eventLoop.scheduleTask(in: delay) { [self] in
            NIOThreadPool.singleton.submit { _ in
                let openAtStart = self.connections.withLockedValue { $0.open.count }
                let released = tern_release_freed_memory() == 1
                let (open, again) = self.connections.withLockedValue { registry in
                    (registry.open.count, registry.freedMemory.released(openAtStart: openAtStart, openNow: registry.open.count, handedBack: released))
                }
                self.logger.debug("released freed memory", metadata: ["released": "\(released)", "connections": "\(open)"])
                if again { self.releaseFreedMemory(after: Self.freedMemoryReleaseDelay, on: eventLoop) }
            }
        }
    }

    var openConnections: [ConnectionHandle] {
        connections.withLockedValue { Array($0.open.values) }
    }

    /// The WELCOME this broker sends for `version`, to a client that authenticated or not.
    func welcome(version: UInt16, authenticated: Bool) -> Frame.Welcome {
        Frame.Welcome(
            version: version, serverID: configuration.serverID, limits: configuration.limits,
            features: configuration.features.union(authenticated ? .authentication : []),
            pingIntervalMilliseconds: UInt32(clamping: configuration.pingInterval.nanoseconds / 1_000_000)
        )
    }

    /// The users now.
    var authorization: Authorization {
        currentAuthorization.withLockedValue { $0 }
    }

    /// TLS for the connections accepted from now on.
    var tls: TLSContext? {
        currentTLS.withLockedValue { $0 }
    }

    /// Takes the users, TLS and topic overrides of a reloaded configuration, for new connections
    /// and topics; live topics take the new overrides too.
    func replace(authorization: Authorization, tls: TLSContext?, topicOverrides: [TopicOverride]) {
        currentAuthorization.withLockedValue { $0 = authorization }
        currentTLS.withLockedValue { $0 = tls }
        directory.reconfigure(overrides: topicOverrides)
    }
}
