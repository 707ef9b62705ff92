import TernChildProcesses

extension RunningDaemon {
    /// A `ternd` node of cluster `e2e` reaching `etcd`, with a two-second lease and a free route
    /// port.
    static func clusterNode(etcd: EtcdProcess, _ arguments: [String] = []) async throws -> RunningDaemon {
        let route = try await Loopback.freePort()
        return try await RunningDaemon.start([
            "--cluster", "e2e", "--etcd", etcd.url, "--cluster-listen", "127.0.0.1:\(route)", "--cluster-lease-ttl", "2s",
        ] + arguments)
    }
}
