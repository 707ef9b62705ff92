import TernEtcd

/// Where a cluster keeps its state in etcd (CLUSTER.md, "Keys in etcd"): everything under
/// `/tern/clusters/NAME/`.
public struct ClusterKeys: Sendable, Hashable {
    /// The cluster's name.
    public let cluster: String

    public init(cluster: String) {
        self.cluster = cluster
    }

    /// The prefix of every key of the cluster.
    public var root: String { "/tern/clusters/\(cluster)/" }

    /// The prefix of the member keys, one per live node.
    public var members: String { root + "members/" }

    /// The key of the cluster's development CA (certificate and key, in JSON), which nodes
    /// without TLS files of their own issue their route certificates from.
    public var developmentCA: String { root + "dev-ca" }

    /// The key of the node with `id`, attached to that node's lease.
    public func member(_ id: String) -> String { members + id }

    /// The node id at the end of a member key, or `nil` when `key` is not one.
    public func memberID(of key: String) -> String? {
        guard key.hasPrefix(members) else { return nil }
        let id = key.dropFirst(members.count)
        return id.isEmpty || id.contains("/") ? nil : String(id)
    }
}

extension ClusterKeys {
    /// The member a member key holds, or `nil` when the key is not a member key or its value
    /// not a member record for the key's id.
    public func member(at keyValue: EtcdKeyValue) -> ClusterMember? {
        guard let id = memberID(of: keyValue.key), let member = ClusterMember(json: keyValue.value), member.id == id else { return nil }
        return member
    }
}
