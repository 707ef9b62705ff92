import Foundation
import NIOConcurrencyHelpers
import TernChildProcesses
import TernClient
import TernProtocol
import Testing

/// Clients of a cluster learn every node's address from the node they connect to (SERVERS), and
/// fail over to another node when theirs dies, though they were given one address.
@Suite(.serialized)
struct ClusterFailoverTests {
    /// A node of cluster `e2e-failover` with a two-second lease, with `tls`'s certificate (the
    /// clients of one node trust the others) or a new one.
    private func startNode(etcd: EtcdProcess, sharingTLSOf first: RunningDaemon? = nil) async throws -> RunningDaemon {
        let route = try await Loopback.freePort()
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tern-daemon-" + UUID().uuidString)
        if let first {
            try FileManager.default.createDirectory(at: directory.appendingPathComponent(".tern"), withIntermediateDirectories: true)
            try FileManager.default.copyItem(at: first.directory.appendingPathComponent(".tern/tls"), to: directory.appendingPathComponent(".tern/tls"))
        }
        return try await RunningDaemon.start(
            ["--cluster", "e2e-failover", "--etcd", etcd.url, "--cluster-listen", "127.0.0.1:\(route)", "--cluster-lease-ttl", "2s"],
            in: directory
        )
    }

    /// The addresses of the last SERVERS a raw client of `node` got after WELCOME, once it lists `count`.
    private func announced(by node: RunningDaemon, count: Int) async throws -> Set<String> {
        var listed: Set<String> = []
        try await eventually(within: 20, "node \(node.port) to announce \(count) servers") {
            let connection = try await RawConnection.connect(port: node.port, tls: RawConnection.tlsContext(trusting: node.caFile))
            defer { Task { await connection.close() } }
            let welcome = try await connection.handshake()
            #expect(welcome.features.contains(.servers))
            // A node that does not know the cluster's members yet sends no SERVERS.
            guard case .servers(let servers) = try? await connection.nextFrame(within: 2) else { return false }
            listed = Set(servers.addresses)
            return listed.count == count
        }
        return listed
    }

    @Test func aClientGivenOneNodeFailsOverToAnotherAndKeepsItsSubscription() async throws {
        let etcd = try await EtcdProcess()
        let first = try await startNode(etcd: etcd)
        let second = try await startNode(etcd: etcd, sharingTLSOf: first)
        let third = try await startNode(etcd: etcd, sharingTLSOf: first)
        let nodes = [first, second, third]
        #expect(try await announced(by: first, count: 3) == Set(nodes.map { "127.0.0.1:\($0.port)" }))

        // The subscriber knows only the first node; it learns the others from it.
        let subscriber = try await first.connect(name: "subscriber")
        let events = EventRecorder(subscriber)
        let subscription = try await subscriber.subscribe(to: "failover.>")
        let received = NIOLockedValueBox<[String]>([])
        let reading = Task {
            for try await message in subscription { received.withLockedValue { $0.append(String(decoding: message.payload.readableBytesView, as: UTF8.self)) } }
        }
        first.process.signal(SIGKILL)
        _ = try await first.process.wait()
        try await eventually(within: 20, "the subscriber to reconnect to another node") {
            events.contains { if case .reconnected(let server, _) = $0 { server.port != first.port } else { false } }
        }
        guard case .reconnected(let server, _) = events.all.last(where: { if case .reconnected = $0 { true } else { false } }),
              let node = nodes.first(where: { $0.port == server.port })
        else {
            Issue.record("no reconnection in \(events.all)")
            return
        }
        // A publisher on the node the subscriber moved to reaches it.
        let publisher = try await node.connect(name: "publisher")
        try await eventually(within: 10, "a message published on the new node to arrive") {
            try await publisher.publish("after the failover", to: "failover.news")
            try await Task.sleep(for: .milliseconds(100))
            return received.withLockedValue { $0.contains("after the failover") }
        }
        await publisher.close()
        await subscriber.close()
        _ = try? await reading.value
        try await second.stop()
        try await third.stop()
        try? FileManager.default.removeItem(at: first.directory)
    }

    @Test func aBrokerOutsideAClusterAnnouncesWhatItIsToldToAdvertise() async throws {
        let advertised = try await RunningDaemon.start(["--client-advertise", "192.0.2.7:8376,[2001:db8::1]:8376"])
        #expect(try await announced(by: advertised, count: 2) == ["192.0.2.7:8376", "[2001:db8::1]:8376"])
        try await advertised.stop()
        let silent = try await RunningDaemon.start([])
        let connection = try await RawConnection.connect(port: silent.port, tls: RawConnection.tlsContext(trusting: silent.caFile))
        #expect(!(try await connection.handshake()).features.contains(.servers))
        await connection.close()
        try await silent.stop()
    }
}
