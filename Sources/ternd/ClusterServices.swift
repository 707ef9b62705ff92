import Logging
import TernBroker

/// What a node of a cluster runs besides the broker: its membership in etcd, which also keeps
/// the addresses announced to clients current, and its following of the registry in etcd.
struct ClusterServices {
    let membership: ClusterMembership
    let registry: ClusterRegistry

    /// The services of a node started with `settings`, announcing every live member's client
    /// address, then this node's other advertised ones, through `announced`.
    ///
    /// - Throws: ``DaemonError`` when the etcd TLS files cannot be used.
    init(settings: BrokerSettings, announced: AnnouncedServers?, logger: Logger) throws(DaemonError) {
        let advertised = settings.clientAdvertise.map(\.description)
        do {
            membership = try ClusterMembership(
                settings: settings.cluster, clientAddress: settings.clientAdvertise.first ?? settings.configuration.listen, logger: logger
            )
            registry = try ClusterRegistry(settings: settings.cluster, logger: logger)
        } catch {
            throw DaemonError("etcd TLS: \(error)")
        }
        membership.observeMembers { members in
            let clients = members.map(\.client)
            announced?.replace(with: clients + advertised.filter { !clients.contains($0) })
        }
    }
}
