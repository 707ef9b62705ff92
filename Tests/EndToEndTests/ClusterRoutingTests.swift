import Foundation
import TernChildProcesses
import TernClient
import Synchronization
import Testing

/// Three ternd nodes of one cluster, with a real etcd on loopback, carrying messages between
/// themselves over routes (CLUSTER.md, "Routes").
@Suite(.serialized, .timeLimit(.minutes(3)))
struct ClusterRoutingTests {
    /// A node of cluster `routes`, with a two-second lease.
    private func startNode(etcd: EtcdProcess) async throws -> RunningDaemon {
        let route = try await Loopback.freePort()
        return try await RunningDaemon.start([
            "--cluster", "routes", "--etcd", etcd.url, "--cluster-listen", "127.0.0.1:\(route)", "--cluster-lease-ttl", "2s",
        ])
    }

    /// `count` nodes, once each has its routes to all the others up.
    private func startCluster(etcd: EtcdProcess, count: Int = 3) async throws -> [RunningDaemon] {
        var nodes: [RunningDaemon] = []
        for _ in 0..<count { nodes.append(try await startNode(etcd: etcd)) }
        try await eventually(within: 30, "every route up") {
            try await Task.sleep(for: .milliseconds(100))
            return nodes.allSatisfy { occurrences(of: "route up", in: $0.process.standardError) >= count - 1 }
        }
        return nodes
    }

    private func occurrences(of text: String, in log: String) -> Int {
        log.components(separatedBy: text).count - 1
    }

    /// Reads `subscription` until it has `count` messages other than probes (which say that
    /// the subscription's interest reached the publisher's node), in a task of its own.
    private func read(_ subscription: TernSubscription, count: Int) -> (arrivals: Arrivals, task: Task<[String], any Error>) {
        let arrivals = Arrivals()
        let task = Task {
            try await within(30, "\(count) messages on \(subscription.pattern)") {
                var received: [String] = []
                guard count > 0 else { return received }
                for try await message in subscription {
                    if message.string == "probe" {
                        arrivals.probed.withLock { $0 = true }
                        continue
                    }
                    received.append(message.string)
                    if received.count == count { break }
                }
                return received
            }
        }
        return (arrivals, task)
    }

    /// Publishes probes to `topic` until every one of `arrivals` saw one.
    private func probe(_ topic: String, from publisher: TernClient, until arrivals: [Arrivals]) async throws {
        try await eventually(within: 20, "the interest to reach the publisher's node") {
            try await publisher.publish("probe", to: topic)
            try await publisher.flush()
            try await Task.sleep(for: .milliseconds(50))
            return arrivals.allSatisfy { $0.probed.withLock { $0 } }
        }
    }

    @Test func aSubscriberOnOneNodeGetsWhatIsPublishedOnAnotherOnceAndInOrder() async throws {
        let etcd = try await EtcdProcess()
        let nodes = try await startCluster(etcd: etcd)
        let subscriber = try await nodes[0].connect(name: "subscriber")
        let publisher = try await nodes[2].connect(name: "publisher")
        let expected = (0..<500).map { "order \($0)" }
        // Overlapping patterns on one node: the publisher's node forwards one copy, and each
        // subscription gets each message once.
        let oneToken = read(try await subscriber.subscribe(to: "orders.*"), count: expected.count)
        let rest = read(try await subscriber.subscribe(to: "orders.>"), count: expected.count)
        try await probe("orders.eu", from: publisher, until: [oneToken.arrivals, rest.arrivals])
        for text in expected { try await publisher.publish(text, to: "orders.eu") }
        try await publisher.flush()
        #expect(try await oneToken.task.value == expected)
        #expect(try await rest.task.value == expected)
        for node in nodes {
            #expect(node.process.standardError.contains("development CA kept in etcd"), "every node says its routes use the development CA")
        }
        await subscriber.close()
        await publisher.close()
        for node in nodes { try await node.stop() }
    }
}

/// What a subscription read in a test: whether a probe came.
final class Arrivals: Sendable {
    let probed = Mutex(false)
}
