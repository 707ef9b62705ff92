import Foundation
import NIOCore
import Synchronization
import TernChildProcesses
import TernClient
import TernProtocol
import TernSchema
import Testing

/// The schema registry of a cluster, kept in a real etcd, through real ternd nodes on loopback:
/// each node enforces bindings from its cache of it, registrations on two nodes at once never
/// share a version, and while etcd is gone nodes enforce what they know and refuse changes.
@Suite(.serialized, .timeLimit(.minutes(3))) struct ClusterRegistryTests {
    static let order = "record Order { id: string  quantity: int32 }"
    static let orderWithNote = "record Order { id: string  quantity: int32  note: string = \"none\" }"

    /// An order as `schema` encodes it, or, with `truncated`, only its id: a payload that does
    /// not match.
    private static func payload(_ id: String, truncated: Bool = false) throws -> ByteBuffer {
        if truncated {
            return ByteBuffer(bytes: try Schema(parsing: "record Order { id: string }").encode(.record(["id": .string(id)])))
        }
        return ByteBuffer(bytes: try Schema(parsing: order).encode(.record(["id": .string(id), "quantity": .int32(1)])))
    }

    /// The code a publish was refused with, or `nil` when it was accepted.
    private static func refusal(publishing payload: ByteBuffer, to topic: String, as reference: SchemaReference, on client: TernClient) async throws -> ErrorCode? {
        do {
            try await client.publish(payload, to: topic, schema: reference, acknowledged: true)
            return nil
        } catch TernClientError.refused(let code, _) {
            return code
        }
    }

    /// Waits until `client`'s node refuses, on `topic`, an order that does not match `schema`:
    /// it learned of the topic's binding from etcd.
    private static func waitUntilEnforced(_ schema: RegisteredSchema, on topic: String, by client: TernClient) async throws {
        try await eventually(within: 10, "\(topic)'s binding to be enforced") {
            try await refusal(publishing: try payload("bad", truncated: true), to: topic, as: schema.reference, on: client) == .invalidPayload
        }
    }

    /// The registry error an operation failed with, or `nil` when it succeeded.
    private static func registryError(_ operation: () async throws -> Void) async throws -> (code: ErrorCode, message: String)? {
        do {
            try await operation()
            return nil
        } catch TernClientError.registry(let code, let message) {
            return (code, message)
        }
    }

    /// Two nodes of a cluster on a new etcd, with a client of each, stopped after `body`.
    private static func withTwoNodes(
        _ body: (_ etcd: EtcdProcess, _ client1: TernClient, _ client2: TernClient, _ nodes: [RunningDaemon]) async throws -> Void
    ) async throws {
        let etcd = try await EtcdProcess()
        let nodes = [try await RunningDaemon.clusterNode(etcd: etcd), try await RunningDaemon.clusterNode(etcd: etcd)]
        let client1 = try await nodes[0].connect(name: "client-1")
        let client2 = try await nodes[1].connect(name: "client-2")
        try await body(etcd, client1, client2, nodes)
        await client1.close()
        await client2.close()
        for node in nodes { try await node.stop() }
    }

    @Test func aSchemaRegisteredThroughOneNodeIsEnforcedOnAnother() async throws {
        try await Self.withTwoNodes { _, client1, client2, nodes in
            let registered = try await client2.registerSchema(Self.order, subject: "orders")
            try await client2.bind(topic: "orders", toSubject: "orders")
            // Node 1 learns of both from its watch of etcd.
            try await Self.waitUntilEnforced(registered, on: "orders", by: client1)
            #expect(try await Self.refusal(publishing: try Self.payload("good"), to: "orders", as: registered.reference, on: client1) == nil)
            let unnamed = await #expect(throws: TernClientError.self) { try await client1.publish("raw", to: "orders", acknowledged: true) }
            guard case .refused(.schemaRequired, _)? = unnamed else {
                Issue.record("\(String(describing: unnamed))")
                return
            }
            let seen = try await client1.schema(subject: "orders")
            #expect(seen.reference == registered.reference && seen.definition == Self.order)
            // Nothing of it went to node 1's data directory: the registry is etcd's.
            #expect(!FileManager.default.fileExists(atPath: nodes[0].directory.appendingPathComponent(".tern/registry/registry.json").path))
        }
    }

    @Test func registrationsOnTwoNodesAtOnceGetUniqueConsecutiveVersions() async throws {
        try await Self.withTwoNodes { _, client1, client2, _ in
            // Both nodes create the subject at once: one of them does, the other gets its version.
            async let firstOn1 = client1.registerSchema("record Race { start: string }", subject: "race")
            async let firstOn2 = client2.registerSchema("record Race { start: string }", subject: "race")
            let (first1, first2) = try await (firstOn1, firstOn2)
            #expect(first1.reference == first2.reference && first1.version == 1)
            // Any schema may follow any other, so that every registration below makes a version.
            try await client2.setCompatibility(.none, subject: "race")

            let rounds = 25
            var registered: [UInt32: String] = [:]
            for round in 0..<rounds {
                let definitions = (on1: "record Race { a\(round): int32 }", on2: "record Race { b\(round): int32 }")
                async let on1 = client1.registerSchema(definitions.on1, subject: "race")
                async let on2 = client2.registerSchema(definitions.on2, subject: "race")
                let (version1, version2) = try await (on1, on2)
                #expect(version1.version != version2.version, "round \(round)")
                #expect(version1.reference.subjectID == first1.reference.subjectID && version2.reference.subjectID == first1.reference.subjectID)
                #expect(registered.updateValue(definitions.on1, forKey: version1.version) == nil, "version \(version1.version) given twice")
                #expect(registered.updateValue(definitions.on2, forKey: version2.version) == nil, "version \(version2.version) given twice")
            }
            #expect(Set(registered.keys) == Set(2...UInt32(1 + 2 * rounds)), "consecutive versions: \(registered.keys.sorted())")

            // Both nodes agree on every version.
            for client in [client1, client2] {
                try await eventually(within: 10, "every version on each node") {
                    try await client.schemaSubjects().first { $0.name == "race" }?.versions == Array(1...UInt32(1 + 2 * rounds))
                }
                for (version, definition) in registered {
                    #expect(try await client.schema(subject: "race", version: version).definition == definition)
                }
            }
        }
    }

    @Test func withoutEtcdNodesEnforceWhatTheyKnowAndRefuseChangesUntilItIsBack() async throws {
        try await Self.withTwoNodes { etcd, client1, client2, nodes in
            let registered = try await client1.registerSchema(Self.order, subject: "orders")
            try await client1.bind(topic: "orders", toSubject: "orders")
            try await Self.waitUntilEnforced(registered, on: "orders", by: client2)
            // Routing needs no etcd either: node 2's subscriber keeps getting what node 1 publishes.
            let routed = try await client2.subscribe(to: "routed.>")
            let received = Mutex<[String]>([])
            let reading = Task {
                for try await message in routed { received.withLock { $0.append(String(buffer: message.payload)) } }
            }
            defer { reading.cancel() }
            try await eventually(within: 20, "node 2's interest to reach node 1") {
                try await client1.publish("before", to: "routed.probe")
                try await Task.sleep(for: .milliseconds(50))
                return received.withLock { $0.contains("before") }
            }

            try await etcd.kill()
            try await client1.publish("during", to: "routed.outage")
            try await eventually(within: 10, "a message across the route while etcd is gone") {
                try await Task.sleep(for: .milliseconds(50))
                return received.withLock { $0.contains("during") }
            }
            // Publishing with the known schema goes on, and the binding is enforced, on both nodes.
            for client in [client1, client2] {
                #expect(try await Self.refusal(publishing: try Self.payload("good"), to: "orders", as: registered.reference, on: client) == nil)
                #expect(try await Self.refusal(publishing: try Self.payload("bad", truncated: true), to: "orders", as: registered.reference, on: client) == .invalidPayload)
                #expect(try await client.schema(subject: "orders").reference == registered.reference, "reads come from the cache")
            }
            // A change fails at once, with one clear line from the command line.
            let started = ContinuousClock.now
            let register = try await run(
                "tern", ["schema", "register", "orders", "-", "--server", "127.0.0.1:\(nodes[1].port)", "--ca", ".tern/tls/ca.pem"],
                in: nodes[1].directory, input: Self.orderWithNote
            )
            #expect(ContinuousClock.now - started < .seconds(5), "within etcd's request timeout")
            #expect(register.status == 1 && register.output.isEmpty)
            #expect(register.errors.hasPrefix("tern: refused by the schema registry: registry unavailable: the registry is kept in etcd, which cannot be reached: "), "\(register.errors)")
            #expect(register.errors.split(separator: "\n").count == 1, "\(register.errors)")
            for change in [
                { _ = try await client1.registerSchema(Self.orderWithNote, subject: "orders") },
                { try await client1.setCompatibility(.full, subject: "orders") },
                { try await client2.bind(topic: "orders.new", toSubject: "orders") },
            ] as [() async throws -> Void] {
                #expect(try await Self.registryError(change)?.code == .registryUnavailable)
            }

            // Back, etcd takes changes again, and every node's cache catches up.
            try await etcd.restart()
            var second: RegisteredSchema?
            try await eventually(within: 20, "a registration to succeed again") {
                second = try? await client2.registerSchema(Self.orderWithNote, subject: "orders")
                return second != nil
            }
            #expect(second?.version == 2)
            try await eventually(within: 10, "node 1 to learn of version 2") {
                (try? await client1.schema(subject: "orders", version: 2).definition) == Self.orderWithNote
            }
            try await client1.bind(topic: "orders.new", toSubject: "orders")
            try await Self.waitUntilEnforced(registered, on: "orders.new", by: client2)
            #expect(nodes[0].process.standardError.contains("cannot follow the schema registry in etcd"), "\(nodes[0].process.standardError)")
            // The notice follows the reload that brought the change: read from the pipe, it may come later.
            try await eventually(within: 10, "the node to say it follows the registry again") {
                nodes[0].process.standardError.contains("following the schema registry in etcd again")
            }
        }
    }
}

extension ClusterRegistryTests {
    @Test func afterAPartitionFromEtcdANodeCatchesUpWithWhatOthersRegistered() async throws {
        let etcd = try await EtcdProcess()
        let proxy = try await FreezingProxy(to: etcd.clientPort)
        let route = try await Loopback.freePort()
        let partitioned = try await RunningDaemon.start([
            "--cluster", "e2e", "--etcd", "http://127.0.0.1:\(proxy.port)", "--cluster-listen", "127.0.0.1:\(route)", "--cluster-lease-ttl", "30s",
        ])
        let other = try await RunningDaemon.clusterNode(etcd: etcd)
        let cut = try await partitioned.connect(name: "partitioned")
        let connected = try await other.connect(name: "connected")
        let first = try await connected.registerSchema(Self.order, subject: "orders")
        try await eventually(within: 10, "the partitioned node to know version 1") {
            (try? await cut.schema(subject: "orders").reference) == first.reference
        }

        // The partitioned node's watch goes silent; it serves from its cache and refuses changes
        // once etcd's request timeout has passed.
        proxy.freeze()
        #expect(try await cut.schema(subject: "orders").reference == first.reference)
        let started = ContinuousClock.now
        let refused = try await Self.registryError { try await cut.setCompatibility(.full, subject: "orders") }
        #expect(refused?.code == .registryUnavailable, "\(String(describing: refused))")
        #expect(ContinuousClock.now - started < .seconds(8), "within etcd's request timeout")
        let second = try await connected.registerSchema(Self.orderWithNote, subject: "orders")

        // Healed, it reads the registry again and watches anew, with no change of its own.
        proxy.thaw()
        try await eventually(within: 20, "the partitioned node to learn of version 2") {
            try await Task.sleep(for: .milliseconds(100))
            return (try? await cut.schema(subject: "orders").reference) == second.reference
        }
        // The notice follows the reload that brought the change: read from the pipe, it may come later.
        try await eventually(within: 10, "the node to say it follows the registry again") {
            partitioned.process.standardError.contains("following the schema registry in etcd again")
        }

        await cut.close()
        await connected.close()
        try await other.stop()
        try await partitioned.stop()
        await proxy.close()
    }
}

extension ClusterRegistryTests {
    @Test func aNodeStartedWithoutEtcdServesAndLearnsTheRegistryOnceEtcdAnswers() async throws {
        let etcd = try await EtcdProcess()
        let first = try await RunningDaemon.clusterNode(etcd: etcd)
        let registrant = try await first.connect(name: "registrant")
        let registered = try await registrant.registerSchema(Self.order, subject: "orders")
        await registrant.close()
        try await first.stop()
        try await etcd.kill()

        // With its own cluster TLS files: a node in development mode needs etcd for the CA.
        let files = try ClusterTLSFiles()
        defer { files.remove() }
        let late = try await RunningDaemon.clusterNode(etcd: etcd, try files.arguments(forCA: "cluster"))
        #expect(late.process.standardError.contains("cannot read the schema registry from etcd"), "\(late.process.standardError)")
        let client = try await late.connect(name: "late")
        #expect(try await Self.registryError { _ = try await client.schema(subject: "orders") }?.code == .unknownSubject)
        #expect(try await Self.registryError { _ = try await client.registerSchema(Self.order, subject: "orders") }?.code == .registryUnavailable)
        try await etcd.restart()
        try await eventually(within: 20, "the node to read the registry") {
            try await Task.sleep(for: .milliseconds(100))
            return (try? await client.schema(subject: "orders").reference) == registered.reference
        }
        await client.close()
        try await late.stop()
    }
}
