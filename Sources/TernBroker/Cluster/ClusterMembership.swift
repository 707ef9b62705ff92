import Logging
import ServiceLifecycle
import Synchronization
import TernCluster
import TernEtcd
import TernProtocol
import TernTLS

/// A node's membership in its cluster (CLUSTER.md, "Membership"): it registers the node in
/// etcd under a lease it keeps alive, and follows the cluster's member keys, so that it knows
/// every live node; a node whose key disappears (its lease expired or was revoked) is dropped.
///
/// While etcd cannot be reached it keeps what it knows and tries again every second; when its
/// lease expired meanwhile, it registers again under a new one. A graceful shutdown revokes the
/// lease, so that the others drop the node at once rather than after the TTL.
public final class ClusterMembership: Service, Sendable {
    /// This node, as registered.
    public let member: ClusterMember
    public let settings: ClusterSettings
    /// The cluster's keys in etcd, and the client that reaches etcd: the routes keep the
    /// cluster's development CA there.
    let keys: ClusterKeys
    let etcd: EtcdClient
    private let logger: Logger
    /// The live members by id, this node included once registered.
    private let table = Mutex<[String: ClusterMember]>([:])
    /// Told of the live members after each change, on the task that saw it.
    private let observers = Mutex<[@Sendable ([ClusterMember]) -> Void]>([])
    /// The lease the node's key is attached to, while it has one.
    private let lease = Mutex<EtcdLease.ID?>(nil)
    /// Told when etcd answers the keep-alive again after failing: the watch may have died with
    /// the connection it ran on (a partition closes nothing), so it is started again.
    private let reconnections: AsyncStream<Void>
    private let reconnected: AsyncStream<Void>.Continuation

    /// How long to wait before trying etcd again after a failure.
    static let retryDelay: Duration = .seconds(1)

    /// - Parameters:
    ///   - settings: Settings with a cluster name (``ClusterSettings/isEnabled``), checked as
    ///     ``BrokerSettings`` checks them.
    ///   - clientAddress: Where the broker accepts clients; an unspecified host (`0.0.0.0`) is
    ///     registered as the route address's host.
    /// - Throws: `TLSError` when etcd is reached over TLS and the etcd TLS files cannot be used.
    public init(settings: ClusterSettings, clientAddress: ServerAddress, logger: Logger) throws(TLSError) {
        precondition(settings.isEnabled, "a membership needs a cluster")
        let route = settings.routeAddress ?? ServerAddress(host: "127.0.0.1", port: 0)
        var client = clientAddress
        if ClusterSettings.isUnspecified(client.host) { client.host = route.host }
        member = ClusterMember(id: ClusterMember.newID(), route: "\(route)", client: "\(client)")
        self.settings = settings
        keys = ClusterKeys(cluster: settings.name ?? "")
        etcd = try settings.etcdClient()
        var logger = logger
        logger[metadataKey: "cluster"] = "\(settings.name ?? "")"
        self.logger = logger
        (reconnections, reconnected) = AsyncStream.makeStream(bufferingPolicy: .bufferingNewest(1))
    }

    /// The live members, sorted by id.
    public var members: [ClusterMember] {
        table.withLock { $0.values.sorted { $0.id < $1.id } }
    }

    /// Calls `observer` with the live members (sorted by id) after each change of them.
    public func observeMembers(_ observer: @escaping @Sendable ([ClusterMember]) -> Void) {
        observers.withLock { $0.append(observer) }
    }

    private func membersChanged() {
        let current = members
        for observer in observers.withLock({ $0 }) { observer(current) }
    }

    /// Registers the node and follows the members until a graceful shutdown, then leaves.
    public func run() async throws {
        logger.info("joining cluster", metadata: ["member": "\(member.id)", "route": "\(member.route)", "etcd": "\(settings.etcd.map(\.description).joined(separator: ","))"])
        await cancelWhenGracefulShutdown {
            await withDiscardingTaskGroup { group in
                group.addTask { await self.keepRegistered() }
                group.addTask { await self.followMembers() }
            }
        }
        await leave()
    }

    // MARK: Registration

    /// Registers the node under a lease and keeps the lease alive, a third of its TTL apart,
    /// until cancelled.
    private func keepRegistered() async {
        let ttl = settings.leaseTTL.components.seconds
        var failing = false
        while !Task.isCancelled {
            do {
                if let current = lease.withLock({ $0 }) {
                    try await etcd.keepAlive(current)
                } else {
                    try await register(ttl: ttl)
                }
                if failing {
                    logger.notice("etcd reachable again")
                    reconnected.yield()
                }
                failing = false
                try? await Task.sleep(for: settings.leaseTTL / 3)
            } catch .leaseNotFound {
                logger.warning("this node's lease is gone (expired or revoked); registering again", metadata: ["member": "\(member.id)"])
                lease.withLock { $0 = nil }
            } catch {
                if !failing { logger.warning("etcd: \(error); trying again every second, routing with what is known") }
                failing = true
                try? await Task.sleep(for: Self.retryDelay)
            }
        }
    }

    /// Grants a lease and writes the node's key under it.
    private func register(ttl: Int64) async throws(EtcdError) {
        let granted = try await etcd.grantLease(ttl: ttl)
        do {
            try await etcd.put(keys.member(member.id), value: member.encoded, lease: granted.id)
        } catch {
            try? await etcd.revokeLease(granted.id)
            throw error
        }
        lease.withLock { $0 = granted.id }
        logger.info("registered in cluster", metadata: ["member": "\(member.id)", "lease-ttl": "\(ttl)s"])
    }

    /// Revokes the lease, which deletes the node's key, so that the others drop it now.
    private func leave() async {
        guard let current = lease.withLock({ $0 }) else { return }
        do {
            try await etcd.revokeLease(current)
            logger.info("left cluster", metadata: ["member": "\(member.id)"])
        } catch {
            logger.warning("could not leave the cluster cleanly (\(error)); the others drop this node when its lease expires")
        }
    }

    // MARK: Following the members

    /// Reads the member keys, then watches them from the revision read, again after each
    /// failure and each reconnection, until cancelled.
    private func followMembers() async {
        var failing = false
        while !Task.isCancelled {
            do {
                let range = try await etcd.get(prefix: keys.members)
                replaceMembers(with: range.keyValues)
                if failing { logger.notice("following the cluster's members again") }
                failing = false
                try await watchUntilReconnection(fromRevision: range.revision + 1)
            } catch {
                if !failing { logger.warning("cannot follow the cluster's members: \(error); trying again every second") }
                failing = true
                try? await Task.sleep(for: Self.retryDelay)
            }
        }
    }

    /// Watches the member keys from `revision` until the watch fails, or etcd is reached again
    /// after a failure.
    private func watchUntilReconnection(fromRevision revision: Int64) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                try await self.etcd.watch(prefix: self.keys.members, fromRevision: revision) { events in
                    for event in events { self.apply(event) }
                }
            }
            group.addTask {
                for await _ in self.reconnections { return }
            }
            defer { group.cancelAll() }
            try await group.next()
        }
    }

    /// Makes the member table what `keyValues` hold, logging each node that joined or left.
    private func replaceMembers(with keyValues: [EtcdKeyValue]) {
        var current: [String: ClusterMember] = [:]
        for keyValue in keyValues {
            if let member = parse(keyValue) { current[member.id] = member }
        }
        let previous = table.withLock { table in
            defer { table = current }
            return table
        }
        for (id, member) in current where previous[id] == nil { logJoined(member) }
        for (id, member) in previous where current[id] == nil { logLeft(member) }
        if previous != current { membersChanged() }
    }

    private func apply(_ event: EtcdEvent) {
        switch event {
        case .put(let keyValue):
            guard let member = parse(keyValue) else { return }
            let previous = table.withLock { $0.updateValue(member, forKey: member.id) }
            if previous == nil { logJoined(member) }
            if previous != member { membersChanged() }
        case .delete(let key, _):
            guard let id = keys.memberID(of: key), let member = table.withLock({ $0.removeValue(forKey: id) }) else { return }
            logLeft(member)
            membersChanged()
        }
    }

    /// The member at a member key, or `nil` (logged) when the key or its value is not one.
    private func parse(_ keyValue: EtcdKeyValue) -> ClusterMember? {
        guard let member = keys.member(at: keyValue) else {
            logger.warning("ignoring a key under the members' prefix that is not a member", metadata: ["key": "\(keyValue.key)"])
            return nil
        }
        return member
    }

    private func logJoined(_ member: ClusterMember) {
        guard member.id != self.member.id else { return }
        logger.info("cluster member joined", metadata: ["member": "\(member.id)", "route": "\(member.route)", "client": "\(member.client)"])
    }

    private func logLeft(_ member: ClusterMember) {
        guard member.id != self.member.id else { return }
        logger.info("cluster member left", metadata: ["member": "\(member.id)", "route": "\(member.route)"])
    }
}
