import Foundation
import NIOPosix
import Synchronization
import TernChildProcesses
import TernClient
import TernMonitoring
import TernProtocol
import TernTLS
import Testing

/// Three ternd nodes of one cluster, with a real etcd on loopback, carrying messages between
/// themselves over routes (CLUSTER.md, "Routes").
@Suite(.serialized, .timeLimit(.minutes(3)))
struct ClusterRoutingTests {
    /// A node of cluster `routes` with a two-second lease, and its monitoring listener.
    private func startNode(etcd: EtcdProcess) async throws -> Node {
        let route = try await Loopback.freePort()
        let monitor = try await Loopback.freePort()
        let daemon = try await RunningDaemon.start([
            "--cluster", "routes", "--etcd", etcd.url, "--cluster-listen", "127.0.0.1:\(route)", "--cluster-lease-ttl", "2s",
            "--monitor", "127.0.0.1:\(monitor)",
        ])
        return Node(daemon: daemon, monitor: MonitorClient(address: ServerAddress(host: "127.0.0.1", port: monitor)))
    }

    /// `count` nodes, once each has its routes to all the others up.
    private func startCluster(etcd: EtcdProcess, count: Int = 3) async throws -> [Node] {
        var nodes: [Node] = []
        for _ in 0..<count { nodes.append(try await startNode(etcd: etcd)) }
        try await eventually(within: 30, "every route up") {
            try await Task.sleep(for: .milliseconds(100))
            for node in nodes {
                let routes = try await node.cluster().routes
                guard routes.count == count - 1, routes.allSatisfy({ $0.state == "up" }) else { return false }
            }
            return true
        }
        return nodes
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
        let subscriber = try await nodes[0].daemon.connect(name: "subscriber")
        let publisher = try await nodes[2].daemon.connect(name: "publisher")
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
            #expect(node.daemon.process.standardError.contains("development CA kept in etcd"), "every node says its routes use the development CA")
        }
        let subscriberID = try await nodes[0].memberID()
        let routeToSubscriber = try #require(try await nodes[2].cluster().routes.first { $0.peer == subscriberID })
        #expect(routeToSubscriber.messagesOut >= UInt64(expected.count) && routeToSubscriber.messagesOut < UInt64(expected.count) + 500, "one copy per message, not one per subscription")
        // The metrics say so too; the metrics are brought up to date once a second.
        try await eventually(within: 10, "the publisher's node's route metrics") {
            try await Task.sleep(for: .milliseconds(200))
            let samples = try await PrometheusText.scrape(port: nodes[2].monitor.address.port)
            return samples["tern_routes"] == 2 && samples["tern_route_messages_total{direction=\"out\"}"].map { $0 >= Double(expected.count) } == true
                && samples["tern_route_interest_entries{side=\"remote\"}"] != nil && samples["tern_route_slow_peers_total"] == 0
        }
        let received = try await PrometheusText.scrape(port: nodes[0].monitor.address.port)
        #expect(received["tern_route_bytes_total{direction=\"in\"}"].map { $0 >= Double(expected.count * 7) } == true, "\(received)")
        let monitors = nodes.map { "\($0.monitor.address)" }.joined(separator: ",")
        let status = try await run("tern", ["cluster", "status", "--etcd", etcd.url, "--cluster", "routes", "--monitor", monitors])
        #expect(status.status == 0, "\(status.errors)")
        let routeLines = status.output.split(separator: "\n").filter { $0.hasPrefix("  to ") }
        #expect(routeLines.count == 6 && routeLines.allSatisfy { $0.contains(" up (") }, "\(status.output)")
        #expect(routeLines.contains { $0.hasPrefix("  to \(subscriberID)") && !$0.contains("out 0 msgs") }, "\(status.output)")
        await subscriber.close()
        await publisher.close()
        for node in nodes { try await node.daemon.stop() }
    }

    @Test func interestGoesWithAnUnsubscribeAndWithAKilledNode() async throws {
        let etcd = try await EtcdProcess()
        let nodes = try await startCluster(etcd: etcd)
        let ids = [try await nodes[0].memberID(), try await nodes[1].memberID(), try await nodes[2].memberID()]
        /// The interest entries `node` holds of the member `peer`.
        func interest(at node: Node, of peer: String) async throws -> Int? {
            try await node.cluster().routes.first { $0.peer == peer }?.interest
        }
        let subscriber = try await nodes[0].daemon.connect(name: "subscriber")
        // Two subscriptions to one pattern are one entry, with a count of 2.
        let subscriptions = [
            try await subscriber.subscribe(to: "jobs.>"), try await subscriber.subscribe(to: "jobs.>"),
            try await subscriber.subscribe(to: "jobs.*", queueGroup: "workers"),
        ]
        try await eventually(within: 10, "the other nodes to learn the subscriber's interest") {
            try await Task.sleep(for: .milliseconds(50))
            let (atOne, atTwo) = (try await interest(at: nodes[1], of: ids[0]), try await interest(at: nodes[2], of: ids[0]))
            return atOne == 2 && atTwo == 2
        }
        #expect(subscriptions.count == 3)
        await subscriber.close()
        try await eventually(within: 10, "the other nodes to forget it once the subscriber is gone") {
            try await Task.sleep(for: .milliseconds(50))
            let (atOne, atTwo) = (try await interest(at: nodes[1], of: ids[0]), try await interest(at: nodes[2], of: ids[0]))
            return atOne == 0 && atTwo == 0
        }

        let doomed = try await nodes[1].daemon.connect(name: "doomed")
        let doomedSubscription = try await doomed.subscribe(to: "jobs.>")
        try await eventually(within: 10, "the other nodes to learn the doomed node's interest") {
            try await Task.sleep(for: .milliseconds(50))
            let (atZero, atTwo) = (try await interest(at: nodes[0], of: ids[1]), try await interest(at: nodes[2], of: ids[1]))
            return atZero == 1 && atTwo == 1
        }
        nodes[1].daemon.process.signal(SIGKILL)
        #expect(doomedSubscription.pattern == "jobs.>")
        try await eventually(within: 15, "the others to drop the killed node's route and interest once its key expires") {
            try await Task.sleep(for: .milliseconds(100))
            let (atZero, atTwo) = (try await nodes[0].cluster().routes.map(\.peer), try await nodes[2].cluster().routes.map(\.peer))
            return atZero == [ids[2]] && atTwo == [ids[0]]
        }
        // What is published now goes nowhere: no route has interest in it.
        let publisher = try await nodes[0].daemon.connect(name: "publisher")
        let before = try await nodes[0].cluster().routes.first?.messagesOut
        for index in 0..<20 { try await publisher.publish("\(index)", to: "jobs.late") }
        try await publisher.flush()
        try await Task.sleep(for: .milliseconds(200))
        #expect(try await nodes[0].cluster().routes.first?.messagesOut == before)
        #expect(nodes[0].daemon.process.standardError.contains("route down"))
        await publisher.close()
        for index in [0, 2] { try await nodes[index].daemon.stop() }
    }

    @Test func ternSubOnOneNodeReceivesWhatTernPubSendsToAnother() async throws {
        let etcd = try await EtcdProcess()
        let nodes = try await startCluster(etcd: etcd)
        let subscriber = try await ChildProcess(
            "tern", ["sub", "greetings.>", "--count", "1", "--server", "127.0.0.1:\(nodes[0].daemon.port)"], in: nodes[0].daemon.directory
        )
        // The subscription's interest reaches node 3 at some point after `tern sub` starts:
        // publish until it arrives.
        let deadline = ContinuousClock.now + .seconds(30)
        while subscriber.isRunning && ContinuousClock.now < deadline {
            let publish = try await run("tern", ["pub", "greetings.node3", "hello from node 3", "--server", "127.0.0.1:\(nodes[2].daemon.port)"], in: nodes[2].daemon.directory)
            #expect(publish.status == 0, "\(publish.errors)")
            try await Task.sleep(for: .milliseconds(200))
        }
        #expect(try await subscriber.wait() == 0, "\(subscriber.standardError)")
        #expect(subscriber.standardOutput == "hello from node 3\n")
        for node in nodes { try await node.daemon.stop() }
    }

    @Test func aQueueGroupAcrossNodesGetsEachMessageOncePreferringThePublishersNode() async throws {
        let etcd = try await EtcdProcess()
        let nodes = try await startCluster(etcd: etcd)
        let ids = [try await nodes[0].memberID(), try await nodes[1].memberID(), try await nodes[2].memberID()]
        var clients: [TernClient] = []
        var members: [Received] = []
        for (index, node) in nodes.enumerated() {
            let client = try await node.daemon.connect(name: "worker-\(index)")
            clients.append(client)
            members.append(Received(try await client.subscribe(to: "work.items", queueGroup: "workers")))
        }
        let observerClient = try await nodes[1].daemon.connect(name: "observer")
        let observer = Received(try await observerClient.subscribe(to: "work.*"))
        try await eventually(within: 10, "node 3 to learn the others' interest") {
            try await Task.sleep(for: .milliseconds(50))
            let routes = try await nodes[2].cluster().routes
            return routes.first { $0.peer == ids[0] }?.interest == 1 && routes.first { $0.peer == ids[1] }?.interest == 2
        }
        let publisher = try await nodes[2].daemon.connect(name: "publisher")
        let count = 10_000

        // The publisher's node has a member: it gets every message.
        for index in 0..<count { try await publisher.publish("a\(index)", to: "work.items") }
        try await publisher.flush()
        try await members.settle(at: count)
        #expect(members[2].all.count == count, "the member on the publisher's node takes every message")
        #expect(Set(members.flatMap(\.all)) == Set((0..<count).map { "a\($0)" }))

        // Without one there, the members on the other nodes share them, each message once.
        await clients[2].close()
        try await eventually(within: 10, "node 3's member to be gone") {
            try await Task.sleep(for: .milliseconds(50))
            let stats = try MonitorJSON.decode(ServerStats.self, from: try await nodes[2].monitor.get("/stats").body)
            return stats.totals.subscriptions == 0
        }
        for index in 0..<count { try await publisher.publish("b\(index)", to: "work.items") }
        try await publisher.flush()
        try await members.settle(at: 2 * count)
        let second = members[..<2].flatMap(\.all).filter { $0.hasPrefix("b") }
        #expect(second.count == count && Set(second) == Set((0..<count).map { "b\($0)" }), "each message once across the two remote members")
        #expect(members[..<2].allSatisfy { $0.all.contains { $0.hasPrefix("b") } }, "both remote members get some, in turn")
        // A subscription of no group gets every message, whichever group took it.
        try await [observer].settle(at: 2 * count)

        await observerClient.close()
        await publisher.close()
        for client in clients[..<2] { await client.close() }
        for node in nodes { try await node.daemon.stop() }
    }

    @Test func aRequestReachesAResponderOnAnotherNodeOrFailsClearly() async throws {
        let etcd = try await EtcdProcess()
        let nodes = try await startCluster(etcd: etcd)
        let serviceID = try await nodes[0].memberID()
        let caller = try await nodes[2].daemon.connect(name: "caller")
        // Nobody in the cluster responds: the answer comes at once, not after the timeout.
        let nobody = try await within(10, "the no-responders answer") {
            try await failure { try await caller.request("x", to: "quotes.eu", timeout: .seconds(60)) }
        }
        #expect(nobody == .noResponders(topic: "quotes.eu"))

        let service = try await nodes[0].daemon.connect(name: "service")
        let responder = try await service.makeResponder(on: "quotes.*")
        try await eventually(within: 10, "the caller's node to learn of the responder") {
            try await Task.sleep(for: .milliseconds(50))
            return try await nodes[2].cluster().routes.first { $0.peer == serviceID }?.interest == 1
        }
        let started = Gate()
        let outcome = try await whileRunning(responder, { request in
            if request.string.hasPrefix("hang") {
                if request.string == "hang and tell" { await started.open() }
                try await Task.sleep(for: .seconds(60))
            }
            return TernReply(request.string.uppercased() + " on " + request.topic, headers: ["node": "1"])
        }) {
            let reply = try await caller.request("quote", to: "quotes.eu", timeout: .seconds(30))
            #expect(reply.string == "QUOTE on quotes.eu" && reply.headers["node"] == "1")
            // The caller's node keeps the timeout.
            let late = try await failure { try await caller.request("hang", to: "quotes.eu", timeout: .milliseconds(300)) }
            #expect(late == .requestTimedOut(topic: "quotes.eu"))
            // A responder that disconnects fails the requests it holds at once.
            async let gone = within(10, "the responder-gone answer") {
                try await failure { try await caller.request("hang and tell", to: "quotes.us", timeout: .seconds(60)) }
            }
            await started.wait()
            await service.close()
            return try await gone
        }
        #expect(outcome == .responderGone(topic: "quotes.us"))
        await caller.close()
        for node in nodes { try await node.daemon.stop() }
    }

    @Test func withTheClustersTLSFilesRoutesRequireACertificateOfItsCA() async throws {
        let etcd = try await EtcdProcess()
        let files = try ClusterTLSFiles()
        defer { files.remove() }
        let cluster = try files.arguments(forCA: "cluster")
        var nodes: [Node] = []
        for tls in [cluster, cluster, try files.arguments(forCA: "stranger")] {
            let route = try await Loopback.freePort()
            let monitor = try await Loopback.freePort()
            let daemon = try await RunningDaemon.start([
                "--cluster", "routes", "--etcd", etcd.url, "--cluster-listen", "127.0.0.1:\(route)", "--cluster-lease-ttl", "2s",
                "--monitor", "127.0.0.1:\(monitor)",
            ] + tls)
            nodes.append(Node(daemon: daemon, monitor: MonitorClient(address: ServerAddress(host: "127.0.0.1", port: monitor))))
        }
        let (friend, stranger) = (try await nodes[1].memberID(), try await nodes[2].memberID())
        try await eventually(within: 30, "the two nodes of one CA to have their route up") {
            try await Task.sleep(for: .milliseconds(100))
            let routes = try await nodes[0].cluster().routes
            return routes.count == 2 && routes.filter { $0.state == "up" }.map(\.peer) == [friend]
        }
        // Long enough for several dials between the stranger and the others: none gets a route up.
        try await Task.sleep(for: .seconds(2))
        for node in nodes[..<2] {
            #expect(try await node.cluster().routes.first { $0.peer == stranger }?.state == "connecting")
            #expect(!node.daemon.process.standardError.contains("development CA"))
        }
        #expect(try await nodes[2].cluster().routes.allSatisfy { $0.state == "connecting" })
        for node in nodes { try await node.daemon.stop() }
    }

    @Test func aConnectionToTheRoutePortThatSaysNothingIsClosed() async throws {
        let etcd = try await EtcdProcess()
        let route = try await Loopback.freePort()
        let node = try await RunningDaemon.start([
            "--cluster", "routes", "--etcd", etcd.url, "--cluster-listen", "127.0.0.1:\(route)", "--cluster-lease-ttl", "2s",
        ])
        try await eventually(within: 20, "the node to accept routes") {
            try await Task.sleep(for: .milliseconds(100))
            return node.process.standardError.contains("accepting routes")
        }
        let silent = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton).connect(host: "127.0.0.1", port: route).get()
        let opened = ContinuousClock.now
        try await within(20, "the node to close a connection that sent no ROUTE_HELLO") { try await silent.closeFuture.get() }
        #expect(ContinuousClock.now - opened > .seconds(8))
        try await node.stop()
    }

    /// Two nodes, each reached through a proxy, whichever of them dials.
    private func startProxiedNodes(etcd: EtcdProcess, _ arguments: [String] = []) async throws -> (nodes: [Node], proxies: [FreezingProxy]) {
        var nodes: [Node] = []
        var proxies: [FreezingProxy] = []
        for _ in 0..<2 {
            let route = try await Loopback.freePort()
            let proxy = try await FreezingProxy(to: route)
            proxies.append(proxy)
            let monitor = try await Loopback.freePort()
            let daemon = try await RunningDaemon.start([
                "--cluster", "routes", "--etcd", etcd.url, "--cluster-listen", "127.0.0.1:\(route)", "--cluster-advertise", "127.0.0.1:\(proxy.port)",
                "--cluster-lease-ttl", "2s", "--monitor", "127.0.0.1:\(monitor)",
            ] + arguments)
            nodes.append(Node(daemon: daemon, monitor: MonitorClient(address: ServerAddress(host: "127.0.0.1", port: monitor))))
        }
        return (nodes, proxies)
    }

    @Test func aRouteCutAndRestoredResyncsWithoutDuplicates() async throws {
        let etcd = try await EtcdProcess()
        let (nodes, proxies) = try await startProxiedNodes(etcd: etcd)
        let subscriberID = try await nodes[1].memberID()
        let subscriber = try await nodes[1].daemon.connect(name: "subscriber")
        let received = Received(try await subscriber.subscribe(to: "cut.>"))
        try await eventually(within: 30, "the publisher's node to learn the subscriber's interest") {
            try await Task.sleep(for: .milliseconds(100))
            return try await nodes[0].cluster().routes.first { $0.peer == subscriberID }?.interest == 1
        }
        for proxy in proxies { proxy.cut() }
        try await eventually(within: 30, "the route to come up again, with the interest resent") {
            try await Task.sleep(for: .milliseconds(100))
            let route = try await nodes[0].cluster().routes.first { $0.peer == subscriberID }
            return route?.state == "up" && route?.resyncs == 1 && route?.interest == 1
        }
        let publisher = try await nodes[0].daemon.connect(name: "publisher")
        let expected = (0..<200).map { "after the cut \($0)" }
        for text in expected { try await publisher.publish(text, to: "cut.x") }
        try await publisher.flush()
        try await [received].settle(at: expected.count)
        #expect(received.all == expected)
        #expect(nodes[0].daemon.process.standardError.contains("resync=true"))
        await publisher.close()
        await subscriber.close()
        for node in nodes { try await node.daemon.stop() }
        for proxy in proxies { await proxy.close() }
    }

    @Test func aSlowPeersRouteIsClosedAndItsSubscribersHearWhatTheyLost() async throws {
        let etcd = try await EtcdProcess()
        let (nodes, proxies) = try await startProxiedNodes(etcd: etcd, ["--max-pending-bytes", "3MiB"])
        let subscriberID = try await nodes[1].memberID()
        let subscriber = try await nodes[1].daemon.connect(name: "subscriber")
        let subscription = try await subscriber.subscribe(to: "flood.>")
        let received = Received(subscription)
        try await eventually(within: 30, "the publisher's node to learn the subscriber's interest") {
            try await Task.sleep(for: .milliseconds(100))
            return try await nodes[0].cluster().routes.first { $0.peer == subscriberID }?.interest == 1
        }
        for proxy in proxies { proxy.stall() }
        let publisher = try await nodes[0].daemon.connect(name: "publisher")
        let payload = [UInt8](repeating: 0x2A, count: 64 << 10)
        for _ in 0..<400 { try await publisher.publish(payload, to: "flood.x") }
        try await publisher.flush()
        try await eventually(within: 20, "the route to be closed as a slow peer's") {
            try await Task.sleep(for: .milliseconds(100))
            return nodes[0].daemon.process.standardError.contains("slow peer")
        }
        // The route comes up again through a fresh connection; the subscriber hears how many it lost.
        try await eventually(within: 30, "a drop notice for the lost messages") {
            try await Task.sleep(for: .milliseconds(100))
            return subscription.droppedCount > 0
        }
        #expect(received.all.count + Int(subscription.droppedCount) <= 400)
        #expect(nodes[0].daemon.process.standardError.contains("slow_peer"), "the route down line gives the reason")
        await publisher.close()
        await subscriber.close()
        for node in nodes { try await node.daemon.stop() }
        for proxy in proxies { await proxy.close() }
    }
}

/// What one subscription received, read in a task of its own.
final class Received: Sendable {
    private let received = Mutex<[String]>([])

    /// Reads `subscription` until it ends (its client closes).
    init(_ subscription: TernSubscription) {
        Task { [self] in
            for try await message in subscription {
                received.withLock { $0.append(message.string) }
            }
        }
    }

    var all: [String] { received.withLock { $0 } }
}

extension [Received] {
    /// Waits until these subscriptions hold `count` messages in all, then a moment more, in
    /// which no more may come.
    func settle(at count: Int) async throws {
        try await eventually(within: 60, "\(count) messages") {
            try await Task.sleep(for: .milliseconds(50))
            return reduce(0) { $0 + $1.all.count } >= count
        }
        try await Task.sleep(for: .milliseconds(500))
        #expect(reduce(0) { $0 + $1.all.count } == count, "no message twice")
    }
}

extension ArraySlice<Received> {
    func flatMap(_ transform: (Received) -> [String]) -> [String] {
        Array(self).flatMap(transform)
    }
}

/// A node of a test's cluster: its daemon, and its monitoring listener.
struct Node {
    let daemon: RunningDaemon
    let monitor: MonitorClient

    /// The cluster and routes as the node's `/stats` shows them.
    func cluster() async throws -> ClusterStats {
        let response = try await monitor.get("/stats")
        return try #require(try MonitorJSON.decode(ServerStats.self, from: response.body).cluster)
    }

    /// The node's member id.
    func memberID() async throws -> String {
        try await cluster().memberID
    }
}

/// What a subscription read in a test: whether a probe came.
final class Arrivals: Sendable {
    let probed = Mutex(false)
}
