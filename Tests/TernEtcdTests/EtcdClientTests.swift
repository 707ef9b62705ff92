import Foundation
import Synchronization
import TernChildProcesses
import TernEtcd
import TernTLS
import Testing

/// The etcd client against a real etcd on loopback.
@Suite(.serialized)
struct EtcdClientTests {
    @Test func putGetAndDeleteKeys() async throws {
        let etcd = try await EtcdProcess()
        let client = try EtcdClient(endpoints: EtcdEndpoint.list(parsing: etcd.url))
        #expect(try await client.get("/a/missing") == nil)
        let revision = try await client.put("/a/one", value: Array("1".utf8))
        try await client.put("/a/two", value: [0, 0xFF, 7])
        try await client.put("/b/three", value: [])
        let one = try #require(try await client.get("/a/one"))
        #expect(one.value == Array("1".utf8) && one.modRevision == revision && one.version == 1)
        let range = try await client.get(prefix: "/a/")
        #expect(range.keyValues.map(\.key) == ["/a/one", "/a/two"])
        #expect(range.keyValues[1].value == [0, 0xFF, 7])
        #expect(range.revision >= revision)
        #expect(try await client.delete("/a/one"))
        #expect(!(try await client.delete("/a/one")))
        #expect(try await client.delete(prefix: "/") == 2)
        #expect(try await client.get(prefix: "/").keyValues.isEmpty)
    }

    @Test func transactionsCompareThenWrite() async throws {
        let etcd = try await EtcdProcess()
        let client = try EtcdClient(endpoints: EtcdEndpoint.list(parsing: etcd.url))
        // Create only if absent: the first succeeds, the second reads what is there.
        let create = { (value: String) in
            try await client.transaction(
                if: [.equal("/subject", .createRevision(0))], then: [.put(key: "/subject", value: Array(value.utf8), lease: nil)], else: [.get(key: "/subject")]
            )
        }
        let first = try await create("v1")
        #expect(first.succeeded && first.reads == [[]])
        let second = try await create("v2")
        #expect(!second.succeeded)
        #expect(second.reads.first?.first?.value == Array("v1".utf8))
        let current = try #require(try await client.get("/subject"))
        let stale = try await client.transaction(if: [.equal("/subject", .modRevision(current.modRevision - 1))], then: [.delete(key: "/subject")])
        #expect(!stale.succeeded)
        let fresh = try await client.transaction(
            if: [.equal("/subject", .modRevision(current.modRevision)), .equal("/subject", .value(Array("v1".utf8)))], then: [.delete(key: "/subject")]
        )
        #expect(fresh.succeeded)
        #expect(try await client.get("/subject") == nil)
    }

    @Test func leasedKeysGoWithTheirLease() async throws {
        let etcd = try await EtcdProcess()
        let client = try EtcdClient(endpoints: EtcdEndpoint.list(parsing: etcd.url))
        // Kept alive every half second, a loaded machine still renews well within the TTL.
        let lease = try await client.grantLease(ttl: 3)
        #expect(lease.ttl == 3 && lease.id != 0)
        try await client.put("/member", value: [1], lease: lease.id)
        #expect(try await client.get("/member")?.lease == lease.id)
        // Kept alive past its TTL, the key stays.
        for _ in 0..<8 {
            try await Task.sleep(for: .milliseconds(500))
            #expect(try await client.keepAlive(lease.id).ttl == 3)
        }
        #expect(try await client.get("/member") != nil)
        // Left alone, it expires and takes the key with it.
        let deadline = ContinuousClock.now + .seconds(8)
        while try await client.get("/member") != nil, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(200))
        }
        #expect(try await client.get("/member") == nil)
        await #expect(throws: EtcdError.leaseNotFound(lease.id)) { try await client.keepAlive(lease.id) }
        let revoked = try await client.grantLease(ttl: 60)
        try await client.put("/other", value: [1], lease: revoked.id)
        try await client.revokeLease(revoked.id)
        #expect(try await client.get("/other") == nil)
        await #expect(throws: EtcdError.leaseNotFound(revoked.id)) { try await client.revokeLease(revoked.id) }
    }

    @Test func refusalsAreTyped() async throws {
        let etcd = try await EtcdProcess()
        let client = try EtcdClient(endpoints: EtcdEndpoint.list(parsing: etcd.url))
        do {
            try await client.put("/k", value: [1], lease: 12345)
            Issue.record("a put on an unknown lease succeeded")
        } catch .refused(let code, let message) {
            #expect(code == 5 && message.contains("lease not found"), "\(message)")
        }
    }

    @Test func watchesSeeChangesInOrder() async throws {
        let etcd = try await EtcdProcess()
        let client = try EtcdClient(endpoints: EtcdEndpoint.list(parsing: etcd.url))
        let before = try await client.put("/w/old", value: [0])
        let seen = Mutex<[EtcdEvent]>([])
        let watching = Task {
            try await client.watch(prefix: "/w/", fromRevision: before) { events in
                seen.withLock { $0.append(contentsOf: events) }
            }
        }
        try await client.put("/w/a", value: [1])
        try await client.put("/elsewhere", value: [2])
        try await client.delete("/w/a")
        let deadline = ContinuousClock.now + .seconds(10)
        while seen.withLock({ $0.count }) < 3, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(20))
        }
        watching.cancel()
        try await watching.value
        let events = seen.withLock { $0 }
        #expect(events.map(\.key) == ["/w/old", "/w/a", "/w/a"])
        guard events.count == 3, case .put(let put) = events[1], case .delete(_, let deleted) = events[2] else {
            Issue.record("unexpected events \(events)")
            return
        }
        #expect(put.value == [1] && deleted > put.modRevision)
    }

    @Test func aDeadEndpointFailsOverToTheNext() async throws {
        let etcd = try await EtcdProcess()
        let dead = try EtcdProcess.freePort()
        let client = try EtcdClient(endpoints: EtcdEndpoint.list(parsing: "http://127.0.0.1:\(dead), \(etcd.url)"))
        try await client.put("/k", value: [1])
        #expect(try await client.get("/k")?.value == [1])
        try await etcd.kill()
        do {
            _ = try await client.get("/k")
            Issue.record("a read with every endpoint down succeeded")
        } catch .unreachable(let endpoint, _) {
            #expect(endpoint.port == dead || endpoint.port == etcd.clientPort)
        }
    }

    @Test func httpsEndpointsAreReachedOverTLS() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tern-etcd-tls-" + UUID().uuidString).path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let (etcd, caFile) = try await EtcdProcess.withTLS(in: directory)
        try TLSCertificateAuthority.generate().credential.write(certificateFile: directory + "/other-ca.pem", privateKeyFile: directory + "/other-ca.key")
        let endpoints = try EtcdEndpoint.list(parsing: etcd.url)
        #expect(endpoints.first?.usesTLS == true)

        let trusting = EtcdClient(endpoints: endpoints, tls: try EtcdClient.tlsContext(trustRootsFile: caFile, certificateFile: nil, privateKeyFile: nil))
        try await trusting.put("/over-tls", value: [42])
        #expect(try await trusting.get("/over-tls")?.value == [42])

        // A client that trusts another CA does not talk to this etcd.
        let stranger = EtcdClient(endpoints: endpoints, tls: try EtcdClient.tlsContext(trustRootsFile: directory + "/other-ca.pem", certificateFile: nil, privateKeyFile: nil))
        do {
            _ = try await stranger.get("/over-tls")
            Issue.record("a client that does not trust etcd's certificate read from it")
        } catch .unreachable(let endpoint, let reason) {
            #expect(endpoint.usesTLS && reason.lowercased().contains("certificate"), "\(reason)")
        }
        await #expect(throws: EtcdError.unreachable(endpoints[0], reason: "an https:// endpoint needs a TLS context")) {
            _ = try await EtcdClient(endpoints: endpoints).get("/over-tls")
        }
    }

    @Test func endpointURLsAreChecked() throws {
        #expect(try EtcdEndpoint(parsing: "http://10.0.0.1") == EtcdEndpoint(host: "10.0.0.1", port: 2379))
        #expect(try EtcdEndpoint(parsing: "http://[::1]:2380/") == EtcdEndpoint(host: "::1", port: 2380))
        #expect(try EtcdEndpoint.list(parsing: "http://a:1,https://b").map(\.description) == ["http://a:1", "https://b:2379"])
        for bad in ["a:1", "ftp://a:1", "http://", "http://a:0", "http://a:x", "http://a/v3", "http://[::1", "http://a:1,"] {
            #expect(throws: EtcdEndpointError.self, "\(bad)") { try EtcdEndpoint.list(parsing: bad) }
        }
    }
}
