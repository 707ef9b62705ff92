import Foundation
import TernChildProcesses
import TernEtcd
import Testing

/// ternd nodes of one cluster, with a real etcd on loopback: each registers itself under a
/// lease and follows the others; a node killed is dropped within the lease's TTL, a node
/// stopped at once.
@Suite(.serialized)
struct ClusterMembershipTests {
    /// The members etcd holds for cluster `e2e`.
    private func members(_ client: EtcdClient) async throws -> [[String: String]] {
        try await client.get(prefix: "/tern/clusters/e2e/members/").keyValues.map { keyValue in
            try JSONDecoder().decode([String: String].self, from: Data(keyValue.value))
        }
    }

    private func count(_ text: String, in log: String) -> Int {
        log.components(separatedBy: text).count - 1
    }

    @Test func nodesRegisterFollowEachOtherAndAreDroppedWhenGone() async throws {
        let etcd = try await EtcdProcess()
        let client = try EtcdClient(endpoints: EtcdEndpoint.list(parsing: etcd.url))
        var nodes: [RunningDaemon] = []
        for _ in 0..<3 { nodes.append(try await RunningDaemon.clusterNode(etcd: etcd)) }
        try await eventually(within: 20, "three members in etcd") {
            try await Task.sleep(for: .milliseconds(100))
            return try await members(client).count == 3
        }
        let registered = try await members(client)
        #expect(Set(registered.compactMap { $0["client"] }) == Set(nodes.map { "127.0.0.1:\($0.port)" }))
        #expect(registered.allSatisfy { ($0["id"]?.count ?? 0) == 16 && $0["route"]?.hasPrefix("127.0.0.1:") == true })
        try await eventually(within: 20, "each node to see the two others join") {
            try await Task.sleep(for: .milliseconds(100))
            return nodes.allSatisfy { count("cluster member joined", in: $0.process.standardError) == 2 }
        }

        let status = try await run("tern", ["cluster", "status", "--etcd", etcd.url, "--cluster", "e2e"])
        #expect(status.status == 0, "\(status.errors)")
        let lines = status.output.split(separator: "\n")
        #expect(lines.first == "cluster e2e: 3 members")
        #expect(Set(lines.dropFirst().compactMap { $0.split(separator: " ").last.map(String.init) }) == Set(nodes.map { "127.0.0.1:\($0.port)" }))

        // Killed, a node is dropped by the others once its lease expires.
        let killedAt = ContinuousClock.now
        nodes[2].process.signal(SIGKILL)
        try await eventually(within: 10, "the killed node's key to expire") {
            try await Task.sleep(for: .milliseconds(100))
            return try await members(client).count == 2
        }
        #expect(ContinuousClock.now - killedAt < .seconds(6), "dropped within the TTL and etcd's expiry sweep")
        try await eventually(within: 10, "the others to see the killed node leave") {
            try await Task.sleep(for: .milliseconds(100))
            return nodes[..<2].allSatisfy { count("cluster member left", in: $0.process.standardError) == 1 }
        }

        // Stopped, a node leaves at once: it revokes its lease.
        try await nodes[1].stop()
        #expect(nodes[1].process.standardError.contains("left cluster"), "\(nodes[1].process.standardError)")
        #expect(try await members(client).count == 1)
        try await eventually(within: 5, "the last node to see the stopped one leave") {
            try await Task.sleep(for: .milliseconds(50))
            return count("cluster member left", in: nodes[0].process.standardError) == 2
        }
        try await nodes[0].stop()
        #expect(try await members(client).isEmpty)
    }

    @Test func nodesReachEtcdOverTLS() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tern-etcd-tls-" + UUID().uuidString)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o755])
        defer { try? FileManager.default.removeItem(at: directory) }
        let (etcd, caFile) = try await EtcdProcess.withTLS(in: directory.path)
        let node = try await RunningDaemon.clusterNode(etcd: etcd, ["--etcd-ca", caFile])
        try await eventually(within: 20, "the node to register over TLS") {
            try await Task.sleep(for: .milliseconds(100))
            return node.process.standardError.contains("registered in cluster")
        }
        let status = try await run("tern", ["cluster", "status", "--etcd", etcd.url, "--etcd-ca", caFile, "--cluster", "e2e"])
        #expect(status.status == 0 && status.output.hasPrefix("cluster e2e: 1 member\n"), "\(status.output) \(status.errors)")
        try await node.stop()
    }

    @Test func afterAPartitionFromEtcdANodeFollowsTheMembersAgain() async throws {
        let etcd = try await EtcdProcess()
        let proxy = try await FreezingProxy(to: etcd.clientPort)
        let route = try await Loopback.freePort()
        let node = try await RunningDaemon.start([
            "--no-tls", "--cluster", "e2e", "--etcd", "http://127.0.0.1:\(proxy.port)", "--cluster-listen", "127.0.0.1:\(route)",
            "--cluster-lease-ttl", "30s",
        ])
        try await eventually(within: 20, "the node to register") {
            try await Task.sleep(for: .milliseconds(100))
            return node.process.standardError.contains("registered in cluster")
        }
        // The node's watch goes silent with the partition and never comes back over its
        // connection; the node's keep-alives time out, then succeed again.
        proxy.freeze()
        try await eventually(within: 30, "the node to notice the partition") {
            try await Task.sleep(for: .milliseconds(100))
            return node.process.standardError.contains("routing with what is known")
        }
        proxy.thaw()
        try await eventually(within: 30, "the node to reach etcd again") {
            try await Task.sleep(for: .milliseconds(100))
            return node.process.standardError.contains("etcd reachable again")
        }
        let other = try await RunningDaemon.clusterNode(etcd: etcd)
        try await eventually(within: 10, "the node to see a node that joined after the partition") {
            try await Task.sleep(for: .milliseconds(100))
            return node.process.standardError.contains("cluster member joined")
        }
        try await other.stop()
        try await node.stop()
        await proxy.close()
    }

    @Test func clusterStatusSaysWhyItCannotAnswer() async throws {
        let dead = try EtcdProcess.freePort()
        let unreachable = try await run("tern", ["cluster", "status", "--etcd", "http://127.0.0.1:\(dead)", "--cluster", "e2e"])
        #expect(unreachable.status == 1 && unreachable.output.isEmpty)
        #expect(unreachable.errors.hasPrefix("tern cluster status: etcd unreachable at http://127.0.0.1:\(dead)"), "\(unreachable.errors)")
        #expect(unreachable.errors.split(separator: "\n").count == 1)
        let invalid = try await run("tern", ["cluster", "status", "--etcd", "127.0.0.1:2379", "--cluster", "e2e"])
        #expect(invalid.status == 2 && invalid.errors == "tern: --etcd: URL '127.0.0.1:2379' must start with http:// or https://\n", "\(invalid.errors)")
    }

    @Test func aNodeOutlivesEtcdAndRegistersAgainWhenItsLeaseIsLost() async throws {
        let etcd = try await EtcdProcess()
        let node = try await RunningDaemon.clusterNode(etcd: etcd)
        try await eventually(within: 20, "the node to register") {
            try await Task.sleep(for: .milliseconds(100))
            return node.process.standardError.contains("registered in cluster")
        }
        try await etcd.kill()
        try await eventually(within: 10, "the node to notice etcd is gone") {
            try await Task.sleep(for: .milliseconds(100))
            return node.process.standardError.contains("routing with what is known")
        }
        // Clients are served all along.
        try await node.commandLineRoundTrip("without etcd")
        // Back, etcd renews the leases it holds: the node is still a member.
        try await etcd.restart()
        let client = try EtcdClient(endpoints: EtcdEndpoint.list(parsing: etcd.url))
        try await eventually(within: 20, "the node to reach etcd again") {
            try await Task.sleep(for: .milliseconds(100))
            return node.process.standardError.contains("etcd reachable again")
        }
        let registered = try #require(try await client.get(prefix: "/tern/clusters/e2e/members/").keyValues.first)
        // A lease lost all the same (here revoked, as if it had expired) is replaced.
        try await client.revokeLease(registered.lease)
        try await eventually(within: 10, "the node to register again") {
            try await Task.sleep(for: .milliseconds(100))
            return try await members(client).count == 1
        }
        #expect(try await client.get(prefix: "/tern/clusters/e2e/members/").keyValues.first?.lease != registered.lease)
        // Its log lines follow the registration the test saw in etcd, through a pipe.
        try await eventually(within: 10, "the node to log that it registered again") {
            count("registered in cluster", in: node.process.standardError) == 2
        }
        #expect(node.process.standardError.contains("lease is gone"))
        try await node.stop()
    }
}
