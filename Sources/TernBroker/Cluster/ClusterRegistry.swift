import Logging
import ServiceLifecycle
import TernCluster
import TernTLS

/// A cluster node's schema registry, kept in etcd (CLUSTER.md, "Schema registry in etcd"): the
/// node reads every registry key into its cache and then watches them from the revision read,
/// again after each failure (a watch that fails, or etcd not answering a probe every two
/// seconds), so that its cache follows what any node commits. The broker reads
/// the cache; its changes commit to etcd (``SchemaRegistry``).
public final class ClusterRegistry: Service, Sendable {
    let registry: SchemaRegistry
    private let etcd: RegistryInEtcd

    /// - Parameter settings: Settings with a cluster name (``ClusterSettings/isEnabled``).
    /// - Throws: `TLSError` when etcd is reached over TLS and the etcd TLS files cannot be used.
    public init(settings: ClusterSettings, logger: Logger) throws(TLSError) {
        precondition(settings.isEnabled, "a cluster registry needs a cluster")
        var logger = logger
        logger[metadataKey: "cluster"] = "\(settings.name ?? "")"
        etcd = RegistryInEtcd(client: try settings.etcdClient(), keys: ClusterKeys(cluster: settings.name ?? ""), logger: logger)
        registry = SchemaRegistry(etcd: etcd)
    }

    /// Reads the registry once, so that the broker starts with it; when etcd cannot be reached,
    /// the broker starts with an empty cache, filled when etcd answers (``run()``).
    public func load() async {
        do {
            try await registry.reload()
        } catch {
            etcd.logger.warning("cannot read the schema registry from etcd: \(error); serving with an empty registry until etcd answers")
        }
    }

    /// Follows the registry in etcd until a graceful shutdown.
    public func run() async throws {
        await cancelWhenGracefulShutdown { await self.follow() }
    }

    /// How often a node checks that etcd answers while it watches the registry.
    static let probeInterval: Duration = .seconds(2)

    /// Reads every registry key, then watches them from the revision read, again after each
    /// failure, until cancelled.
    private func follow() async {
        var failing = false
        while !Task.isCancelled {
            do {
                let revision = try await registry.reload()
                if failing { etcd.logger.notice("following the schema registry in etcd again") }
                failing = false
                try await watch(fromRevision: revision + 1)
            } catch {
                if !failing {
                    etcd.logger.warning("cannot follow the schema registry in etcd: \(error); serving from the cache, trying again every second")
                }
                failing = true
                try? await Task.sleep(for: ClusterMembership.retryDelay)
            }
        }
    }

    /// Watches the registry keys from `revision` until the watch fails, or etcd does not answer
    /// a probe: a partition closes no connection, so the watch may have gone silent for good.
    private func watch(fromRevision revision: Int64) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                try await self.etcd.client.watch(prefix: self.etcd.keys.registry, fromRevision: revision) { events in
                    self.registry.apply(events)
                }
            }
            group.addTask {
                while !Task.isCancelled {
                    try await Task.sleep(for: Self.probeInterval)
                    _ = try await self.etcd.client.get(self.etcd.keys.lastSubjectID)
                }
            }
            defer { group.cancelAll() }
            try await group.next()
        }
    }
}
