import TernCluster
import TernEtcd
import TernProtocol
import TernSchema
import Testing

@testable import TernBroker

/// A cluster node's registry cache applies what etcd reports, in whatever batches it comes, and
/// its changes become the transaction that writes them.
@Suite struct RegistryMirrorTests {
    private let keys = ClusterKeys(cluster: "east")

    private func put(_ key: String, _ record: some RegistryRecord, at revision: Int64) -> EtcdEvent {
        .put(EtcdKeyValue(key: key, value: record.encoded, createRevision: revision, modRevision: revision, version: 1, lease: 0))
    }

    private func subject(_ name: String, id: UInt32, versions: UInt32, mode: String = "BACKWARD", at revision: Int64) -> EtcdEvent {
        put(keys.subject(name), SubjectRecord(id: id, mode: mode, versions: versions), at: revision)
    }

    private func version(_ number: UInt32, of name: String, _ definition: String, at revision: Int64) -> EtcdEvent {
        put(keys.version(number, ofSubject: name), VersionRecord(definition: definition), at: revision)
    }

    @Test func aSubjectAppearsOnceItsRecordAndEveryVersionArrived() {
        var state = SchemaRegistry.State()
        #expect(state.apply([version(1, of: "orders", "record Order { id: string }", at: 3)], keys: keys).isEmpty)
        #expect(state.subjects["orders"] == nil, "a version alone is no subject")
        #expect(state.apply([subject("orders", id: 1, versions: 2, at: 4), version(2, of: "orders", "record Order { id: string  n: int32 = 0 }", at: 4)], keys: keys).isEmpty)
        #expect(state.subjects["orders"]?.versions.map(\.number) == [1, 2])
        #expect(state.subjects["orders"]?.id == 1 && state.subjects["orders"]?.mode == .backward)

        // A record ahead of its version waits for it, and the subject stays as it was.
        _ = state.apply([subject("orders", id: 1, versions: 3, mode: "NONE", at: 5)], keys: keys)
        #expect(state.subjects["orders"]?.versions.count == 2 && state.subjects["orders"]?.mode == .backward)
        _ = state.apply([version(3, of: "orders", "record Order { x: int64 }", at: 5)], keys: keys)
        #expect(state.subjects["orders"]?.versions.count == 3 && state.subjects["orders"]?.mode == CompatibilityMode.none)
        #expect(state.lastSubjectID == 1)
    }

    @Test func aChangeSeenTwiceOrLateChangesNothing() {
        var state = SchemaRegistry.State()
        _ = state.apply([subject("orders", id: 1, versions: 1, at: 4), version(1, of: "orders", "record Order { id: string }", at: 4)], keys: keys)
        _ = state.apply([subject("orders", id: 1, versions: 1, mode: "FULL", at: 6)], keys: keys)
        _ = state.apply([subject("orders", id: 1, versions: 1, mode: "NONE", at: 5), subject("orders", id: 1, versions: 1, mode: "FULL", at: 6)], keys: keys)
        #expect(state.subjects["orders"]?.mode == .full)
        _ = state.apply([put(keys.binding("orders"), BindingRecord(subject: "orders"), at: 8)], keys: keys)
        _ = state.apply([.delete(key: keys.binding("orders"), modRevision: 9), put(keys.binding("orders"), BindingRecord(subject: "orders"), at: 8)], keys: keys)
        #expect(state.bindings.isEmpty, "the delete is newer than the put seen again")
    }

    @Test func aReadReplacesWhatItKnowsButNotWhatCameAfterIt() {
        var state = SchemaRegistry.State()
        _ = state.apply([
            subject("orders", id: 1, versions: 1, at: 2), version(1, of: "orders", "record Order { id: string }", at: 2),
            put(keys.binding("old"), BindingRecord(subject: "orders"), at: 3),
            put(keys.binding("new"), BindingRecord(subject: "orders"), at: 12),
        ], keys: keys)
        let read = EtcdRange(keyValues: [
            EtcdKeyValue(key: keys.subject("orders"), value: SubjectRecord(id: 1, mode: "BACKWARD", versions: 1).encoded, createRevision: 2, modRevision: 2, version: 1, lease: 0),
            EtcdKeyValue(key: keys.version(1, ofSubject: "orders"), value: VersionRecord(definition: "record Order { id: string }").encoded, createRevision: 2, modRevision: 2, version: 1, lease: 0),
            EtcdKeyValue(key: keys.lastSubjectID, value: SubjectIDRecord(id: 4).encoded, createRevision: 2, modRevision: 2, version: 1, lease: 0),
        ], revision: 10)
        #expect(state.replace(with: read, keys: keys).isEmpty)
        #expect(state.bindings == ["new": "orders"], "'old' was deleted before the read; 'new' was bound after it")
        #expect(state.lastSubjectID == 4)
    }

    @Test func keysThatAreNotRecordsAreIgnoredAndSaidSo() {
        var state = SchemaRegistry.State()
        let problems = state.apply([
            .put(EtcdKeyValue(key: keys.subject("a"), value: Array("{}".utf8), createRevision: 1, modRevision: 1, version: 1, lease: 0)),
            subject("b", id: 2, versions: 1, mode: "SIDEWAYS", at: 1),
            version(1, of: "c", "record {", at: 1),
            put(keys.binding("bad topic"), BindingRecord(subject: "a"), at: 1),
            put(keys.registry + "unknown", BindingRecord(subject: "a"), at: 1),
            .delete(key: keys.subject("d"), modRevision: 2),
        ], keys: keys)
        #expect(problems.count == 6, "\(problems)")
        #expect(problems.allSatisfy { $0.hasPrefix("ignoring registry key /tern/clusters/east/registry/") }, "\(problems)")
        #expect(state.subjects.isEmpty && state.bindings.isEmpty)
    }

    @Test func aChangeIsOneConditionalTransactionThatTheCacheAppliesAsTheWatchWould() throws {
        var current = SchemaRegistry.State()
        _ = current.apply([
            subject("orders", id: 1, versions: 1, at: 5), version(1, of: "orders", "record Order { id: string }", at: 5),
            put(keys.lastSubjectID, SubjectIDRecord(id: 1), at: 5), put(keys.binding("gone"), BindingRecord(subject: "orders"), at: 6),
        ], keys: keys)
        var next = current
        let definition = "record Order { id: string  n: int32 = 0 }"
        next.subjects["orders"]?.versions.append(SchemaRegistry.Version(number: 2, definition: definition, schema: try Schema(parsing: definition)))
        next.subjects["payments"] = SchemaRegistry.Subject(
            name: "payments", id: 2, mode: .full, versions: [SchemaRegistry.Version(number: 1, definition: "record P { id: string }", schema: try Schema(parsing: "record P { id: string }"))]
        )
        next.lastSubjectID = 2
        next.bindings = ["orders.placed": "orders"]

        let transaction = RegistryTransaction(from: current, to: next, keys: keys)
        #expect(transaction.conditions == [
            .equal(keys.subject("orders"), .modRevision(5)), .equal(keys.subject("payments"), .modRevision(0)),
            .equal(keys.lastSubjectID, .modRevision(5)), .equal(keys.subject("orders"), .modRevision(5)),
        ])
        #expect(transaction.operations == [
            .put(key: keys.subject("orders"), value: SubjectRecord(id: 1, mode: "BACKWARD", versions: 2).encoded, lease: nil),
            .put(key: keys.version(2, ofSubject: "orders"), value: VersionRecord(definition: definition).encoded, lease: nil),
            .put(key: keys.subject("payments"), value: SubjectRecord(id: 2, mode: "FULL", versions: 1).encoded, lease: nil),
            .put(key: keys.version(1, ofSubject: "payments"), value: VersionRecord(definition: "record P { id: string }").encoded, lease: nil),
            .put(key: keys.lastSubjectID, value: SubjectIDRecord(id: 2).encoded, lease: nil),
            .delete(key: keys.binding("gone")),
            .put(key: keys.binding("orders.placed"), value: BindingRecord(subject: "orders").encoded, lease: nil),
        ])

        var applied = current
        #expect(applied.apply(transaction.events(at: 9), keys: keys).isEmpty)
        #expect(applied.subjects.mapValues { $0.versions.map(\.definition) } == next.subjects.mapValues { $0.versions.map(\.definition) })
        #expect(applied.subjects["payments"]?.mode == .full && applied.lastSubjectID == 2 && applied.bindings == next.bindings)
        #expect(applied.mirror.revision(of: keys.subject("orders")) == 9, "the next change compares the committed revision")
        #expect(RegistryTransaction(from: applied, to: applied, keys: keys).operations.isEmpty)
    }
}
