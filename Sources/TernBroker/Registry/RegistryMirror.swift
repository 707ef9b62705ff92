import TernCluster
import TernEtcd
import TernProtocol
import TernSchema

/// What a cluster node's registry cache knows of etcd's registry keys besides its subjects and
/// bindings: the revision of each key it applied (deleted keys included), so that a change seen
/// twice, or late, changes nothing; and what arrived of a subject before all of it did.
struct RegistryMirror: Sendable {
    /// The revision of each key's last change the cache applied.
    var revisions: [String: Int64] = [:]
    /// Subject records whose versions have not all arrived yet.
    var records: [String: SubjectRecord] = [:]
    /// Versions that arrived before their subject's record.
    var versions: [String: [UInt32: SchemaRegistry.Version]] = [:]

    /// The revision of `key`'s last change the cache applied; 0 when it knows of none.
    func revision(of key: String) -> Int64 { revisions[key] ?? 0 }
}

extension SchemaRegistry.State {
    /// Applies changes seen in etcd, in order, skipping any older than what the cache holds;
    /// returns why keys were ignored, for the log.
    mutating func apply(_ events: [EtcdEvent], keys: ClusterKeys) -> [String] {
        var problems: [String] = []
        var touched: Set<String> = []
        for event in events {
            let (revision, value) = switch event {
            case .put(let keyValue): (keyValue.modRevision, Optional(keyValue.value))
            case .delete(_, let modRevision): (modRevision, nil)
            }
            guard revision > mirror.revision(of: event.key) else { continue }
            mirror.revisions[event.key] = revision
            if let problem = apply(keys.registryKey(of: event.key), value: value, touching: &touched) {
                problems.append("ignoring registry key \(event.key): \(problem)")
            }
        }
        for name in touched.sorted() { complete(name) }
        return problems
    }

    /// Makes the cache what `range`, a read of every registry key, holds, but for what it
    /// applied since that read: a binding it holds that the read lacks was deleted.
    mutating func replace(with range: EtcdRange, keys: ClusterKeys) -> [String] {
        let problems = apply(range.keyValues.map(EtcdEvent.put), keys: keys)
        let read = Set(range.keyValues.map(\.key))
        let deleted = bindings.keys.map { (topic: $0, key: keys.binding($0)) }.filter {
            !read.contains($0.key) && mirror.revision(of: $0.key) <= range.revision
        }
        for binding in deleted {
            bindings.removeValue(forKey: binding.topic)
            mirror.revisions[binding.key] = range.revision
        }
        return problems
    }

    /// Applies one key's value (`nil`: deleted); returns why it was ignored, if it was.
    private mutating func apply(_ key: ClusterKeys.RegistryKey?, value: [UInt8]?, touching touched: inout Set<String>) -> String? {
        switch (key, value) {
        case (.subject(let name), let value?):
            guard let record = SubjectRecord(json: value), record.id > 0, CompatibilityMode(name: record.mode) != nil else {
                return "not a subject record"
            }
            mirror.records[name] = record
            touched.insert(name)
        case (.version(let name, let number), let value?):
            guard let record = VersionRecord(json: value) else { return "not a version record" }
            do {
                let schema = try Schema(parsing: record.definition)
                mirror.versions[name, default: [:]][number] = SchemaRegistry.Version(number: number, definition: record.definition, schema: schema)
            } catch {
                return "\(error)"
            }
            touched.insert(name)
        case (.binding(let topic), let value?):
            guard let record = BindingRecord(json: value), TopicSyntax.problem(withTopic: topic) == nil else { return "not a binding of a valid topic" }
            bindings[topic] = record.subject
        case (.binding(let topic), nil):
            bindings.removeValue(forKey: topic)
        case (.lastSubjectID, let value?):
            guard let record = SubjectIDRecord(json: value) else { return "not a subject id record" }
            lastSubjectID = max(lastSubjectID, record.id)
        case (nil, _):
            return "not a registry key"
        case (_, nil):
            return "subjects and their versions are never deleted"
        }
        return nil
    }

    /// Makes subject `name` what its latest record says once every version it counts arrived.
    private mutating func complete(_ name: String) {
        guard let record = mirror.records[name], let mode = CompatibilityMode(name: record.mode) else { return }
        var versions = subjects[name]?.versions ?? []
        var arrived = mirror.versions[name] ?? [:]
        while versions.count < record.versions, let next = arrived.removeValue(forKey: UInt32(versions.count + 1)) {
            versions.append(next)
        }
        // The rest of the subject's change is yet to come: what arrived waits for it.
        guard versions.count >= record.versions else { return }
        mirror.versions[name] = arrived.isEmpty ? nil : arrived
        mirror.records[name] = nil
        subjects[name] = SchemaRegistry.Subject(name: name, id: record.id, mode: mode, versions: versions)
        lastSubjectID = max(lastSubjectID, record.id)
    }
}
