import TernCluster
import TernEtcd

/// A change of a cluster node's registry as one etcd transaction (CLUSTER.md, "Schema registry
/// in etcd"): the keys it writes, on the condition that the subjects and the subject id counter
/// it read are still as the node's cache knows them.
struct RegistryTransaction: Sendable {
    private(set) var conditions: [EtcdComparison] = []
    private(set) var operations: [EtcdOperation] = []

    /// The transaction that makes etcd's registry go from `current` to `next`.
    init(from current: SchemaRegistry.State, to next: SchemaRegistry.State, keys: ClusterKeys) {
        for (name, subject) in next.subjects.sorted(by: { $0.key < $1.key }) {
            let before = current.subjects[name]
            guard before?.id != subject.id || before?.mode != subject.mode || before?.versions.count != subject.versions.count else { continue }
            let key = keys.subject(name)
            conditions.append(.equal(key, .modRevision(current.mirror.revision(of: key))))
            let record = SubjectRecord(id: subject.id, mode: subject.mode.description, versions: UInt32(subject.versions.count))
            operations.append(.put(key: key, value: record.encoded, lease: nil))
            for version in subject.versions.dropFirst(before?.versions.count ?? 0) {
                operations.append(.put(key: keys.version(version.number, ofSubject: name), value: VersionRecord(definition: version.definition).encoded, lease: nil))
            }
        }
        if next.lastSubjectID != current.lastSubjectID {
            conditions.append(.equal(keys.lastSubjectID, .modRevision(current.mirror.revision(of: keys.lastSubjectID))))
            operations.append(.put(key: keys.lastSubjectID, value: SubjectIDRecord(id: next.lastSubjectID).encoded, lease: nil))
        }
        let topics = Set(current.bindings.keys).union(next.bindings.keys).filter { current.bindings[$0] != next.bindings[$0] }
        for topic in topics.sorted() {
            guard let subject = next.bindings[topic] else {
                operations.append(.delete(key: keys.binding(topic)))
                continue
            }
            // The subject is still as known: it exists.
            conditions.append(.equal(keys.subject(subject), .modRevision(current.mirror.revision(of: keys.subject(subject)))))
            operations.append(.put(key: keys.binding(topic), value: BindingRecord(subject: subject).encoded, lease: nil))
        }
    }

    /// The transaction's writes as a watch reports them once committed at `revision`.
    func events(at revision: Int64) -> [EtcdEvent] {
        operations.compactMap { operation in
            switch operation {
            case .put(let key, let value, _):
                .put(EtcdKeyValue(key: key, value: value, createRevision: revision, modRevision: revision, version: 1, lease: 0))
            case .delete(let key):
                .delete(key: key, modRevision: revision)
            case .get:
                nil
            }
        }
    }
}
