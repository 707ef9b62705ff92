/// Where a cluster keeps its state in etcd (CLUSTER.md, "Keys in etcd"): everything under
/// `/tern/clusters/NAME/`.
struct ClusterKeys: Sendable {
    let cluster: String

    /// The prefix of every key of the cluster.
    var root: String { "/tern/clusters/\(cluster)/" }

    /// The prefix of the member keys, one per live node.
    var members: String { root + "members/" }

    /// The key of the node with `id`, attached to that node's lease.
    func member(_ id: String) -> String { members + id }

    /// The node id at the end of a member key, or `nil` when `key` is not one.
    func memberID(of key: String) -> String? {
        guard key.hasPrefix(members) else { return nil }
        let id = key.dropFirst(members.count)
        return id.isEmpty || id.contains("/") ? nil : String(id)
    }
}
