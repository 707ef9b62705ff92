import Logging
import TernChildProcesses
import TernCluster
import TernEtcd
import TernProtocol
import Testing

@testable import TernBroker

/// Registry changes against a real etcd from caches that do not follow it (as if their watch
/// had not reported the others' changes yet): a change that loses the race is worked out again
/// against what won.
@Suite(.serialized) struct RegistryInEtcdTests {
    static let order = "record Order { id: string }"

    /// A node's registry on `url`, whose cache is empty and follows nothing.
    private func registry(at url: String) throws -> SchemaRegistry {
        let client = EtcdClient(endpoints: try EtcdEndpoint.list(parsing: url))
        return SchemaRegistry(etcd: RegistryInEtcd(client: client, keys: ClusterKeys(cluster: "unit"), logger: Logger(label: "test")))
    }

    /// The code `change` failed with, or `nil` when it succeeded.
    private func failure(_ change: () async throws -> Void) async -> ErrorCode? {
        do {
            try await change()
            return nil
        } catch {
            return (error as? SchemaRegistry.Failure)?.code ?? .internalError
        }
    }

    @Test func theLoserOfARaceIsCheckedAgainstWhatWonAndGetsTheNextVersionAndID() async throws {
        let etcd = try await EtcdProcess()
        let winner = try registry(at: etcd.url)
        let first = try await winner.register(subject: "orders", definition: Self.order)
        #expect(first.0.id == 1 && first.1.number == 1)

        // Believing the subject new, the loser's transaction fails; read again, its schema
        // breaks BACKWARD against the winner's version.
        let loser = try registry(at: etcd.url)
        let incompatible = await failure { _ = try await loser.register(subject: "orders", definition: "record Order { id: string  n: int32 }") }
        #expect(incompatible == .incompatibleSchema)
        let same = try await registry(at: etcd.url).register(subject: "orders", definition: Self.order)
        #expect(same.0.id == 1 && same.1.number == 1, "the winner's version, not a second subject")
        let next = try await registry(at: etcd.url).register(subject: "orders", definition: "record Order { id: string  n: int32 = 0 }")
        #expect(next.1.number == 2)
        let payments = try await registry(at: etcd.url).register(subject: "payments", definition: "record P { id: string }")
        #expect(payments.0.id == 2, "the next subject id, though the cache knew of none")

        // The winner's cache learns of it all when it reads (its watch would tell it).
        #expect(try winner.subject(named: "orders").versions.count == 1)
        try await winner.reload()
        #expect(try winner.subject(named: "orders").versions.map(\.number) == [1, 2])
        #expect(try winner.subjects(named: "").map(\.id) == [1, 2])
    }

    @Test func aRefusalStandsOnlyAgainstWhatEtcdHoldsNow() async throws {
        let etcd = try await EtcdProcess()
        let other = try registry(at: etcd.url)
        _ = try await other.register(subject: "orders", definition: Self.order)
        // This cache learns of the subject, then not of its compatibility mode changing.
        let stale = try registry(at: etcd.url)
        try await stale.reload()
        try await other.setMode(.none, subject: "orders")
        // Under BACKWARD, which the cache still holds, a field without a default is refused.
        let changed = try await stale.register(subject: "orders", definition: "record Order { id: string  n: int32 }")
        #expect(changed.1.number == 2)
        let refused = await failure { _ = try await stale.register(subject: "orders", definition: "record Order {") }
        #expect(refused == .invalidSchema, "a refusal that etcd's state upholds stands")
    }

    @Test func aSubjectRegisteredElsewhereCanBeBoundAndModedAtOnce() async throws {
        let etcd = try await EtcdProcess()
        _ = try await registry(at: etcd.url).register(subject: "orders", definition: Self.order)
        let other = try registry(at: etcd.url)
        try await other.bind(topic: "orders.placed", subject: "orders")
        #expect(other.binding(forTopic: "orders.placed")?.subject.name == "orders", "applied to the cache at once")
        try await other.setMode(.full, subject: "orders")
        #expect(try other.subject(named: "orders").mode == .full)
        #expect(await failure { try await other.bind(topic: "x", subject: "missing") } == .unknownSubject)
        let reader = try registry(at: etcd.url)
        try await reader.reload()
        #expect(reader.binding(forTopic: "orders.placed")?.subject.mode == .full)
    }

    @Test func withoutEtcdEveryChangeIsUnavailableAndNothingChanges() async throws {
        let registry = try registry(at: "http://127.0.0.1:\(try EtcdProcess.freePort())")
        let started = ContinuousClock.now
        #expect(await failure { _ = try await registry.register(subject: "orders", definition: Self.order) } == .registryUnavailable)
        #expect(ContinuousClock.now - started < .seconds(5), "a refused connection fails before the request timeout")
        #expect(await failure { try await registry.bind(topic: "orders", subject: "") } == nil, "unbinding what is not bound changes nothing")
        #expect(try registry.subjects(named: "").isEmpty)
    }
}
